/*
 * bo_helpers.mjs — what the back office's browser tests share (backoffice.test.mjs): agents
 * made by the real geodir-admin on a forms database, the RFC 6238 code of a TOTP secret, and
 * the axe-core check (WCAG 2.1 A and AA rules) of the page at a step.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { HERE } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js', { paths: [HERE] }), 'utf8');

/* Runs geodir-admin on formsDb with args (input on stdin); its output. */
export function admin(formsDb, args, input) {
  const bin = process.env.GEODIR_ADMIN;
  assert.ok(bin, 'GEODIR_ADMIN (the geodir-admin binary) is not set');
  const r = spawnSync(bin, ['--forms-db', formsDb, ...args], { input, encoding: 'utf8' });
  assert.equal(r.status, 0, `geodir-admin ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/* RFC 6238 (SHA-1, 6 digits, 30 s) of a base32 secret, now. */
export function totp(b32) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of b32) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30)));
  const mac = crypto.createHmac('sha1', key).update(msg).digest();
  const o = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

/* No axe-core violation (WCAG 2.1 A and AA) on page at step. */
export async function axeCheck(page, step) {
  if (!(await page.evaluate(() => typeof window.axe === 'object')))
    await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ` +
      v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(', '));
  });
  assert.deepEqual(violations, [], `axe-core at ${step}`);
}
