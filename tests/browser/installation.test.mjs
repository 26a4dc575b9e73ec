/*
 * installation.test.mjs — the resident's pages (issue 14) in headless Chromium over the sample
 * data of ./scripts/run (config/aire-argonne.json: BAN addresses, service-public mairies, La
 * Poste, local places), imported by the real importer and served by the real geodir-api with
 * the online procedures of config/forms:
 *   - « Je m'installe » (/je-m-installe) by a typed address, keyboard only, at 360 px: the
 *     commune, its mairie (« à 80 m », « Horaires non renseignés »), the nearest doctor, a
 *     category the data lacks (« Aucun collège ni lycée recensé dans le territoire. »), a
 *     déchèterie only beyond 10 km (the nearest one named with its distance), no association
 *     in the commune, the procedures as links to their forms;
 *   - the same page by geolocation: a mocked position in Lavoye (its association listed), one
 *     in Paris (outside the territory: no commune, the nearest pharmacy 198 km away), then
 *     the permission refused (the French fallback message, the focus back on the address, the
 *     address then typed whole and Entrée pressed without a suggestion);
 *   - the hours in words (format.js openStateText, used by the resident pages) at a fixed instant;
 *   - the commune page /commune/55532 (name, mairie, places by category, procedures, the
 *     outline drawn on the map) at 360 px, and an unknown code answered 404 with a French page;
 *   - the commune list /communes reached from the map page's header, a commune opened by
 *     keyboard.
 * Also the map page's search box over the same samples: an address typed is suggested (kind
 * « adresse », beside places and communes) and, chosen, searched around.
 * axe-core: 0 violations in every state; no horizontal scrolling at 360 px.
 *
 * Environment (set by CMakeLists.txt): GEODIR_IMPORT, GEODIR_API, GEODIR_SOURCE_DIR,
 * GEODIR_WORK_DIR; optional CHROMIUM (default /usr/bin/chromium).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  SOURCE_DIR, axeCheck, closeAll, freshWorkDir, newContext, noHorizontalScroll, openBrowser, pageSearch,
  pollUntil, runImport, startServer, tabTo, tileHostOf,
} from './harness.mjs';

const WORK_DIR = freshWorkDir('run-installation');
const ctx = newContext();
const LAVOYE = { latitude: 49.0459, longitude: 5.1400 };

before(async () => {
  const db = path.join(WORK_DIR, 'geodir.sqlite');
  runImport(WORK_DIR, ['--config', path.join(SOURCE_DIR, 'config', 'aire-argonne.json'), '--db', db,
                       '--no-exports']);
  await startServer(ctx, WORK_DIR, db, [
    '--forms_dir', path.join(SOURCE_DIR, 'config', 'forms'),
    '--forms_db', path.join(WORK_DIR, 'forms.sqlite'),
    '--forms_files_dir', path.join(WORK_DIR, 'forms-files'),
    /* the sample waste calendar of ./scripts/run: the pages' « Collecte des déchets » (issue 15) */
    '--waste_file', path.join(SOURCE_DIR, 'config', 'collecte-exemple-aire-argonne.json')]);
  const t = await (await fetch(`${ctx.base}/api/territory`)).json();
  await openBrowser(ctx, WORK_DIR, { tileHost: tileHostOf(t), failOnDialog: true });
});

after(async () => {
  await closeAll(ctx, { screenshot: path.join(WORK_DIR, 'installation.png') });
  /* The unknown commune codes' 404 answers are expected (Chromium logs every 4xx page load). */
  const unexpected = ctx.errors.filter((e) => !/status of 404 .*\/commune\/(55001|abcde|2A004)\)$/.test(e));
  assert.deepEqual(unexpected, [], 'no console or page error');
  assert.deepEqual(ctx.foreign, [], 'no request to another host than the server and its tiles');
});

async function open(page, url, ready = 'true') {
  const response = await page.goto(`${ctx.base}${url}`);
  await page.waitForSelector(`body[data-ready="${ready}"]`);
  return response;
}

/* The text of the answer's section of a category (installation.js NEEDS). */
const need = (page, category) => page.textContent(`section.need[data-category="${category}"]`);

test('hours in words (format.js openStateText, as the resident pages use it) on Tuesday 7 July 2026, 10:00 in Paris', async () => {
  const page = ctx.page;
  await open(page, '/communes');
  const now = Date.UTC(2026, 6, 7, 8, 0);
  const cases = [
    [{ open_state: 'open', next_change: '2026-07-07T12:15:00+02:00', next_state: 'closed' }, 'Ouvert · ferme à 12 h 15'],
    [{ open_state: 'open', next_change: '2026-07-08T02:00:00+02:00', next_state: 'closed' }, 'Ouvert · ferme demain à 2 h'],
    [{ open_state: 'open', next_change: null, next_state: null }, 'Ouvert'],
    [{ open_state: 'closed', next_change: '2026-07-07T14:00:00+02:00', next_state: 'open' }, 'Fermé · ouvre à 14 h'],
    [{ open_state: 'closed', next_change: '2026-07-08T08:30:00+02:00', next_state: 'open' }, 'Fermé · ouvre demain à 8 h 30'],
    [{ open_state: 'closed', next_change: '2026-07-10T14:00:00+02:00', next_state: 'open' }, 'Fermé · ouvre vendredi à 14 h'],
    [{ open_state: 'closed', next_change: '2026-09-01T09:05:00+02:00', next_state: 'open' }, 'Fermé · ouvre le 1er septembre à 9 h 05'],
    [{ open_state: 'closed', next_change: '2027-01-04T09:00:00+01:00', next_state: 'open' }, 'Fermé · ouvre le 4 janvier 2027 à 9 h'],
    [{ open_state: null, opening_hours: null }, 'Horaires non renseignés'],
    [{ open_state: 'unknown', opening_hours_valid: false }, 'Horaires non reconnus (voir la fiche)'],
  ];
  const got = await page.evaluate(async ([list, t]) => {
    const { openStateText } = await import('/format.js');
    return list.map(([props]) => openStateText(props, t).text.replace(/\u00a0/g, ' '));
  }, [cases, now]);
  assert.deepEqual(got, cases.map((c) => c[1]));
});

test('« Je m’installe » by a typed address, keyboard only, 360 px', async () => {
  const page = ctx.page;
  await page.setViewportSize({ width: 360, height: 740 });
  await open(page, '/je-m-installe');
  assert.match(await page.title(), /^Je m’installe — /);
  assert.equal(await page.getAttribute('nav a[href="/je-m-installe"]', 'aria-current'), 'page');
  await axeCheck(page, 'je-m-installe, empty');
  await tabTo(page, '#address');
  await page.keyboard.type('7 grande rue vaub');
  await page.locator('#address-list [role="option"]', { hasText: '7 Grande Rue 55250 Vaubecourt' }).first().waitFor();
  await axeCheck(page, 'je-m-installe, suggestions open');
  await pollUntil(async () => {
    await page.keyboard.press('ArrowDown');
    return (await page.textContent('#address-list [aria-selected="true"]') || '').includes('Vaubecourt');
  }, 'the Vaubecourt address reached by the arrows');
  await page.keyboard.press('Enter');
  await page.waitForSelector('body[data-ready="result-1"]');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'result-heading', 'focus on the answer');
  assert.equal((await page.textContent('#result-heading')).replace(/\s+/g, ' '), 'Votre commune : Vaubecourt');
  assert.equal(await page.getAttribute('.result-head a', 'href'), '/commune/55532');
  assert.match(await page.title(), /^Vaubecourt — Je m’installe — /, 'the title names the answer');

  const mairie = await page.textContent('#part-mairie + *');
  assert.match(mairie, /Mairie - Vaubecourt/);
  assert.match(mairie, /à 80\u00a0m/);
  assert.match(mairie, /Horaires non renseignés/);
  const gp = await need(page, 'gp');
  assert.match(gp, /Cabinet médical \(exemple\) à 624\u00a0m/);
  assert.match(gp, /(Ouvert · ferme .*à \d{1,2}\u00a0h(\u00a0\d\d)?|Fermé · ouvre .*à \d{1,2}\u00a0h(\u00a0\d\d)?)/,
               'the doctor\'s hours in words');
  assert.match(await need(page, 'secondary-school'), /Aucun collège ni lycée recensé dans le territoire\./);
  const waste = await need(page, 'waste');
  assert.match(waste, /Aucune déchèterie à moins de 10\u00a0km\. La plus proche\u00a0:/);
  assert.match(waste, /Déchèterie intercommunale \(exemple\) à 18,8\u00a0km/);
  assert.match(await need(page, 'after-school'), /Accueil périscolaire \(exemple\) à 1,3\u00a0km/);
  assert.match(await need(page, 'primary-school'), /École primaire d'Argonne \(exemple\) à 5,6\u00a0km/);
  assert.match(await page.textContent('#part-assoc + *'),
               /Aucune association de Vaubecourt n’est recensée dans l’annuaire\./);
  const forms = await page.$$eval('#part-forms ~ ul a', (as) => as.map((a) => a.getAttribute('href')));
  assert.ok(forms.includes('/demarche.html?id=inscription-scolaire'), `procedures listed: ${forms}`);
  await axeCheck(page, 'je-m-installe, answer for a typed address');
  await noHorizontalScroll(page, 'je-m-installe, answer');
});

test('« Je m’installe » by geolocation: in Lavoye, outside the territory, then refused', async () => {
  const page = ctx.page;
  await page.setViewportSize({ width: 1280, height: 860 });
  await ctx.browser.grantPermissions(['geolocation'], { origin: ctx.base });
  await ctx.browser.setGeolocation(LAVOYE);
  await open(page, '/je-m-installe');
  await tabTo(page, '#locate');
  await page.keyboard.press('Enter');
  await page.waitForSelector('body[data-ready="result-1"]');
  assert.equal((await page.textContent('#result-heading')).replace(/\s+/g, ' '), 'Votre commune : Lavoye');
  assert.match(await page.textContent('#part-assoc + *'), /Comité des fêtes \(exemple\) à \d+\u00a0m/);
  assert.match(await page.textContent('#part-mairie + *'), /Mairie - Lavoye/);
  await axeCheck(page, 'je-m-installe, answer for a position');

  /* A position outside the territory (Paris): no commune, the nearest services all far away. */
  await ctx.browser.setGeolocation({ latitude: 48.8566, longitude: 2.3522 });
  await page.click('#locate');
  await page.waitForSelector('body[data-ready="result-2"]');
  assert.equal(await page.textContent('#result-heading'), 'Hors du territoire');
  assert.equal(await page.$('#part-mairie'), null, 'no mairie outside the territory');
  assert.match(await need(page, 'pharmacy'), /Aucune pharmacie à moins de 10\u00a0km\. La plus proche\u00a0:Pharmacie d'Argonne \(exemple\) à 198,2\u00a0km/);
  await axeCheck(page, 'je-m-installe, a position outside the territory');

  await ctx.browser.clearPermissions();
  await open(page, '/je-m-installe');
  await tabTo(page, '#locate');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('where-status').textContent !== '' &&
                                   document.getElementById('where-status').dataset.kind === 'error');
  assert.equal(await page.textContent('#where-status'),
               'Vous n’avez pas autorisé la localisation\u00a0: saisissez votre adresse ci-dessus.');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'address', 'focus back on the address');
  assert.equal(await page.textContent('#result'), '', 'no answer without a position');
  await axeCheck(page, 'je-m-installe, geolocation refused');

  /* The fallback: the address typed whole, Entrée without choosing a suggestion. */
  await page.keyboard.type('13 grande rue vaubecourt');
  await page.keyboard.press('Enter');
  await page.waitForSelector('body[data-ready="result-1"]');
  assert.equal((await page.textContent('#result-heading')).replace(/\s+/g, ' '), 'Votre commune : Vaubecourt');
  assert.match(await page.textContent('.result-head'), /Adresse\u00a0: 13 Grande Rue 55250 Vaubecourt/);
});

test('the commune page /commune/55532, 360 px; an unknown code is a French 404 page', async () => {
  const page = ctx.page;
  await page.setViewportSize({ width: 360, height: 740 });
  const response = await open(page, '/commune/55532');
  assert.equal(response.status(), 200);
  assert.equal(await page.textContent('h1'), 'Vaubecourt');
  assert.match(await page.title(), /^Vaubecourt — /);
  const mairie = await page.textContent('#mairie');
  assert.match(mairie, /Mairie - Vaubecourt/);
  assert.match(mairie, /Horaires non renseignés/);
  const services = await page.$$eval('#services h3', (hs) => hs.map((x) => x.textContent));
  assert.ok(services.includes('Médecin généraliste') && services.includes('Accueil périscolaire / ALSH'),
            `categories of Vaubecourt: ${services}`);
  assert.match(await page.textContent('#services'), /Cabinet médical \(exemple\)/);
  assert.match(await page.textContent('#associations'), /Aucune association de Vaubecourt n’est recensée/);
  assert.ok(await page.$('#procedures a[href="/demarche.html?id=inscription-scolaire"]'), 'procedures linked');
  await page.waitForSelector('#commune-map[data-outline="true"] .leaflet-overlay-pane path');
  const commune = (await (await fetch(`${ctx.base}/api/communes`)).json()).communes.find((c) => c.insee === '55532');
  assert.equal(await page.locator('#commune-map .leaflet-overlay-pane path').count(), 1 + commune.places,
               'the outline and one dot per place of the commune');
  await axeCheck(page, 'commune page');
  await noHorizontalScroll(page, 'commune page');

  for (const code of ['55001', 'abcde', '2A004']) {
    const unknown = await page.goto(`${ctx.base}/commune/${code}`);
    assert.equal(unknown.status(), 404, `/commune/${code}`);
    assert.equal(await page.textContent('h1'), 'Commune introuvable');
  }
  await axeCheck(page, 'unknown commune page');
});

test('the commune list /communes, from the map page\'s header, opens a commune by keyboard', async () => {
  const page = ctx.page;
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(`${ctx.base}/`);
  await page.click('header a[href="/communes"]');
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(new URL(page.url()).pathname, '/communes');
  const count = (await (await fetch(`${ctx.base}/api/communes`)).json()).communes.length;
  assert.equal(await page.locator('#communes-list a').count(), count, 'one link per member commune');
  await axeCheck(page, 'commune list');
  await page.setViewportSize({ width: 360, height: 740 });
  await noHorizontalScroll(page, 'commune list');
  await tabTo(page, '#communes-list a[href="/commune/55532"]');
  await Promise.all([page.waitForURL(`${ctx.base}/commune/55532`), page.keyboard.press('Enter')]);
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.textContent('h1'), 'Vaubecourt');
});

test('the map page\'s search box suggests addresses beside places and communes; one chosen is searched around', async () => {
  const page = ctx.page;
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(`${ctx.base}/`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.locator('#q').pressSequentially('7 grande rue vaub', { delay: 20 });
  const address = page.locator('#q-suggestions [role="option"][data-kind="address"]').first();
  await address.waitFor({ state: 'visible' });
  const label = await address.textContent();
  assert.match(label, /7 Grande Rue/i, 'the typed address is suggested');
  assert.match(label, /adresse/, 'and said to be an address');
  await axeCheck(page, 'address suggestions on the map page');
  const expected = (await (await fetch(`${ctx.base}/api/search/?q=${encodeURIComponent('7 grande rue vaub')}&autocomplete=1&limit=1`)).json()).features[0];
  const chosen = await pageSearch(page, () => address.click());
  const [lon, lat] = expected.geometry.coordinates;
  assert.ok(Math.abs(Number(chosen.url.searchParams.get('lat')) - lat) < 1e-4 &&
            Math.abs(Number(chosen.url.searchParams.get('lon')) - lon) < 1e-4,
            `the search runs around the address (${chosen.url.search} vs ${lat},${lon})`);
});
