/*
 * bo_moderation.test.mjs — browser test of the moderation of a contribution (ctest
 * browser.bo_moderation, label browser; docs/backoffice.md §7, map-ui/bo/contribution.js).
 *
 * The real importer builds the fixtures' database with an empty local corrections file; the
 * real geodir-api serves it with the five forms of config/forms, the territory configuration
 * as importer_config and the real importer as importer_command, and sends its e-mails to a
 * local SMTP server that captures them. A resident files « Proposer un lieu » through the
 * public API. In Debian's headless Chromium (playwright-core) the commune's agent (made by the
 * real geodir-admin) opens the request from the queue, is refused a refusal without
 * motivation, then accepts the proposal with corrected opening hours. The new place is then
 * found by the directory's search (/api/places?q=, polled: no sleep) with « contribution
 * validée par la commune de … », the territory's licence and the hours as corrected; the map
 * page's place card shows the provenance; the resident gets the decision by e-mail. axe-core
 * (WCAG 2.1 A and AA) reports no violation at each step.
 *
 * Environment (set by CMakeLists.txt): GEODIR_IMPORT, GEODIR_API, GEODIR_ADMIN,
 * GEODIR_SOURCE_DIR, GEODIR_WORK_DIR; optional CHROMIUM (default /usr/bin/chromium).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  AGENTS, IMPORTER, SOURCE_DIR, addAgent, axeCheck, boLogin, closeAll, fileSubmission, formsArgs,
  freshWorkDir, importFixtures, newContext, openBrowser, pollUntil, refuseThenAccept, smtpArgs,
  startServer, startSmtp,
} from './harness.mjs';

const WORK_DIR = freshWorkDir('run-bo-moderation');
const ctx = newContext();
const NAME = 'Fromagerie Tartempion';
let smtp = null;
let commune = null;
let filed = null;

/* The resident's proposal through the public API: { code, token }. */
async function propose() {
  const values = {
    nom: NAME, categorie: 'food-shop', description: 'Fromages affinés à la ferme.',
    adresse: { label: `3 Rue du Moulin ${commune.name}`, housenumber: '3', street: 'Rue du Moulin',
               postcode: '55250', citycode: commune.insee, city: commune.name, lon: 5.135, lat: 48.945 },
    horaires: 'Du mardi au samedi de 8 h à 12 h 30', email: 'resident@example.org',
  };
  return fileSubmission(ctx.base, 'proposer-lieu', values, 'the proposal is filed');
}

/* The features of /api/places?q=text. */
async function search(text) {
  const r = await fetch(`${ctx.base}/api/places?q=${encodeURIComponent(text)}`);
  return r.status === 200 ? (await r.json()).features : [];
}

before(async () => {
  const db = importFixtures(WORK_DIR, { overrides: 'corrections.json' });
  smtp = await startSmtp();
  await startServer(ctx, WORK_DIR, db, [
    ...formsArgs(WORK_DIR, path.join(SOURCE_DIR, 'config', 'forms')),
    '--importer_config', path.join(WORK_DIR, 'territory.json'), '--importer_command', IMPORTER,
    ...smtpArgs(smtp)]);
  const { communes } = await (await fetch(`${ctx.base}/api/communes`)).json();
  commune = communes[0];
  addAgent(WORK_DIR, AGENTS.durand, commune.insee);
  filed = await propose();
  assert.deepEqual(await search('Tartempion'), [], 'not in the directory before the decision');
  await openBrowser(ctx, WORK_DIR, { failOnDialog: true, tileHost: 'tile.openstreetmap.org' });
});

after(async () => {
  await closeAll(ctx, { screenshot: path.join(WORK_DIR, 'bo-moderation.png') });
  if (smtp) await smtp.close();
});

test('the commune\'s agent accepts the proposal with corrected hours', async () => {
  const page = ctx.page;
  await boLogin(ctx, AGENTS.durand.login, AGENTS.durand.password);
  await page.click('#open-queue');
  await page.click(`text=${filed.code}`);
  await page.waitForSelector('#contribution-title');
  assert.match(await page.textContent('main'), new RegExp(NAME));
  await axeCheck(page, 'a contribution\'s page');

  await refuseThenAccept(page, { titleId: 'contribution-title', prefix: 'contrib',
                                acceptLabel: 'Accepter et publier dans l’annuaire',
                                field: 'opening_hours', value: 'Tu-Sa 08:00-12:30',
                                step: 'a contribution' });
  assert.match(await page.textContent('#contribution-title ~ p'), /déjà été traitée/);
  await axeCheck(page, 'the accepted contribution');
});

test('the new place is found by the directory\'s search with its provenance', async () => {
  const [place] = await pollUntil(async () => { const f = await search('Tartempion'); return f.length ? f : null; },
                                  'the accepted place is served', 60000);
  const p = place.properties;
  assert.equal(p.name, NAME);
  assert.equal(p.contribution, `contribution validée par la commune de ${commune.name}`);
  assert.equal(p.insee, commune.insee);
  assert.match(JSON.stringify(p), /Tu-Sa 08:00-12:30/, 'the hours as the agent corrected them');
  assert.match(JSON.stringify(p), /etalab-2\.0|Licence Ouverte/i, 'the territory\'s licence');

  const decision = await pollUntil(() => smtp.messages.find((m) => m.to.includes('resident@example.org') &&
    m.subject === `Décision sur votre demande ${filed.code} : Acceptée`), 'the decision e-mail');
  assert.match(decision.body, /Acceptée/);
});

test('the map page shows the place with its provenance', async () => {
  const page = ctx.page;
  await page.goto(`${ctx.base}/`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.fill('#q', 'Tartempion');
  await page.press('#q', 'Enter');
  await page.click(`#results button.place:has-text("${NAME}")`);
  await page.waitForSelector(`text=contribution validée par la commune de ${commune.name}`);
});

test('no unexpected console error, nothing fetched elsewhere', () => {
  /* the 401 of the first GET /api/bo/me (no session yet) is expected */
  const errors = ctx.errors.filter((e) => !/status of 401/.test(e));
  assert.deepEqual(errors, []);
  assert.deepEqual(ctx.foreign, []);
});
