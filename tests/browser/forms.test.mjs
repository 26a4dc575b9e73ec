/*
 * forms.test.mjs — browser test of the online procedures (ctest browser.forms, label browser;
 * docs/forms.md, map-ui/demarches.html, demarche.html, suivi.html).
 *
 * The real importer builds a database from tests/browser/fixtures (with one more school, in
 * Vaubecourt) and the BAN address file of tests/geocode/fixtures; the real geodir-api serves it
 * with the territory's own form definitions (config/forms) and its real forms database; Debian's
 * headless Chromium (playwright-core) files each of the six forms as a resident would — the
 * school enrolment by keyboard only, the bin request at 360 px — through every step, the recap,
 * the submission, the receipt, and follows the request with its code and link, then withdraws
 * it. axe-core (WCAG 2.1 A and AA rules) must report no violation at any step. Also: the
 * header's « Démarches » entry, the search box's suggestions, the place cards' links, the
 * draft surviving a reload, and a 400 from the server mapped back to its field; a request for
 * documents answered by keyboard on the follow page, the test playing the agent of the back
 * office (tests/lib/forms_agent.py writes the forms database as the store does), then the
 * périscolaire's own label of acceptee, « Dossier validé »; and the address field over the
 * sample data that ./scripts/run imports (config/aire-argonne.json, its example BAN file).
 *
 * Environment (set by CMakeLists.txt): GEODIR_IMPORT, GEODIR_API, GEODIR_SOURCE_DIR,
 * GEODIR_WORK_DIR; optional CHROMIUM (default /usr/bin/chromium).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  SOURCE_DIR, axeCheck, closeAll, freshWorkDir, newContext, openBrowser, runImport, startServer,
  tileHostOf,
} from './harness.mjs';

const WORK_DIR = freshWorkDir('run-forms');
const FORMS_DB = path.join(WORK_DIR, 'forms.sqlite');
const ctx = newContext({ tokens: [] });

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489' +
                        '0000000d4944415478da63f8ffff3f0005fe02fea7d6a5c70000000049454e44ae426082', 'hex');
const pdf = (name) => ({ name, mimeType: 'application/pdf', buffer: PDF });

/* The field ids of form-model.js domId(). */
const fid = (p) => `#f-${p.replace(/[^A-Za-z0-9_]+/g, '-')}`;

before(async () => {
  const fixtures = path.join(SOURCE_DIR, 'tests', 'browser', 'fixtures');
  for (const f of fs.readdirSync(fixtures))
    fs.copyFileSync(path.join(fixtures, f), path.join(WORK_DIR, f));
  fs.copyFileSync(path.join(SOURCE_DIR, 'tests', 'geocode', 'fixtures', 'adresses.csv'),
                  path.join(WORK_DIR, 'adresses.csv'));
  const territory = JSON.parse(fs.readFileSync(path.join(WORK_DIR, 'territory.json'), 'utf8'));
  territory.sources.push({ name: 'adresses', profile: 'ban', path: 'adresses.csv', data_date: '2026-01-01' });
  fs.writeFileSync(path.join(WORK_DIR, 'territory.json'), JSON.stringify(territory, null, 1));
  const places = JSON.parse(fs.readFileSync(path.join(WORK_DIR, 'places.geojson'), 'utf8'));
  places.features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [5.1165, 48.9432] },
    properties: { id: 'fx-16', name: 'École du Moulin (fictive)', category: 'primary-school',
                  address: '3 rue de l\'Église', postcode: '55250', insee: '55532', phone: null, email: null,
                  website: null, opening_hours: null, description: null } });
  fs.writeFileSync(path.join(WORK_DIR, 'places.geojson'), JSON.stringify(places));
  const db = path.join(WORK_DIR, 'geodir.sqlite');
  runImport(WORK_DIR, ['--config', path.join(WORK_DIR, 'territory.json'), '--db', db, '--no-exports'],
            { cwd: WORK_DIR });
  await startServer(ctx, WORK_DIR, db, [
    '--forms_dir', path.join(SOURCE_DIR, 'config', 'forms'),
    '--forms_db', FORMS_DB,
    '--forms_files_dir', path.join(WORK_DIR, 'forms-files')]);
  const answer = await fetch(`${ctx.base}/api/forms`);
  assert.equal(answer.status, 200, 'GET /api/forms (is the server built with the forms routes?)');
  const t = await (await fetch(`${ctx.base}/api/territory`)).json();
  await openBrowser(ctx, WORK_DIR, { tileHost: tileHostOf(t), failOnDialog: true });
  /* File choosers stay intercepted for the whole run. Without a listener of its own, Playwright
   * turns the interception off after each waitForEvent('filechooser') and on again at the next;
   * one run lost the event of the fourth chooser that way (a real, invisible dialog opened). */
  ctx.page.on('filechooser', () => {});
});

after(async () => {
  await closeAll(ctx, { screenshot: path.join(WORK_DIR, 'forms.png') });
});

/* --- helpers --------------------------------------------------------------------------------- */

async function ready(page) {
  await page.waitForSelector('body[data-ready="true"]');
}

async function openForm(page, id, extra = '') {
  await page.goto(`${ctx.base}/demarche.html?id=${id}${extra}`);
  await ready(page);
  await page.evaluate((key) => sessionStorage.removeItem(key), `geodir-draft:${id}`);
  await page.evaluate((key) => sessionStorage.removeItem(key), `geodir-receipt:${id}`);
  await page.goto(`${ctx.base}/demarche.html?id=${id}${extra}`);
  await ready(page);
}

async function stepIs(page, text) {
  await page.waitForFunction((t) => (document.querySelector('#step-title')?.textContent || '').includes(t), text);
}

async function next(page, expected) {
  await page.click('#step-next');
  await stepIs(page, expected);
}

async function noHorizontalScroll(page, step) {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth,
                                                         width: window.innerWidth }));
  assert.ok(scroll <= width, `${step}: the page is ${scroll} px wide in a ${width} px window`);
}

/* Types in an address (or place search) combobox and clicks the suggestion holding label. */
async function chooseSuggestion(page, selector, typed, label) {
  await page.fill(selector, typed);
  const option = page.locator(`${selector}-list [role="option"]`, { hasText: label }).first();
  await option.waitFor({ state: 'visible' });
  await option.click();
  await page.waitForFunction((s) => document.querySelector(s)?.closest('.form-field')
    ?.querySelector('.address-chosen')?.textContent !== '', selector);
}

async function submitAndReceipt(page) {
  await page.click('#send');
  return receipt(page);
}

/* From the recap of form: axe-checked, sent, then its follow page opened by the receipt's
 * link: « Déposée », axe-checked. */
async function submitAndFollow(page, form) {
  await axeCheck(page, `${form}, recap`);
  const { link } = await submitAndReceipt(page);
  await page.goto(link);
  await ready(page);
  await followStatus(page, 'Déposée');
  await axeCheck(page, `${form}, follow`);
}

async function receipt(page) {
  await page.waitForSelector('#tracking-code');
  const code = (await page.textContent('#tracking-code')).trim();
  const link = await page.getAttribute('#follow-link', 'href');
  assert.match(code, /^[A-Z]{8}$/);
  assert.match(link, new RegExp(`/suivi\\.html#${code}/[A-Za-z0-9_-]{22}$`));
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'receipt-title',
               'the receipt takes the focus');
  ctx.tokens.push(link.split('/').pop());
  return { code, link };
}

async function followStatus(page, expected) {
  await page.waitForFunction((t) => document.querySelector('#request-status')?.textContent === t, expected);
  const stray = await page.evaluate(() => [...document.querySelectorAll('main *')]
    .some((e) => [...e.childNodes].some((n) => n.nodeType === 3 && /^\s*(null|undefined)\s*$/.test(n.data))));
  assert.equal(stray, false, 'the follow-up page shows no stray "null"/"undefined" text');
}

async function withdraw(page) {
  await page.click('#withdraw');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'withdraw-confirm');
  await page.click('#withdraw-yes');
  await followStatus(page, 'Retirée');
  assert.equal(await page.locator('#withdraw').count(), 0, 'no withdraw button once withdrawn');
}

/* The test plays the agent of the back office (issue 13): tests/lib/forms_agent.py writes the
 * forms database as the store does, while the server runs (WAL). */
function agent(action, ...args) {
  const script = path.join(SOURCE_DIR, 'tests', 'lib', 'forms_agent.py');
  const r = spawnSync('python3', [script, action, FORMS_DB, ...args], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, `forms_agent.py ${action} failed (is python3 installed?): ` +
                            `${r.error ? r.error.message : r.stderr}`);
  return JSON.parse(r.stdout).status;
}

/* Keyboard only: Tab until the focus is on selector. */
async function tabTo(page, selector, max = 60) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => Boolean(document.activeElement?.matches(s)), selector))
      return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

async function typeInto(page, selector, text) {
  await tabTo(page, selector);
  await page.keyboard.type(text);
}

/* Keyboard only: the n-th radio of a group (Tab to the group, arrows to the option). */
async function radio(page, field, n) {
  await tabTo(page, `${fid(field)}-0, [name="${fid(field).slice(1)}"]`);
  await page.keyboard.press('Space');
  for (let i = 0; i < n; i++)
    await page.keyboard.press('ArrowDown');
  assert.ok(await page.isChecked(`${fid(field)}-${n}`), `${field}: option ${n} chosen by keyboard`);
}

/* Keyboard only: a file through the file chooser that Space opens. */
async function keyboardFile(page, field, file) {
  await tabTo(page, fid(field));
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
  await chooser.setFiles(file);
  await page.waitForFunction((s) => document.querySelector(s)?.closest('.form-field')
    ?.querySelectorAll('.file-list li').length > 0, fid(field));
}

/* --- the entry points ------------------------------------------------------------------------- */

test('the header leads to the procedures offered in a commune', async () => {
  const page = ctx.page;
  await page.goto(`${ctx.base}/`);
  await ready(page);
  await page.click('#forms-link');
  await ready(page);
  await page.selectOption('#commune', '55532');
  await page.waitForFunction(() => /6 démarches en ligne à Vaubecourt/.test(document.querySelector('#forms-status')?.textContent));
  const links = await page.$$eval('#forms-list a', (as) => as.map((a) => a.getAttribute('href')));
  for (const id of ['inscription-scolaire', 'periscolaire', 'bac', 'signaler-erreur', 'proposer-lieu',
                  'proposer-evenement'])
    assert.ok(links.includes(`demarche.html?id=${id}`), `the list links to ${id}: ${links}`);
  await axeCheck(page, 'the list of procedures');
});

test('the search box suggests the right form for what residents type', async () => {
  const page = ctx.page;
  await page.goto(`${ctx.base}/`);
  await ready(page);
  for (const [typed, title] of [['cantine', 'Périscolaire et restauration scolaire'],
                                ['garderie', 'Périscolaire et restauration scolaire'],
                                ['poubelle', 'Demande de bac à déchets'],
                                ['inscription école', 'Inscription scolaire'],
                                ['démarches', 'Toutes les démarches en ligne']]) {
    await page.fill('#q', typed);
    await page.locator('#q-suggestions [role="option"]', { hasText: title }).first().waitFor({ state: 'visible' });
  }
  await page.fill('#q', 'poubelle');
  await page.locator('#q-suggestions [role="option"]', { hasText: 'Demande de bac' }).first().waitFor();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForURL(/demarche\.html\?id=bac$/);
  await ready(page);
});

test('place cards link to « Signaler une erreur », a school\'s card to the enrolment', async () => {
  const page = ctx.page;
  await page.goto(`${ctx.base}/`);
  await ready(page);
  await page.click('#results button.place[data-place-id="lieux:fx-16"]');
  const popup = page.locator('#place-sheet');
  await popup.waitFor({ state: 'visible' });
  assert.equal(await popup.locator('a', { hasText: 'Inscrire un enfant dans cette école' }).getAttribute('href'),
               'demarche.html?id=inscription-scolaire&lieu=lieux%3Afx-16');
  assert.equal(await popup.locator('a', { hasText: 'Signaler une erreur sur ce lieu' }).getAttribute('href'),
               'demarche.html?id=signaler-erreur&lieu=lieux%3Afx-16');
  await page.keyboard.press('Escape');
  await popup.waitFor({ state: 'hidden' });
  await page.click('#results button.place[data-place-id="lieux:fx-01"]');
  await popup.waitFor({ state: 'visible' });
  assert.equal(await popup.locator('a', { hasText: 'Inscrire un enfant' }).count(), 0);
  ctx.reportLink = await popup.locator('a', { hasText: 'Signaler une erreur' }).getAttribute('href');
  await axeCheck(page, 'the map page with a card open');
});

/* --- the six forms --------------------------------------------------------------------------- */

test('« Signaler une erreur » from a card: errors, recap, receipt, follow, withdraw', async () => {
  const page = ctx.page;
  await openForm(page, 'signaler-erreur', ctx.reportLink.replace(/^demarche\.html\?id=signaler-erreur/, ''));
  await page.waitForFunction(() => /Pharmacie de l'Aire/.test(document.querySelector('#f-lieu')?.value));
  await stepIs(page, 'Étape 1 sur 3');
  assert.ok(await page.isVisible('details.notice'), 'the RGPD notice is at the top');
  await axeCheck(page, 'signaler-erreur, step 1');
  await page.click('#step-next');
  await page.waitForSelector('#error-summary:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary');
  assert.match(await page.title(), /^Erreur : /);
  assert.equal(await page.locator('#error-summary li').count(), 2);
  await axeCheck(page, 'signaler-erreur, step 1 with errors');
  await page.locator('#error-summary a').first().click();
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'f-probleme');
  await page.check('#f-probleme-1');
  await page.fill('#f-correction', 'Ouvert le samedi de 9 h à 12 h, affiché sur la porte.');
  await next(page, 'Étape 2 sur 3');
  await page.fill('#f-email', 'lea.martin@exemple.fr');
  await axeCheck(page, 'signaler-erreur, step 2');
  await next(page, 'Étape 3 sur 3');
  const recap = await page.textContent('.form-step');
  assert.match(recap, /Les horaires/);
  assert.match(recap, /lea\.martin@exemple\.fr/);
  await page.waitForFunction(() => /Pharmacie de l'Aire/.test(document.querySelector('.recap-list')?.textContent));
  await axeCheck(page, 'signaler-erreur, recap');
  const { link } = await submitAndReceipt(page);
  await axeCheck(page, 'signaler-erreur, receipt');
  await page.goto(link);
  await ready(page);
  await followStatus(page, 'Déposée');
  await axeCheck(page, 'signaler-erreur, follow');
  await withdraw(page);
  await axeCheck(page, 'signaler-erreur, withdrawn');
});

test('« Demande de bac » at 360 px: SIRET, address, theft photo, recap, follow by code and link', async () => {
  const page = await ctx.browser.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  page.on('pageerror', (e) => ctx.errors.push(`page error: ${e.message}`));
  try {
    await openForm(page, 'bac');
    await page.check('#f-type_demandeur-1');
    await page.fill('#f-raison_sociale', 'Garage du Vieux Moulin');
    await page.fill('#f-siret', '2000661400');
    await page.fill('#f-nom', 'Martin');
    await page.fill('#f-prenom', 'Léa');
    await page.fill('#f-email', 'garage@exemple.fr');
    await page.fill('#f-telephone', '06 12 34 56 78');
    await page.click('#step-next');
    await page.waitForSelector('#error-summary:not([hidden])');
    assert.match(await page.textContent('#error-summary'), /14 chiffres/);
    await noHorizontalScroll(page, 'bac, step 1 with an error');
    await axeCheck(page, 'bac at 360 px, step 1 with an error');
    await page.fill('#f-siret', '20006614000015');
    await next(page, 'Étape 2 sur 4');
    await chooseSuggestion(page, '#f-adresse', '3 rue de l eglise vaub', '3 Rue de l');
    assert.match(await page.textContent('.address-chosen'), /Vaubecourt/);
    await page.check('#f-logement-2');
    await page.check('#f-occupation-1');
    assert.ok(await page.isHidden('[data-path="residence"]'), 'no home question for a professional');
    await noHorizontalScroll(page, 'bac, step 2');
    await axeCheck(page, 'bac at 360 px, step 2');
    await next(page, 'Étape 3 sur 4');
    assert.ok(await page.isHidden('[data-path="photo"]'));
    await page.check('#f-motif-3');
    assert.ok(await page.isVisible('[data-path="photo"]'), 'the photo is offered for a stolen bin');
    await page.setInputFiles('#f-photo', { name: 'bac.png', mimeType: 'image/png', buffer: PNG });
    await page.waitForSelector('[data-path="photo"] .file-list li');
    await page.check('#f-flux-0');
    await page.fill('#f-taille_foyer', '4');
    assert.match(await page.textContent('[data-path="taille_foyer"]'), /4 à 6 personnes, 240 litres/);
    await page.selectOption('#f-volume', '240');
    await page.check('#f-creneau-2');
    await page.check('#f-declaration');
    await noHorizontalScroll(page, 'bac, step 3');
    await axeCheck(page, 'bac at 360 px, step 3');
    await next(page, 'Étape 4 sur 4');
    assert.match(await page.textContent('.form-step'), /bac\.png/);
    await noHorizontalScroll(page, 'bac, recap');
    await axeCheck(page, 'bac at 360 px, recap');
    const { code, link } = await submitAndReceipt(page);
    await noHorizontalScroll(page, 'bac, receipt');
    await axeCheck(page, 'bac at 360 px, receipt');
    await page.goto(`${ctx.base}/suivi.html`);
    await ready(page);
    await page.fill('#code', code);
    await page.fill('#link', link);
    await page.click('#follow-app button[type="submit"]');
    await followStatus(page, 'Déposée');
    assert.match(await page.textContent('#follow-app'), /bac\.png/);
    await noHorizontalScroll(page, 'bac, follow');
    await axeCheck(page, 'bac at 360 px, follow');
    await withdraw(page);
  } finally {
    await page.close();
  }
});

test('« Périscolaire »: draft kept on reload, repeat blocks, a 400 mapped to its field', async () => {
  const page = ctx.page;
  await openForm(page, 'periscolaire');
  await page.fill('#f-rl1_nom', 'Martin');
  await page.fill('#f-rl1_prenoms', 'Léa');
  await page.check('#f-rl1_lien-0');
  await chooseSuggestion(page, '#f-adresse', '5 rue de l eglise vaub', '5 Rue de l');
  await page.fill('#f-rl1_telephone', '0612345678');
  await page.fill('#f-rl1_email', 'lea.martin@exemple.fr');
  assert.ok(await page.isHidden('[data-path="numero_allocataire"]'));
  await page.check('#f-allocataire-0');
  assert.ok(await page.isVisible('[data-path="numero_allocataire"]'), 'shown live for a CAF allocataire');
  await page.fill('#f-numero_allocataire', '1234567');
  await page.check('#f-paiement-0');
  await page.waitForFunction(() => /1234567/.test(sessionStorage.getItem('geodir-draft:periscolaire') || ''));
  await page.reload();
  await ready(page);
  assert.equal(await page.inputValue('#f-rl1_nom'), 'Martin', 'the draft survives a reload');
  assert.equal(await page.inputValue('#f-numero_allocataire'), '1234567');
  assert.match(await page.textContent('.address-chosen'), /5 Rue de l'Église/);
  await axeCheck(page, 'periscolaire, step 1');
  await next(page, 'Étape 2 sur 4');

  await page.fill(fid('enfants[0].nom'), 'Martin');
  await page.fill(fid('enfants[0].prenoms'), 'Jules');
  await page.fill(fid('enfants[0].date_naissance'), '15/03/2019');
  await page.waitForSelector(`${fid('enfants[0].ecole')} optgroup[label="À Vaubecourt"]`, { state: 'attached' });
  await page.selectOption(fid('enfants[0].ecole'), 'lieux:fx-16');
  await page.check(`${fid('enfants[0].services')}-1`);
  await page.check(`${fid('enfants[0].services')}-2`);
  await page.check(`${fid('enfants[0].frequence')}-0`);
  await page.check(`${fid('enfants[0].jours')}-0`);
  await page.check(`${fid('enfants[0].jours')}-3`);
  const start = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10).split('-').reverse().join('/');
  await page.fill(fid('enfants[0].date_debut'), start);
  await page.check(`${fid('enfants[0].vaccins_a_jour')}-0`);
  await page.setInputFiles(fid('enfants[0].vaccinations'), pdf('carnet.pdf'));
  await page.check(`${fid('enfants[0].allergies')}-1`);
  await page.selectOption(fid('enfants[0].regime'), 'sans_porc');
  assert.equal(await page.locator(`${fid('enfants[0].regime')} option`).filter({ hasText: /halal|casher/i }).count(), 0);
  await page.check(`${fid('enfants[0].pai')}-0`);
  await page.setInputFiles(fid('enfants[0].pai_document'), pdf('pai.pdf'));
  await page.check(`${fid('enfants[0].accompagnement')}-1`);
  await page.click('.repeat-add');
  await page.waitForFunction(() => document.activeElement?.matches('fieldset.repeat-item') &&
                                   /Enfant 2/.test(document.activeElement.textContent));
  await page.waitForFunction(() => /Enfant 2» ajouté|« Enfant 2 » ajouté/.test(document.querySelector('#announce')?.textContent));
  await axeCheck(page, 'periscolaire, step 2 with two children');
  await page.click('button.repeat-remove >> text=Enfant 2');
  assert.equal(await page.locator('fieldset.repeat-item').count(), 1);
  await next(page, 'Étape 3 sur 4');

  await page.click('.repeat-add');
  await page.fill(fid('personnes_autorisees[0].nom'), 'Durand');
  await page.fill(fid('personnes_autorisees[0].prenom'), 'Paul');
  await page.fill(fid('personnes_autorisees[0].lien'), 'grand-père');
  await page.fill(fid('personnes_autorisees[0].telephone'), '03 29 00 00 00');
  await page.check('#f-soins_urgence-0');
  await page.setInputFiles('#f-assurance', pdf('assurance.pdf'));
  assert.equal(await page.isChecked('#f-droit_image'), false, 'image rights are opt-in');
  await page.check('#f-reglement');
  await page.check('#f-declaration');
  await axeCheck(page, 'periscolaire, step 3');
  await next(page, 'Étape 4 sur 4');

  /* A school the directory does not have: only the server can tell. */
  await page.click('button.recap-edit >> text=Enfants');
  await stepIs(page, 'Étape 2 sur 4');
  await page.evaluate((sel) => {
    const select = document.querySelector(sel);
    const o = document.createElement('option');
    o.value = 'lieux:fermee';
    o.textContent = 'École fermée';
    select.append(o);
    select.value = 'lieux:fermee';
    select.dispatchEvent(new Event('change'));
  }, fid('enfants[0].ecole'));
  await next(page, 'Étape 3 sur 4');
  await next(page, 'Étape 4 sur 4');
  await page.click('#send');
  await page.waitForSelector('#error-summary:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary');
  const link = page.locator('#error-summary a', { hasText: 'École fréquentée (Enfant 1)' });
  assert.match(await link.textContent(), /^Étape 2/);
  await axeCheck(page, 'periscolaire, recap with a server error');
  await link.click();
  await stepIs(page, 'Étape 2 sur 4');
  assert.equal(await page.evaluate(() => document.activeElement?.id), fid('enfants[0].ecole').slice(1));
  assert.ok(await page.isVisible(`${fid('enfants[0].ecole')}-error`), 'the server\'s message is by the field');
  await page.selectOption(fid('enfants[0].ecole'), 'lieux:fx-16');
  await next(page, 'Étape 3 sur 4');
  await next(page, 'Étape 4 sur 4');
  const { code, link: follow } = await submitAndReceipt(page);
  await page.reload();
  await ready(page);
  await page.waitForSelector('#tracking-code');
  await page.goto(follow);
  await ready(page);
  await followStatus(page, 'Déposée');
  ctx.periscolaire = { code, follow };   /* the next test processes it */
});

test('documents asked by the agent, sent by keyboard from the follow page; « Dossier validé »', async () => {
  const page = ctx.page;
  assert.ok(ctx.periscolaire, 'the périscolaire request of the previous test');
  const { code, follow } = ctx.periscolaire;
  const asked = 'Merci d’envoyer l’attestation d’assurance scolaire 2026-2027 et un justificatif ' +
                'de domicile de moins de 3 mois, avant le 15/01/2027.';
  assert.equal(agent('ask-documents', code, asked), 'complement_demande');
  await page.goto(follow);
  await page.reload();
  await ready(page);
  await followStatus(page, 'Complément demandé');
  assert.equal(await page.textContent('.documents-requested'), `Documents demandés : ${asked}`);
  assert.match(await page.textContent('.messages'), /avant le 15\/01\/2027/, 'the agent\'s message is shown');
  assert.match(await page.textContent('.history'), /Complément demandé \(par un agent\)/);
  assert.equal(await page.locator('#withdraw').count(), 0, 'no withdrawal once in instruction');
  await axeCheck(page, 'follow, documents asked');

  await page.focus('body');
  await tabTo(page, '#complement-files');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
  await chooser.setFiles(pdf('attestation-assurance.pdf'));
  await page.waitForFunction(() => /attestation-assurance\.pdf/.test(document.querySelector('#follow-app .file-list')?.textContent));
  await axeCheck(page, 'follow, a document chosen');
  await typeInto(page, '#complement-message', 'Le justificatif de domicile suit par courrier.');
  await tabTo(page, '#complement-send');
  await page.keyboard.press('Enter');
  await followStatus(page, 'Complément reçu');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'request-title', 'the outcome takes the focus');
  assert.match(await page.textContent('.receipt-ok'), /Vos documents ont été envoyés/);
  assert.equal(await page.locator('#complement-files').count(), 0, 'nothing more is asked');
  const sent = page.locator('section[aria-labelledby="documents-title"] a', { hasText: 'attestation-assurance.pdf' });
  assert.equal(await sent.count(), 1, 'the document is listed with the request');
  const file = await fetch(new URL(await sent.getAttribute('href'), ctx.base));
  assert.equal(file.status, 200);
  assert.deepEqual(Buffer.from(await file.arrayBuffer()), PDF, 'the file served is the one sent');
  assert.match(await page.textContent('.messages'), /suit par courrier/);
  await axeCheck(page, 'follow, documents received');

  /* The périscolaire renames acceptee (config/forms/periscolaire.json, docs/forms.md §1.4). */
  assert.equal(agent('decide', code, 'acceptee', 'Dossier complet.'), 'acceptee');
  await page.reload();
  await ready(page);
  await followStatus(page, 'Dossier validé');
  assert.equal(await page.getAttribute('#request-status', 'data-status'), 'acceptee');
  assert.match(await page.textContent('.history'), /Dossier validé \(par un agent\) : Dossier complet\./);
  await axeCheck(page, 'follow, request accepted');
});

test('« Inscription scolaire » by keyboard only', async () => {
  const page = ctx.page;
  await openForm(page, 'inscription-scolaire');
  await page.focus('body');
  await typeInto(page, '#f-rl1_nom', 'Martin');
  await typeInto(page, '#f-rl1_prenoms', 'Léa');
  await radio(page, 'rl1_lien', 0);
  await typeInto(page, '#f-adresse', '7 rue de l eglise vaub');
  await page.locator('#f-adresse-list [role="option"]', { hasText: '7 Rue de l' }).first().waitFor();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /Vaubecourt/.test(document.querySelector('.address-chosen')?.textContent));
  await typeInto(page, '#f-rl1_telephone', '06 12 34 56 78');
  await typeInto(page, '#f-rl1_email', 'lea.martin@exemple.fr');
  await tabTo(page, '#step-next');
  await page.keyboard.press('Enter');
  await stepIs(page, 'Étape 2 sur 5');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'step-title', 'the new step takes the focus');

  await radio(page, 'rl2_present', 0);
  await typeInto(page, '#f-rl2_nom', 'Martin');
  await typeInto(page, '#f-rl2_prenoms', 'Marc');
  await radio(page, 'rl2_lien', 1);
  await radio(page, 'autorite_parentale', 1);
  await keyboardFile(page, 'jugement', pdf('jugement.pdf'));
  await axeCheck(page, 'inscription, step 2');
  await tabTo(page, '#step-next');
  await page.keyboard.press('Enter');
  await stepIs(page, 'Étape 3 sur 5');

  await typeInto(page, fid('enfants[0].nom'), 'Martin');
  await typeInto(page, fid('enfants[0].prenoms'), 'Jules');
  await typeInto(page, fid('enfants[0].date_naissance'), '04/05/2020');
  await tabTo(page, fid('enfants[0].niveau'));
  for (let i = 0; i < 5; i++)
    await page.keyboard.press('ArrowDown');
  assert.equal(await page.inputValue(fid('enfants[0].niveau')), 'CP');
  await radio(page, 'enfants[0].rentree', 0);
  await page.waitForSelector(`${fid('enfants[0].ecole')} optgroup[label="À Vaubecourt"]`, { state: 'attached' });
  await tabTo(page, fid('enfants[0].ecole'));
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.inputValue(fid('enfants[0].ecole')), 'lieux:fx-16');
  await radio(page, 'enfants[0].motif', 3);
  await typeInto(page, fid('enfants[0].motif_derogation'), 'Son frère est déjà scolarisé dans cette école.');
  await keyboardFile(page, 'enfants[0].vaccinations', pdf('vaccins.pdf'));
  await axeCheck(page, 'inscription, step 3');
  await tabTo(page, '#step-next');
  await page.keyboard.press('Enter');
  await stepIs(page, 'Étape 4 sur 5');

  await keyboardFile(page, 'livret_famille', pdf('livret.pdf'));
  await keyboardFile(page, 'justificatif_domicile', pdf('facture.pdf'));
  await tabTo(page, '#f-declaration');
  await page.keyboard.press('Space');
  await axeCheck(page, 'inscription, step 4');
  await tabTo(page, '#step-next');
  await page.keyboard.press('Enter');
  await stepIs(page, 'Étape 5 sur 5');
  const recap = await page.textContent('.form-step');
  assert.match(recap, /Dérogation/);
  assert.match(recap, /04\/05\/2020/);
  assert.match(recap, /vaccins\.pdf/);
  await axeCheck(page, 'inscription, recap');
  await tabTo(page, '#send');
  await page.keyboard.press('Enter');
  await receipt(page);
  await axeCheck(page, 'inscription, receipt');
  await tabTo(page, '#follow-link');
  await page.keyboard.press('Enter');
  await ready(page);
  await followStatus(page, 'Déposée');
  await tabTo(page, '#withdraw');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'withdraw-confirm');
  await tabTo(page, '#withdraw-yes');
  await page.keyboard.press('Enter');
  await followStatus(page, 'Retirée');
  await axeCheck(page, 'inscription, follow after withdrawal');
});

test('« Proposer un lieu »: recap, receipt, follow', async () => {
  const page = ctx.page;
  await openForm(page, 'proposer-lieu');
  await page.fill('#f-nom', 'Club de pétanque de Vaubecourt');
  await page.selectOption('#f-categorie', 'association');
  await chooseSuggestion(page, '#f-adresse', '9 rue de l eglise vaub', '9 Rue de l');
  await page.fill('#f-description', 'Concours le premier samedi du mois.');
  await axeCheck(page, 'proposer-lieu, step 1');
  await next(page, 'Étape 2 sur 3');
  await page.fill('#f-telephone', '03 29 70 00 00');
  await page.fill('#f-site_web', 'www.petanque.example.org');
  await page.fill('#f-horaires', 'Le mercredi et le samedi de 14 h à 19 h.');
  await page.click('#step-next');
  await page.waitForSelector('#error-summary:not([hidden])');
  assert.match(await page.textContent('#error-summary'), /http:\/\/ ou https:\/\//);
  await page.fill('#f-site_web', 'https://petanque.example.org');
  await next(page, 'Étape 3 sur 3');
  await submitAndFollow(page, 'proposer-lieu');
});

test('« Proposer un événement »: every step by a resident, recap, receipt, follow', async () => {
  const page = ctx.page;
  const day = new Date(Date.now() + 30 * 86400e3);
  const french = [day.getDate(), day.getMonth() + 1].map((n) => String(n).padStart(2, '0')).join('/') +
    `/${day.getFullYear()}`;
  await openForm(page, 'proposer-evenement');
  await stepIs(page, 'Étape 1 sur 4');
  await page.fill('#f-titre', 'Concours de belote du club');
  await page.selectOption('#f-categorie', 'fete');
  await page.fill('#f-date', french);
  await page.fill('#f-heure_debut', '14h00');
  await page.fill('#f-heure_fin', '18:30');
  await page.check('#f-recurrence-1');
  await page.fill('#f-description', 'Concours ouvert à tous, inscriptions sur place.');
  await axeCheck(page, 'proposer-evenement, step 1');
  await next(page, 'Étape 2 sur 4');
  await chooseSuggestion(page, '#f-adresse', '9 rue de l eglise vaub', '9 Rue de l');
  await next(page, 'Étape 3 sur 4');
  await page.fill('#f-organisateur', 'Club de belote de Vaubecourt');
  await page.check('#f-tarif-1');
  await page.fill('#f-email', 'lea.martin@exemple.fr');
  await axeCheck(page, 'proposer-evenement, step 3');
  await next(page, 'Étape 4 sur 4');
  const recap = await page.textContent('.form-step');
  assert.match(recap, /Concours de belote du club/);
  assert.match(recap, new RegExp(french.replace(/\//g, '\\/')));
  await submitAndFollow(page, 'proposer-evenement');
});

test('the sample data of ./scripts/run feeds the address field (datasets/samples/ban)', async () => {
  const dir = path.join(WORK_DIR, 'samples');
  fs.mkdirSync(dir, { recursive: true });
  const db = path.join(dir, 'geodir.sqlite');
  runImport(dir, ['--config', path.join(SOURCE_DIR, 'config', 'aire-argonne.json'), '--db', db, '--no-exports']);
  const s = newContext();
  try {
    await startServer(s, dir, db, ['--forms_dir', path.join(SOURCE_DIR, 'config', 'forms'),
                                   '--forms_db', path.join(dir, 'forms.sqlite'),
                                   '--forms_files_dir', path.join(dir, 'forms-files')]);
    const found = await (await fetch(`${s.base}/api/search?q=${encodeURIComponent('7 grande rue beausite')}&limit=1`)).json();
    assert.equal(found.features?.[0]?.properties?.label, '7 Grande Rue 55250 Beausite', '/api/search finds a sample address');
    const t = await (await fetch(`${s.base}/api/territory`)).json();
    await openBrowser(s, dir, { tileHost: tileHostOf(t), failOnDialog: true });
    const page = s.page;
    await page.goto(`${s.base}/demarche.html?id=proposer-lieu`);
    await ready(page);
    await page.fill('#f-nom', 'Atelier de vannerie');
    await page.selectOption('#f-categorie', 'association');
    await page.focus('#f-nom');
    await typeInto(page, '#f-adresse', '7 grande rue beaus');
    await page.locator('#f-adresse-list [role="option"]', { hasText: '7 Grande Rue 55250 Beausite' }).first().waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('.address-chosen')?.textContent ===
                                     'Adresse retenue : 7 Grande Rue 55250 Beausite (commune : Beausite).');
    await axeCheck(page, 'proposer-lieu over the sample data, address chosen');
    await next(page, 'Étape 2 sur 3');
    await next(page, 'Étape 3 sur 3');
    assert.match(await page.textContent('.form-step'), /7 Grande Rue 55250 Beausite/);
    await page.click('#send');
    await page.waitForSelector('#tracking-code');
    await page.goto(await page.getAttribute('#follow-link', 'href'));
    await ready(page);
    await followStatus(page, 'Déposée');
    assert.deepEqual(s.errors, []);
    assert.deepEqual(s.foreign, []);
  } finally {
    await closeAll(s);
  }
});

test('no error in the pages, no request elsewhere, no token in the server log', async () => {
  /* The browser logs the one 400 the périscolaire test asks for on purpose. */
  const expected = /status of 400 .*\/api\/forms\/periscolaire\/submissions/;
  assert.equal(ctx.errors.filter((e) => expected.test(e)).length, 1, ctx.errors.join('\n'));
  assert.deepEqual(ctx.errors.filter((e) => !expected.test(e)), []);
  assert.deepEqual(ctx.foreign, []);
  const log = fs.readFileSync(path.join(WORK_DIR, 'server.log'), 'utf8');
  assert.ok(ctx.tokens.length >= 4, `tokens seen: ${ctx.tokens.length}`);
  for (const token of ctx.tokens)
    assert.ok(!log.includes(token), 'the follow token never reaches the server log');
});
