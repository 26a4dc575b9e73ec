/*
 * bo_agents.test.mjs — browser test of the agents' page of the back office (ctest
 * browser.bo_agents, label browser; docs/backoffice.md §1, map-ui/bo/agents.html, agents.js).
 *
 * The real importer builds the fixtures' database; the real geodir-admin creates the CC's
 * administrator and its TOTP secret in a real forms database; the real geodir-api serves it
 * with the back office's test definitions (tests/backoffice_http/forms). Two residents file
 * school enrolments from two communes through the public API. In Debian's headless Chromium
 * (playwright-core) the administrator logs in with its TOTP code, follows « Gérer les agents »,
 * is refused an empty creation form (error summary with the focus), creates a commune agent
 * of one commune, gives it a new password, disables and enables it (each checked against the
 * API's login); then that agent logs in, sees only its commune's request in the queue, no
 * « Agents » entry, and the notice on the agents' page (the API answers it 403). axe-core
 * (WCAG 2.1 A and AA) reports no violation at each step.
 *
 * Environment (set by CMakeLists.txt): GEODIR_IMPORT, GEODIR_API, GEODIR_ADMIN,
 * GEODIR_SOURCE_DIR, GEODIR_WORK_DIR; optional CHROMIUM (default /usr/bin/chromium).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  AGENTS, SOURCE_DIR, addAgent, axeCheck, boLogin, closeAll, fileEnrolment, formsArgs, formsCsrf,
  formsDbOf, freshWorkDir, geodirAdmin, importFixtures, newContext, openBrowser, startServer,
} from './harness.mjs';

const WORK_DIR = freshWorkDir('run-bo-agents');
const FORMS_DB = formsDbOf(WORK_DIR);
const ctx = newContext();
/* The passwords the administrator gives l.petit, the agent created through the page. */
const PW = { first: 'Girafe-Parapluie-Violon-27', second: 'Hibou-Casserole-Nuage-19' };
const filed = {};
let secret = '';
let school = null;
let other = '';

/* POST /api/bo/login over the API (a forms CSRF token first): its HTTP status. */
async function apiLogin(login, password) {
  const { cookie, token } = await formsCsrf(ctx.base);
  const r = await fetch(`${ctx.base}/api/bo/login`, {
    method: 'POST', body: JSON.stringify({ login, password }),
    headers: { Cookie: cookie, 'X-CSRF-Token': token, 'Content-Type': 'application/json' } });
  return r.status;
}

before(async () => {
  const db = importFixtures(WORK_DIR);
  addAgent(WORK_DIR, AGENTS.admin);
  secret = /secret=([A-Z2-7]+)/.exec(geodirAdmin(FORMS_DB, ['agent', 'totp', 'cc.admin']))[1];
  await startServer(ctx, WORK_DIR, db,
                    formsArgs(WORK_DIR, path.join(SOURCE_DIR, 'tests', 'backoffice_http', 'forms')));
  const found = await (await fetch(`${ctx.base}/api/places?q=Trois%20Villages&category=primary-school`)).json();
  const f = found.features[0];
  school = { id: f.id || f.properties.id, insee: f.properties.insee };
  const territory = await (await fetch(`${ctx.base}/api/communes`)).json();
  other = territory.communes.map((c) => c.insee).find((insee) => insee !== school.insee);
  filed.mine = await fileEnrolment(ctx.base, 'Martin', school);
  filed.other = await fileEnrolment(ctx.base, 'Bernard', school, other);
  await openBrowser(ctx, WORK_DIR, { failOnDialog: true });
});

after(async () => {
  await closeAll(ctx, { screenshot: path.join(WORK_DIR, 'bo-agents.png') });
});

const focusedId = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);
const focusedClass = (page) => page.evaluate(() => document.activeElement && document.activeElement.className);

/* The state cell of an agent's row. */
const stateOf = (page, login) => page.locator('#agents tbody tr', { hasText: login }).locator('td').nth(5).textContent();

test('the administrator logs in with TOTP and creates a commune agent on the page', async () => {
  const page = ctx.page;
  await boLogin(ctx, AGENTS.admin.login, AGENTS.admin.password, secret);
  await page.click('text=Gérer les agents');
  await page.waitForSelector('#admin-view:not([hidden])');
  assert.equal(await page.getAttribute('#nav-agents', 'aria-current'), 'page');
  assert.match(await page.textContent('#agents'), /cc\.admin.*Administrateur.*Toutes les demandes/s);
  await axeCheck(page, 'the agents page');

  await page.click('text=Créer l’agent');
  await page.waitForSelector('#create-form .error-summary:not([hidden])');
  assert.match(await focusedClass(page), /error-summary/, 'the error summary takes the focus');
  assert.equal(await page.getAttribute('#new-login', 'aria-invalid'), 'true');
  assert.match(await page.textContent('#create-form .error-summary'), /au moins une commune/);
  await axeCheck(page, 'the creation form with errors');

  await page.fill('#new-login', 'l.petit');
  await page.fill('#new-name', 'Louise Petit');
  await page.fill('#new-email', 'l.petit@mairie.fr');
  await page.selectOption('#new-role', 'commune');
  await page.getByLabel(`(${school.insee})`).check();
  await page.fill('#new-password', 'azerty123456');
  await page.fill('#new-password2', 'azerty123456');
  await page.click('text=Créer l’agent');
  await page.waitForFunction(() => /courant|simple|dictionnaire|mot de passe/i.test(
    document.querySelector('#create-form .error-summary:not([hidden])')?.textContent || ''));
  assert.equal(await page.getAttribute('#new-password', 'aria-invalid'), 'true',
               'the server\'s 400 naming the password is shown on its field');

  await page.fill('#new-password', PW.first);
  await page.fill('#new-password2', PW.first);
  await page.click('text=Créer l’agent');
  await page.waitForSelector('#agents tbody tr:has-text("l.petit")');
  assert.equal(await focusedId(page), 'list-title');
  assert.match(await page.textContent('#agents tbody tr:has-text("l.petit")'), /Agent communal.*Actif/s);
  assert.equal(await apiLogin('l.petit', PW.first), 200, 'the new agent can log in');
  await axeCheck(page, 'after creating an agent');
});

test('the administrator gives a new password, disables and enables the agent', async () => {
  const page = ctx.page;
  await page.selectOption('#reset-login', 'l.petit');
  await page.fill('#reset-password', PW.second);
  await page.fill('#reset-password2', PW.second);
  await page.click('text=Enregistrer le mot de passe');
  await page.waitForFunction(() => /Nouveau mot de passe enregistré/.test(document.getElementById('announce').textContent));
  assert.equal(await apiLogin('l.petit', PW.first), 401, 'the old password is refused');
  assert.equal(await apiLogin('l.petit', PW.second), 200, 'the new one is accepted');

  await page.click('#agents tbody tr:has-text("l.petit") button');
  await page.waitForFunction(() => /Désactivé/.test(document.querySelector('#agents').textContent));
  assert.equal(await stateOf(page, 'l.petit'), 'Désactivé');
  assert.equal(await apiLogin('l.petit', PW.second), 401, 'a disabled agent cannot log in');
  await axeCheck(page, 'a disabled agent');
  await page.click('#agents tbody tr:has-text("l.petit") button');
  await page.waitForFunction(() => !/Désactivé/.test(document.querySelector('#agents').textContent));
  assert.equal(await apiLogin('l.petit', PW.second), 200, 'enabled again, the agent logs in');

  await page.goto(`${ctx.base}/bo/queue.html`);
  await page.waitForSelector('#requests tbody tr');
  assert.equal(await page.locator('#nav-agents').count(), 1, 'the queue\'s header links to the agents page');
  assert.equal(await page.locator('#requests tbody tr').count(), 2, 'the administrator sees both requests');
  await page.click('#logout');
  await page.waitForSelector('#login-view:not([hidden])');
});

test('the new agent logs in and sees only their commune\'s queue, not the agents page', async () => {
  const page = ctx.page;
  await page.fill('#login', 'l.petit');
  await page.fill('#password', PW.second);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#home-view:not([hidden])');
  assert.equal(await page.isHidden('#agents-link'), true, 'no link to the agents page');
  await page.click('#open-queue');
  await page.waitForSelector('#requests tbody tr');
  const rows = await page.locator('#requests tbody th').allTextContents();
  assert.deepEqual(rows, [filed.mine.code], 'only the request of the agent\'s commune');
  assert.equal(await page.locator('#nav-agents').count(), 0, 'no « Agents » entry in the header');

  await page.goto(`${ctx.base}/bo/agents.html`);
  await page.waitForSelector('#forbidden:not([hidden])');
  assert.equal(await page.isHidden('#admin-view'), true);
  const status = await page.evaluate(async () => (await fetch('/api/bo/agents')).status);
  assert.equal(status, 403, 'GET /api/bo/agents as a commune agent: 403');
  await axeCheck(page, 'the agents page for a commune agent');
});

test('no unexpected console error, nothing fetched elsewhere', () => {
  /* the 401 of the login asking for the TOTP code and the 400 and 403 shown are expected */
  const errors = ctx.errors.filter((e) => !/status of (400|401|403)/.test(e));
  assert.deepEqual(errors, []);
  assert.deepEqual(ctx.foreign, []);
});
