/*
 * bo_login.test.mjs — browser test of the back office's login page (ctest browser.bo_login,
 * label browser; docs/backoffice.md §1-2, map-ui/bo/index.html and login.js).
 *
 * The real importer builds the fixtures' database, geodir-admin creates a commune agent and an
 * administrator with its TOTP secret in a real forms database, the real geodir-api serves
 * /bo/; Debian's headless Chromium (playwright-core) logs the commune agent in with the
 * keyboard only, sees « Connecté en tant que … », logs out; a wrong password shows the error
 * summary with the focus on it; the administrator is asked for the TOTP code, which this test
 * computes (RFC 6238). axe-core (WCAG 2.1 A and AA) reports no violation at each step.
 *
 * Environment (set by CMakeLists.txt): GEODIR_IMPORT, GEODIR_API, GEODIR_ADMIN,
 * GEODIR_SOURCE_DIR, GEODIR_WORK_DIR; optional CHROMIUM (default /usr/bin/chromium).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  AGENTS, SOURCE_DIR, addAgent, axeCheck, closeAll, formsArgs, formsDbOf, freshWorkDir,
  geodirAdmin, importFixtures, newContext, openBrowser, startServer, totp,
} from './harness.mjs';

const WORK_DIR = freshWorkDir('run-bo-login');
const FORMS_DB = formsDbOf(WORK_DIR);
const ctx = newContext();
let secret = '';

function admin(args, input) {
  return geodirAdmin(FORMS_DB, args, input);
}

before(async () => {
  const db = importFixtures(WORK_DIR);
  addAgent(WORK_DIR, AGENTS.durand, '55040');
  addAgent(WORK_DIR, AGENTS.admin);
  secret = /secret=([A-Z2-7]+)/.exec(admin(['agent', 'totp', 'cc.admin']))[1];
  await startServer(ctx, WORK_DIR, db,
                    formsArgs(WORK_DIR, path.join(SOURCE_DIR, 'config', 'forms')));
  await openBrowser(ctx, WORK_DIR, { failOnDialog: true });
});

after(async () => {
  await closeAll(ctx, { screenshot: path.join(WORK_DIR, 'bo-login.png') });
});

const focusedId = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);

test('an agent logs in with the keyboard only, then logs out', async () => {
  const page = ctx.page;
  await page.goto(`${ctx.base}/bo/`);
  await page.waitForSelector('#login-view:not([hidden])');
  assert.equal(await focusedId(page), 'login', 'the login field has the focus');
  await axeCheck(page, 'the login form');

  await page.keyboard.type('m.durand');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Mauvais-Mot-De-Passe-1');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#error-summary:not([hidden])');
  assert.equal(await focusedId(page), 'error-summary', 'the error summary takes the focus');
  assert.match(await page.textContent('#error-text'), /incorrect/);
  await axeCheck(page, 'a wrong password');

  await page.focus('#password');
  await page.keyboard.type(AGENTS.durand.password);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#home-view:not([hidden])');
  assert.match(await page.textContent('#whoami'), /Connecté en tant que Marie Durand \(m\.durand\)/);
  assert.equal(await focusedId(page), 'home-title');
  await axeCheck(page, 'logged in');

  const cookies = await ctx.browser.cookies(ctx.base);
  const bo = cookies.find((c) => c.name === 'geodir_bo');
  assert.ok(bo && bo.httpOnly && bo.sameSite === 'Strict', 'the session cookie is HttpOnly, SameSite=Strict');

  await page.reload();
  await page.waitForSelector('#home-view:not([hidden])');   // the session survives a reload

  await page.focus('#logout');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#login-view:not([hidden])');
  const me = await page.evaluate(async () => (await fetch('/api/bo/me')).status);
  assert.equal(me, 401, 'after logout, GET /api/bo/me answers 401');
});

test('an administrator is asked for the TOTP code', async () => {
  const page = ctx.page;
  await page.goto(`${ctx.base}/bo/`);
  await page.waitForSelector('#login-view:not([hidden])');
  assert.equal(await page.isHidden('#totp-field'), true, 'no TOTP field at first');
  await page.fill('#login', 'cc.admin');
  await page.fill('#password', AGENTS.admin.password);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#totp-field:not([hidden])');
  assert.match(await page.textContent('#error-text'), /code/);
  await axeCheck(page, 'the TOTP field');
  await page.fill('#totp', totp(secret));
  await page.click('#login-submit');
  await page.waitForSelector('#home-view:not([hidden])');
  assert.match(await page.textContent('#whoami'), /Claire Admin .*administrateur/);
  assert.match(await page.textContent('#scope'), /toutes les demandes/);
});

test('no unexpected console error, nothing fetched elsewhere', () => {
  /* the 401s of GET /api/bo/me (no session yet) and of the failed logins are expected */
  const errors = ctx.errors.filter((e) => !/status of 401/.test(e));
  assert.deepEqual(errors, []);
  assert.deepEqual(ctx.foreign, []);
});
