/*
 * harness.mjs — what the browser tests (map, opendata, geocode, forms .test.mjs) share: the environment
 * set by CMakeLists.txt, the dependency checks, the real importer run, the real geodir-api on
 * 127.0.0.1 port 0 (port read back from its "listening on" line), Debian's headless Chromium
 * driven by playwright-core with every request to another host refused and noted (basemap tiles
 * get a local stand-in), console and page errors collected, and the tear-down that checks the
 * server exits cleanly on SIGTERM; the axe-core check of a page; agents made by the real
 * geodir-admin (geodirAdmin), the fixtures' database (importFixtures), TOTP codes (totp), a
 * resident's filing through the public API (fileSubmission, fileEnrolment), a local SMTP server that captures the e-mails
 * (startSmtp, smtpArgs), pollUntil, an agent's login on the page (boLogin) and a decision
 * refused without motivation then accepted (refuseThenAccept), for the back office's tests; pageSearch, a search of the map page and the answer it rendered; tabTo (keyboard
 * only: Tab until an element has the focus) and noHorizontalScroll (the 360 px checks).
 *
 * A missing dependency is a failure with a message saying how to fix it, never a skip.
 *
 * Environment (set by CMakeLists.txt): GEODIR_IMPORT, GEODIR_API, GEODIR_SOURCE_DIR,
 * GEODIR_WORK_DIR; optional CHROMIUM (default /usr/bin/chromium).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));

function requireEnv(name) {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run this test through ctest ` +
                    '(tests/browser/CMakeLists.txt)');
  return value;
}

export const IMPORTER = requireEnv('GEODIR_IMPORT');
export const SERVER = requireEnv('GEODIR_API');
export const SOURCE_DIR = requireEnv('GEODIR_SOURCE_DIR');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const STEP_TIMEOUT = 20000;

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  throw new Error('playwright-core is not installed in tests/browser/node_modules: run ' +
                  '`npm ci` in tests/browser (the set-up script does it). ' + e.message);
}
for (const [file, fix] of [
  [path.join(SOURCE_DIR, 'map-ui', 'node_modules', 'leaflet', 'dist', 'leaflet-src.esm.js'),
   'run `npm ci` in map-ui (the set-up script does it)'],
  [CHROMIUM, 'install Debian\'s chromium package (the set-up script does it)'],
  [IMPORTER, 'build geodir-import'],
  [SERVER, 'build geodir-api'],
]) {
  if (!fs.existsSync(file))
    throw new Error(`${file} is missing: ${fix}`);
}

/* A grey 256 px tile with a faint grid, so that screenshots show where tiles would be. */
const TILE_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256">' +
  '<rect width="256" height="256" fill="#eef0ea"/>' +
  '<path d="M0 .5H256M.5 0V256" stroke="#d9ddd3" stroke-width="1"/></svg>';

/* The test's own run folder under GEODIR_WORK_DIR (or this folder), made fresh. */
export function freshWorkDir(name) {
  const dir = path.join(process.env.GEODIR_WORK_DIR || HERE, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/* The state a test's hooks share; extra fields are the test's own. */
export function newContext(extra = {}) {
  return {
    server: null,        /* the geodir-api child process */
    serverExit: null,    /* promise of its { code, signal } */
    base: '',            /* http://127.0.0.1:PORT */
    browser: null,       /* persistent browser context */
    page: null,
    errors: [],          /* console errors and page errors, tile failures excluded */
    foreign: [],         /* requests to other hosts than the server, tiles excluded */
    ...extra,
  };
}

/* Runs geodir-import with args (output kept in workDir/import.log); fails the test on error. */
export function runImport(workDir, args, options = {}) {
  const imp = spawnSync(IMPORTER, args, { encoding: 'utf8', timeout: 120000, ...options });
  fs.writeFileSync(path.join(workDir, 'import.log'), `${imp.stdout}\n${imp.stderr}`);
  assert.equal(imp.status, 0, `geodir-import failed (${imp.status}):\n${imp.stderr}`);
}

/* Starts geodir-api on port 0 over db with map-ui/ (log in workDir/server.log) and the extra
 * command-line flags given; sets ctx.server, ctx.serverExit and ctx.base once the server
 * printed its listening line. */
export async function startServer(ctx, workDir, db, extraArgs = []) {
  const serverLog = fs.createWriteStream(path.join(workDir, 'server.log'));
  ctx.server = spawn(SERVER, ['--port', '0', '--db', db,
                              '--static_dir', path.join(SOURCE_DIR, 'map-ui'), ...extraArgs],
                     { stdio: ['ignore', 'pipe', 'pipe'] });
  ctx.serverExit = new Promise((resolve) => {
    ctx.server.on('exit', (code, signal) => resolve({ code, signal }));
  });
  ctx.server.stderr.pipe(serverLog);
  ctx.base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('geodir-api did not print its listening line ' +
                                                    `within 10 s (see ${workDir}/server.log)`)), 10000);
    const lines = readline.createInterface({ input: ctx.server.stdout });
    lines.on('line', (line) => {
      serverLog.write(`[stdout] ${line}\n`);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    ctx.serverExit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`geodir-api exited early (${code ?? signal}); see ${workDir}/server.log`));
    });
  });
}

/* Host of the territory's basemap tiles ('' without tiles). */
export function tileHostOf(territory) {
  const tiles = territory.map && territory.map.tiles_url;
  return tiles ? new URL(tiles.replace(/\{[a-z]\}/g, '0')).host : '';
}

/* Launches Chromium (profile in workDir) and sets ctx.browser and ctx.page. Nothing leaves the
 * machine: tiles of tileHost get a local stand-in, anything else is refused and noted in
 * ctx.foreign; console and page errors go to ctx.errors (dialogs too when failOnDialog). */
export async function openBrowser(ctx, workDir, { tileHost = '', launch = {},
                                                  failOnDialog = false,
                                                  serviceWorkers = 'block' } = {}) {
  ctx.browser = await chromium.launchPersistentContext(path.join(workDir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    locale: 'fr-FR',
    /* The pages register the offline worker (sw.js); once it controls a page, the page's answers
     * come through it and Chromium may no longer give their bodies to page.waitForResponse
     * (« No data found for resource »), depending on when the worker took over. Only the test
     * of the worker itself (offline.test.mjs) lets it run. */
    serviceWorkers,
    ...launch,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await ctx.browser.route((url) => url.origin !== ctx.base, (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:')
      return route.continue();
    if (tileHost && url.host === tileHost)
      return route.fulfill({ status: 200, contentType: 'image/svg+xml', body: TILE_SVG });
    ctx.foreign.push(url.href);
    return route.abort();
  });
  ctx.page = ctx.browser.pages()[0] || await ctx.browser.newPage();
  ctx.page.setDefaultTimeout(STEP_TIMEOUT);
  ctx.page.on('console', (msg) => {
    if (msg.type() === 'error')
      ctx.errors.push(`console: ${msg.text()} (${msg.location().url || '?'})`);
  });
  ctx.page.on('pageerror', (e) => ctx.errors.push(`page error: ${e.message}`));
  if (failOnDialog) {
    ctx.page.on('dialog', (d) => {
      ctx.errors.push(`dialog opened: ${d.message()}`);
      d.dismiss();
    });
  }
}

/* The map page of the running server (startServer) in a browser (openBrowser, with the
 * territory's tile host and downloads refused), loaded and ready (body[data-ready]). */
export async function openMapPage(ctx, workDir) {
  const territory = await (await fetch(`${ctx.base}/api/territory`)).json();
  await openBrowser(ctx, workDir, { tileHost: tileHostOf(territory),
                                    launch: { acceptDownloads: false } });
  await ctx.page.goto(`${ctx.base}/`);
  await ctx.page.waitForSelector('body[data-ready="true"]');
}

/* Tear-down: optional full-page screenshot, browser closed, server stopped by SIGTERM and
 * checked to exit with status 0. */
export async function closeAll(ctx, { screenshot = null } = {}) {
  if (ctx.browser) {
    if (screenshot)
      await ctx.page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
    await ctx.browser.close();
  }
  if (ctx.server && ctx.server.exitCode === null && ctx.server.signalCode === null) {
    ctx.server.kill('SIGTERM');
    const killer = setTimeout(() => ctx.server.kill('SIGKILL'), 10000);
    const { code, signal } = await ctx.serverExit;
    clearTimeout(killer);
    assert.equal(signal, null, `geodir-api was killed by ${signal} instead of exiting on SIGTERM`);
    assert.equal(code, 0, `geodir-api exited with ${code} on SIGTERM`);
  }
}

/* axe-core's script, read on first use (a missing module fails the test that needs it). */
let axeSource = null;
function axeScript() {
  if (axeSource === null) {
    try {
      axeSource = fs.readFileSync(createRequire(import.meta.url)
        .resolve('axe-core/axe.min.js', { paths: [HERE] }), 'utf8');
    } catch (e) {
      throw new Error('axe-core is not installed in tests/browser/node_modules: run `npm ci` in ' +
                      `tests/browser (the set-up script does it). ${e.message}`);
    }
  }
  return axeSource;
}

/* No WCAG 2.1 A/AA violation (axe-core) on the page as it is now; step names it. */
export async function axeCheck(page, step) {
  if (!(await page.evaluate(() => typeof window.axe === 'object')))
    await page.evaluate(axeScript());
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

/* Runs the real geodir-admin (GEODIR_ADMIN) on the forms database formsDb with args and input
 * on its standard input (--password-stdin); fails the test on a non-zero exit; its output. */
export function geodirAdmin(formsDb, args, input) {
  const bin = process.env.GEODIR_ADMIN;
  assert.ok(bin, 'GEODIR_ADMIN (the geodir-admin binary) is not set');
  const r = spawnSync(bin, ['--forms-db', formsDb, ...args], { input, encoding: 'utf8' });
  assert.equal(r.status, 0, `geodir-admin ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/* The forms database of a test's work folder. */
export function formsDbOf(workDir) {
  return path.join(workDir, 'forms.sqlite');
}

/* geodir-api's options that serve the forms of formsDir with the forms database and the files
 * folder of workDir. */
export function formsArgs(workDir, formsDir) {
  return ['--forms_dir', formsDir, '--forms_db', formsDbOf(workDir),
          '--forms_files_dir', path.join(workDir, 'forms-files')];
}

/* The agents the back-office tests create: login, name, e-mail and password. */
export const AGENTS = {
  durand: { login: 'm.durand', name: 'Marie Durand', email: 'm.durand@mairie.fr',
            password: 'Girafe-Parapluie-Violon-27' },
  admin: { login: 'cc.admin', name: 'Claire Admin', email: 'admin@cc.fr',
           password: 'Vanille-Tracteur-Orage-81' },
};

/* Creates agent (one of AGENTS) in the forms database of workDir with geodir-admin: the agent
 * of the commune insee, or an administrator when insee is null. */
export function addAgent(workDir, agent, insee = null) {
  const role = insee ? ['--role', 'commune', '--commune', insee] : ['--role', 'admin'];
  geodirAdmin(formsDbOf(workDir), ['agent', 'add', '--login', agent.login, '--name', agent.name,
                        '--email', agent.email, ...role, '--password-stdin'], `${agent.password}\n`);
}

/* The database of fixtures/ (copied into workDir) built by the real importer: its path. With
 * overrides, the copied territory.json names that local corrections file, created empty (the
 * moderation of contributions appends to it, docs/backoffice.md §7). */
export function importFixtures(workDir, { overrides = '' } = {}) {
  const fixtures = path.join(SOURCE_DIR, 'tests', 'browser', 'fixtures');
  for (const f of fs.readdirSync(fixtures))
    fs.copyFileSync(path.join(fixtures, f), path.join(workDir, f));
  if (overrides) {
    const config = path.join(workDir, 'territory.json');
    fs.writeFileSync(config, JSON.stringify({ ...JSON.parse(fs.readFileSync(config, 'utf8')), overrides }));
    fs.writeFileSync(path.join(workDir, overrides), '{}\n');
  }
  const db = path.join(workDir, 'geodir.sqlite');
  runImport(workDir, ['--config', path.join(workDir, 'territory.json'), '--db', db, '--no-exports'],
            { cwd: workDir });
  return db;
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

/* A forms CSRF token of the server at base and the cookie it goes with: { cookie, token }. */
export async function formsCsrf(base) {
  const c = await fetch(`${base}/api/forms/csrf`);
  const cookie = c.headers.get('set-cookie').split(';')[0];
  const { token } = await c.json();
  return { cookie, token };
}

/* A resident files values in the form formId through the public API of the server at base
 * (a CSRF token and its cookie first, as the page does); what names the filing in the message:
 * { code, token }. */
export async function fileSubmission(base, formId, values, what) {
  const { cookie, token } = await formsCsrf(base);
  const body = new FormData();
  body.append('data', JSON.stringify({ values, website: '' }));
  const r = await fetch(`${base}/api/forms/${formId}/submissions`,
                        { method: 'POST', body, headers: { Cookie: cookie, 'X-CSRF-Token': token } });
  const out = await r.json();
  assert.equal(r.status, 201, `${what}: ${JSON.stringify(out)}`);
  return out;
}

/* A resident files a school enrolment (the form of tests/backoffice_http/forms) through the
 * public API of the server at base, for the school { id, insee }, from an address in the
 * commune citycode (the request's routing; the school's commune by default): { code, token }. */
export async function fileEnrolment(base, name, school, citycode = school.insee) {
  const values = {
    rl1_nom: name, rl1_prenoms: 'Claire', rl1_email: 'claire@example.org',
    adresse: { label: '1 Rue de l’Église 55409 Trois-Villages', housenumber: '1', street: 'Rue de l’Église',
               postcode: '55000', citycode, city: 'Trois-Villages', lon: 5.1, lat: 48.9 },
    enfants: [{ nom: name, prenoms: 'Léa', date_naissance: '2019-04-02', niveau: 'CP', rentree: 'rentree',
                ecole: school.id }],
  };
  return fileSubmission(base, 'inscription-scolaire', values, `filing for ${name}`);
}

/* On the map page: runs action, returns the /api/places answer ({ url, body }) the page received,
 * once the page has rendered it (#results' data-search-seq moved on, aria-busy false).
 * The action may start more than one search (Back restores criteria and then the map view): the
 * page aborts the older ones, whose bodies Chromium never keeps, so every first page (no cursor)
 * is read as it arrives and the last one that could be read is the answer shown. */
export async function pageSearch(page, action) {
  const before = await page.evaluate(() => {
    const list = document.getElementById('results');
    return list ? Number(list.dataset.searchSeq || 0) : 0;
  });
  const answers = [];
  const onResponse = (r) => {
    const url = new URL(r.url());
    if (url.pathname !== '/api/places' || url.searchParams.has('cursor'))
      return;
    answers.push(r.finished()
      .then(() => r.json())
      .then((body) => ({ url, status: r.status(), body }), () => null));
  };
  page.on('response', onResponse);
  try {
    await action();
    await page.waitForFunction((seq) => {
      const list = document.getElementById('results');
      return Number(list.dataset.searchSeq || 0) > seq && list.getAttribute('aria-busy') === 'false';
    }, before, { timeout: STEP_TIMEOUT });
  } finally {
    page.off('response', onResponse);
  }
  const read = (await Promise.all(answers)).filter(Boolean);
  assert.ok(read.length > 0, `the page rendered a search but no /api/places answer could be read (${answers.length} seen)`);
  const last = read[read.length - 1];
  assert.equal(last.status, 200, `the page's search ${last.url} failed`);
  return { url: last.url, body: last.body };
}

/* Polls fn (sync or async) every 100 ms until it returns a truthy value, which it returns;
 * fails with what after timeout ms. No fixed sleep: as soon as the condition holds. */
export async function pollUntil(fn, what, timeout = STEP_TIMEOUT) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    assert.ok(Date.now() < end, `still not true after ${timeout} ms: ${what}`);
    await new Promise((resolve) => { setTimeout(resolve, 100); });
  }
}

/* The text of RFC 2047 Q words and of a quoted-printable body (UTF-8). */
function qDecode(s, underscore) {
  const t = underscore ? s.replace(/_/g, ' ') : s.replace(/=\r\n/g, '');
  return Buffer.from(t.replace(/=([0-9A-F]{2})/g, (m, x) => String.fromCharCode(parseInt(x, 16))),
                     'latin1').toString('utf8');
}

/* One captured message as { from, to, subject, body }: the Subject's encoded words decoded,
 * the quoted-printable body decoded. */
function parseMail(env, raw) {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const unfolded = head.replace(/\r\n[ \t]+/g, ' ');
  const subjectLine = (/^Subject: (.*)$/m.exec(unfolded) || [])[1] || '';
  const subject = subjectLine.replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?Q\?([^?]*)\?=/gi, (m, w) => qDecode(w, true));
  return { ...env, subject, body: qDecode(rest.join('\r\n\r\n'), false), raw };
}

/* A local SMTP server on 127.0.0.1 (the real chain of geodir-api's sender, docs/backoffice.md
 * §6: libcurl's SMTP client, without STARTTLS) keeping every message it accepts:
 * { port, messages: [{ from, to, subject, body, raw }], close() }. */
export async function startSmtp() {
  const box = { port: 0, messages: [] };
  const server = net.createServer((sock) => {
    let buf = '';
    let data = null;
    let env = { from: '', to: [] };
    const reply = (line) => sock.write(`${line}\r\n`);
    sock.setEncoding('latin1');
    reply('220 capture ESMTP');
    sock.on('data', (chunk) => {
      buf += chunk;
      for (;;) {
        if (data !== null) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          box.messages.push(parseMail(env, buf.slice(0, end).replace(/^\.\./gm, '.')));
          buf = buf.slice(end + 5);
          data = null;
          env = { from: '', to: [] };
          reply('250 2.0.0 OK');
          continue;
        }
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        const line = buf.slice(0, eol);
        buf = buf.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        const addr = (/<([^>]*)>/.exec(line) || [])[1] || '';
        if (verb === 'EHLO') reply('250-capture\r\n250 8BITMIME');
        else if (verb === 'MAIL') { env.from = addr; reply('250 OK'); }
        else if (verb === 'RCPT') { env.to.push(addr); reply('250 OK'); }
        else if (verb === 'DATA') { data = ''; reply('354 Fin par <CRLF>.<CRLF>'); }
        else if (verb === 'QUIT') { reply('221 Au revoir'); sock.end(); return; }
        else if (['HELO', 'RSET', 'NOOP'].includes(verb)) reply('250 OK');
        else reply('502 5.5.2 Commande inconnue');
      }
    });
    sock.on('error', () => {});
  });
  await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  box.port = server.address().port;
  box.close = () => new Promise((resolve) => { server.close(resolve); });
  return box;
}

/* The options of geodir-api that send its e-mails to the capture smtp (startSmtp). */
export function smtpArgs(smtp) {
  return ['--smtp_url', `smtp://127.0.0.1:${smtp.port}`, '--smtp_starttls', 'off',
          '--mail_from', 'Guichet <guichet@cc.example>', '--mail_retry_base', '1'];
}

/* Logs an agent in on the back office's page /bo/ of ctx's server (the TOTP code when the
 * server asks for it and secret is given) and waits for the home view. */
export async function boLogin(ctx, login, password, secret = '') {
  const page = ctx.page;
  await page.goto(`${ctx.base}/bo/`);
  await page.waitForSelector('#login-view:not([hidden])');
  await page.fill('#login', login);
  await page.fill('#password', password);
  await page.keyboard.press('Enter');
  if (secret) {
    await page.waitForSelector('#totp-field:not([hidden])');
    await page.fill('#totp', totp(secret));
    await page.keyboard.press('Enter');
  }
  await page.waitForSelector('#home-view:not([hidden])');
}

/* The decision form (bo/decision.js) under the heading #titleId of a request's page: « Refuser »
 * without a motivation is refused on its field #<prefix>-motivation (axe-checked, step names it),
 * then acceptLabel with the value #<prefix>-<field> corrected is recorded: « Acceptée ». */
export async function refuseThenAccept(page, { titleId, prefix, acceptLabel, field, value, step }) {
  const form = page.locator(`#${titleId} ~ form`);
  const record = form.getByRole('button', { name: 'Enregistrer la décision' });
  await page.getByLabel('Refuser').check();
  await record.click();
  await page.waitForSelector(`#${titleId} ~ form .error-summary:not([hidden])`);
  assert.equal(await page.getAttribute(`#${prefix}-motivation`, 'aria-invalid'), 'true');
  await axeCheck(page, `${step} refused without motivation`);
  await page.getByLabel(acceptLabel).check();
  await page.waitForSelector(`#${prefix}-values:not([hidden])`);
  await page.fill(`#${prefix}-${field}`, value);
  await record.click();
  await page.waitForFunction(() => /Acceptée/.test(document.querySelector('.bo-facts').textContent));
}

/* Keyboard only: Tab until selector has the focus (at most 80 presses). */
export async function tabTo(page, selector) {
  for (let i = 0; i < 80; i++) {
    if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector))
      return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`${selector} never received the focus by Tab`);
}

/* No sideways scrolling at the page's width; step names the state in the message. */
export async function noHorizontalScroll(page, step) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= width, `${step}: no horizontal scrolling at ${width} px (content ${scroll} px)`);
}
