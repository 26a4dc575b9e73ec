/*
 * page.test.mjs — browser test of the map page as a resident uses it (ctest browser.page, label
 * browser; issue 14): hours in plain French (list phrases, the week table, the raw OSM text when
 * the syntax is not the simple one, « Horaires non renseignés »), "Ouvert maintenant" saying how
 * many places it left out for lack of hours, empty answers that say « recensé dans le territoire »
 * or name the nearest place beyond the distance, the commune filter and the commune names as map
 * labels (also when the tiles fail), the state in the URL (a shared search and place restored,
 * Back, « Lien vers ce lieu »), the 360 px journey by keyboard only (search box first, results
 * scrolled into view, the card as a full-width sheet whose close button is in view), the layout
 * shift (CLS < 0.1, PerformanceObserver 'layout-shift'), the desktop above the fold, and the OGC
 * HTML pages at 320 px; axe-core finds no WCAG 2.1 A/AA violation in any of these states.
 *
 * Real importer over fixtures/territory.json, real geodir-api on 127.0.0.1 port 0, Debian's
 * Chromium through playwright-core (harness.mjs). Two fields of /api/places come from a change of
 * the API made alongside (hours_unknown_excluded, nearest_beyond): when the server does not send
 * them yet, the test adds them to the server's real answer, computed from the same real API (the
 * route handler below says how), so that the page's wording is checked either way.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  HERE, STEP_TIMEOUT, axeCheck, closeAll, freshWorkDir, newContext, openBrowser, pageSearch,
  runImport, startServer, tileHostOf,
} from './harness.mjs';

const WORK_DIR = freshWorkDir('page');
const CONFIG = path.join(HERE, 'fixtures', 'territory.json');
const ctx = newContext({ territory: null, tileHost: '' });
const measures = {};

async function apiGet(pathAndQuery) {
  const response = await fetch(ctx.base + pathAndQuery);
  assert.equal(response.status, 200, `GET ${pathAndQuery} answered ${response.status}`);
  return response.json();
}

/* A new tab of the test's browser at width × height, its errors collected like the main page's. */
async function newTab(width = 1280, height = 860) {
  const page = await ctx.browser.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  await page.setViewportSize({ width, height });
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text()))
      ctx.errors.push(`console (tab): ${msg.text()}`);
  });
  page.on('pageerror', (e) => ctx.errors.push(`page error (tab): ${e.message}`));
  return page;
}

/* Loads the page at pathAndQuery (a new document: its search count starts again), returns the
 * first answer it rendered. */
async function load(page, pathAndQuery) {
  await page.goto('about:blank');
  const answer = await pageSearch(page, () => page.goto(ctx.base + pathAndQuery));
  await page.waitForSelector('body[data-ready="true"]');
  return answer;
}

const listIds = (page) => page.$$eval('#results button.place', (bs) => bs.map((b) => b.dataset.placeId));
const statusText = (page) => page.textContent('#status');

async function openCard(page, id) {
  await page.click(`#results button[data-place-id="${id}"]`);
  await page.locator('#place-sheet').waitFor({ state: 'visible' });
  await page.waitForFunction((pid) => new URLSearchParams(window.location.search).get('lieu') === pid, id);
}

async function closeCard(page) {
  await page.click('#place-sheet-close');
  await page.locator('#place-sheet').waitFor({ state: 'hidden' });
}

/* "2026-12-08T16:30:00+01:00" -> "16 h 30" as the page must write it. */
function frenchClock(iso) {
  const [, hh, mm] = /T(\d\d):(\d\d)/.exec(iso);
  return mm === '00' ? `${Number(hh)}\u00a0h` : `${Number(hh)}\u00a0h\u00a0${mm}`;
}

/* --- the API fields added alongside: the real value, or computed here from the real API ----- */

let addedFields = 0;               /* how many answers got a field from the test, for the log */

async function completeAnswer(url, body) {
  const q = new URLSearchParams(url.search);
  if (q.get('open_now') === 'true' && !('hours_unknown_excluded' in body)) {
    q.delete('open_now');
    q.set('limit', '500');
    const all = await apiGet(`/api/places?${q}`);
    body.hours_unknown_excluded = all.features.filter((f) => !f.properties.open_state).length;
    addedFields += 1;
  }
  if (body.numberMatched === 0 && !('nearest_beyond' in body) && q.get('lat')) {
    const k = new URLSearchParams(q);
    for (const name of ['radius', 'bbox', 'limit', 'cursor'])
      k.delete(name);
    k.set('k', '1');
    const near = await apiGet(`/api/places?${k}`);
    const f = near.features[0];
    body.nearest_beyond = f ? { id: f.id, name: f.properties.name, distance_m: f.properties.distance_m }
      : null;
    addedFields += 1;
  }
  return body;
}

before(async () => {
  const db = path.join(WORK_DIR, 'geodir.sqlite');
  runImport(WORK_DIR, ['--config', CONFIG, '--db', db, '--no-exports']);
  await startServer(ctx, WORK_DIR, db);
  ctx.territory = await apiGet('/api/territory');
  ctx.tileHost = tileHostOf(ctx.territory);
  await openBrowser(ctx, WORK_DIR, { tileHost: ctx.tileHost, failOnDialog: true });
  await ctx.browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ctx.base });
  await ctx.browser.route((url) => url.origin === ctx.base && url.pathname === '/api/places',
    async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      await route.fulfill({ response, json: await completeAnswer(new URL(route.request().url()), body) });
    });
});

after(async () => {
  await closeAll(ctx);
  console.log(`# measures ${JSON.stringify({ ...measures, fields_added_by_test: addedFields })}`);
});

/* --- hours in plain French -------------------------------------------------------------------- */

test('hours in words: list phrases, the week table, raw OSM text, « Horaires non renseignés »', async () => {
  const page = ctx.page;
  const { body } = await load(page, '/?rayon=50000');
  assert.equal(await page.inputValue('#radius'), '50000', 'the distance came from the URL');
  const shown = await page.$$eval('#results button.place', (bs) => Object.fromEntries(
    bs.map((b) => [b.dataset.placeId, b.querySelector('.place-hours').textContent])));
  for (const f of body.features) {
    const p = f.properties;
    const text = shown[String(f.id)];
    if (!p.open_state)
      assert.equal(text, 'Horaires non renseignés', `${f.id}`);
    else if (p.opening_hours_valid === false)
      assert.equal(text, 'Horaires non reconnus (voir la fiche)', `${f.id}`);
    else if (p.next_change && p.open_state === 'open')
      assert.match(text, new RegExp(`^Ouvert · ferme (à|demain à|\\S+ à|le .+ à) ${frenchClock(p.next_change)}$`), `${f.id}`);
    else if (p.next_change && p.open_state === 'closed')
      assert.match(text, new RegExp(`^Fermé · ouvre (à|demain à|\\S+ à|le .+ à) ${frenchClock(p.next_change)}$`), `${f.id}`);
    else if (p.opening_hours === '24/7')
      assert.equal(text, 'Ouvert 24\u00a0h/24, 7\u00a0j/7', `${f.id}`);
    assert.doesNotMatch(text, /\d\d:\d\d/, `${f.id}: no raw clock time`);
  }

  /* the simple syntax as a week table: « Mo-Fr 09:00-12:00,14:00-19:00; Sa 09:00-12:00 » */
  await openCard(page, 'lieux:fx-01');
  const week = await page.$$eval('#place-sheet table.week tr', (rows) => rows.map((r) =>
    [r.querySelector('th').textContent, r.querySelector('td').textContent]));
  assert.deepEqual(week, [
    ['Lundi', '9\u00a0h – 12\u00a0h, 14\u00a0h – 19\u00a0h'], ['Mardi', '9\u00a0h – 12\u00a0h, 14\u00a0h – 19\u00a0h'],
    ['Mercredi', '9\u00a0h – 12\u00a0h, 14\u00a0h – 19\u00a0h'], ['Jeudi', '9\u00a0h – 12\u00a0h, 14\u00a0h – 19\u00a0h'],
    ['Vendredi', '9\u00a0h – 12\u00a0h, 14\u00a0h – 19\u00a0h'], ['Samedi', '9\u00a0h – 12\u00a0h'],
    ['Dimanche', 'fermé']]);
  assert.equal(await page.textContent('#place-sheet table.week caption'), 'Horaires de la semaine');
  assert.equal(await page.locator('#place-sheet .place-holidays').count(), 0, 'no holiday rule, no line');
  assert.equal(await page.textContent('#place-sheet .place-hours'), shown['lieux:fx-01']);
  await axeCheck(page, 'card with its week table');
  await closeCard(page);

  /* a syntax the page does not read: the raw value, labelled */
  await openCard(page, 'lieux:fx-03');
  assert.equal(await page.textContent('#place-sheet .place-hours-raw'),
               'Horaires (format OSM) : Ma, Je 14:00-17:00');
  assert.equal(await page.locator('#place-sheet table.week').count(), 0);
  await closeCard(page);
  await openCard(page, 'lieux:fx-02');
  assert.equal(await page.textContent('#place-sheet .place-hours'), 'Horaires non renseignés');
  assert.equal(await page.locator('#place-sheet table.week, #place-sheet .place-hours-raw').count(), 0);
  await closeCard(page);

  /* the phrases of the issue, and public holidays, from the page's own module at fixed instants */
  const phrases = await page.evaluate(async () => {
    const m = await import('/format.js');
    const tuesday = Date.parse('2026-12-08T09:00:00+01:00');
    const sunday = Date.parse('2026-12-06T18:00:00+01:00');
    return [
      m.openStateText({ open_state: 'open', next_state: 'closed', next_change: '2026-12-08T12:15:00+01:00' }, tuesday).text,
      m.openStateText({ open_state: 'closed', next_state: 'open', next_change: '2026-12-08T16:30:00+01:00' }, sunday).text,
      m.openStateText({ open_state: 'closed', next_state: 'open', next_change: '2026-12-07T08:00:00+01:00' }, sunday).text,
      m.openStateText({}, tuesday).text,
      m.weekTable('Mo-Fr 08:30-12:00; PH off').holidays,
      m.weekTable('Sa,PH 10:00-12:00; Su off').holidays,
      m.weekTable('Jan-Mar Mo 10:00-12:00'),
    ];
  });
  assert.deepEqual(phrases, [
    'Ouvert · ferme à 12\u00a0h\u00a015', 'Fermé · ouvre mardi à 16\u00a0h\u00a030',
    'Fermé · ouvre demain à 8\u00a0h', 'Horaires non renseignés', [], ['10\u00a0h – 12\u00a0h'], null]);
});

/* --- "Ouvert maintenant" and empty answers ------------------------------------------------------ */

test('"Ouvert maintenant" says how many places it left out for lack of hours', async () => {
  const page = ctx.page;
  const all = await pageSearch(page, () => page.selectOption('#radius', '50000'));
  /* no hours, hours that cannot be read, or a state the hours leave unknown (docs/api.md) */
  const withoutHours = all.body.features.filter(
    (f) => !['open', 'closed'].includes(f.properties.open_state)).length;
  assert.ok(withoutHours > 1, 'the fixture has places without hours');
  const open = await pageSearch(page, () => page.check('#open-now'));
  const left = open.body.hours_unknown_excluded;
  assert.ok(Number.isInteger(left) && left > 1, `hours_unknown_excluded: ${left}`);
  assert.equal(left, withoutHours, 'the places left out are those without hours');
  const status = await statusText(page);
  assert.ok(status.includes(`${left} lieux sans horaires connus ne sont pas comptés.`), status);
  assert.match(status, /ouverts maintenant/);
  assert.equal(new URL(page.url()).searchParams.get('ouvert'), '1', 'the URL holds "open now"');
  await axeCheck(page, 'open now with places left out');
  await pageSearch(page, () => page.uncheck('#open-now'));
  assert.doesNotMatch(await statusText(page), /sans horaires/, 'no such sentence without the filter');
});

test('empty answers: « recensé dans le territoire », or the nearest place beyond the distance', async () => {
  const page = ctx.page;
  const categories = await apiGet('/api/categories');
  const empty = categories.categories.flatMap((c) => c.children || []).find((c) => c.count === 0);
  assert.ok(empty, 'the fixture has an empty category');
  await load(page, `/?categorie=${empty.code}&rayon=50000`);
  assert.equal(await statusText(page),
               `Aucun lieu dans la catégorie « ${empty.label} » recensé dans le territoire.`);
  await axeCheck(page, 'nothing in the territory');

  /* pharmacies, 2 km around the farm of Lisle-en-Barrois: none, the nearest one is named */
  const answer = await load(page, '/?categorie=pharmacy&rayon=2000&point=48.923,5.064');
  assert.equal(answer.body.numberMatched, 0);
  const nearest = answer.body.nearest_beyond;
  assert.ok(nearest && nearest.distance_m > 2000, JSON.stringify(nearest));
  const km = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 }).format(nearest.distance_m / 1000);
  assert.equal(await statusText(page), 'Aucun lieu dans la catégorie « Pharmacie » à moins de 2 km ; ' +
               `le plus proche : ${nearest.name}, à ${km} km.`);
  assert.equal(await page.locator('#results button.place').count(), 0, 'no result listed');
  await page.click('#results button.place-nearest');
  await page.locator('#place-sheet').waitFor({ state: 'visible' });
  assert.equal(await page.textContent('#place-sheet h3'), nearest.name, 'the nearest one\'s card opens');
  await axeCheck(page, 'the nearest place beyond the distance');
  await closeCard(page);
});

/* --- communes ------------------------------------------------------------------------------------ */

test('commune filter and commune names as map labels; a commune suggestion sets the filter', async () => {
  const page = ctx.page;
  await load(page, '/');
  const communes = await apiGet('/api/communes.geojson');
  const named = communes.features.filter((f) => f.geometry);
  await page.waitForFunction((n) => document.querySelectorAll('.commune-label').length === n, named.length);
  const labels = await page.$$eval('.commune-label', (ls) => ls.map((l) => l.textContent).sort());
  assert.deepEqual(labels, named.map((f) => f.properties.name).sort(), 'every commune named on the map');

  const filtered = await pageSearch(page, () => page.selectOption('#commune', '55532'));
  assert.equal(filtered.url.searchParams.get('commune'), '55532');
  const direct = await apiGet('/api/places?commune=55532&limit=500');
  assert.deepEqual([...filtered.body.features.map((f) => f.id)].sort(),
                   direct.features.map((f) => f.id).sort(), 'all the places of the commune, and only them');
  assert.deepEqual(await listIds(page), filtered.body.features.map((f) => String(f.id)));
  assert.match(await statusText(page), /^\d+ lieux? trouvés? dans la commune de Vaubecourt\.$/);
  assert.equal(await page.getAttribute('#commune-link a', 'href'), '/commune/55532');
  assert.equal(new URL(page.url()).searchParams.get('commune'), '55532');
  /* « Télécharger la sélection » is the commune too, not a circle around it */
  const selection = new URL(await page.getAttribute('#export-selection', 'href'), ctx.base).searchParams;
  assert.equal(selection.get('commune'), '55532');
  assert.equal(selection.get('lat'), null);
  assert.match(await page.textContent('#export-selection-note'), /dans la commune de Vaubecourt/);
  await axeCheck(page, 'commune filter');

  await pageSearch(page, () => page.selectOption('#commune', ''));
  assert.ok(await page.locator('#commune-link').isHidden());
  await page.locator('#q').pressSequentially('Vaubec', { delay: 20 });
  const option = page.locator('#q-suggestions [role="option"][data-kind="commune"]').first();
  await option.waitFor({ state: 'visible' });
  const chosen = await pageSearch(page, () => option.click());
  assert.equal(chosen.url.searchParams.get('commune'), '55532', 'the commune suggestion filters');
  assert.equal(await page.inputValue('#commune'), '55532');
  await pageSearch(page, () => page.selectOption('#commune', ''));
});

test('search words of residents: « docteur », « médecin », « école » find their categories', async () => {
  const page = ctx.page;
  await load(page, '/');
  await page.selectOption('#radius', '50000');
  /* a suggestion names the category by its synonym */
  await page.locator('#q').fill('');
  await page.locator('#q').pressSequentially('docteur', { delay: 20 });
  const category = page.locator('#q-suggestions [role="option"][data-kind="category"]').first();
  await category.waitFor({ state: 'visible' });
  assert.match(await category.textContent(), /Médecin généraliste/);
  await axeCheck(page, 'suggestions naming a category by a synonym');
  await page.keyboard.press('Escape');
  /* the text searched as it is (Entrée, no suggestion chosen) finds the category's places */
  for (const [words, name] of [['docteur', 'Cabinet médical du Barrois (fictif)'],
                               ['médecin', 'Cabinet médical du Barrois (fictif)'],
                               ['école', 'École des Trois Villages (fictive)']]) {
    await page.locator('#q').fill(words);
    const answer = await pageSearch(page, () => page.locator('#q').press('Enter'));
    assert.equal(answer.url.searchParams.get('q'), words);
    const names = answer.body.features.map((f) => f.properties.name);
    assert.ok(names.includes(name), `« ${words} » finds ${name} (${names.join(', ')})`);
    const listed = await page.$$eval('#results .place-name', (ns) => ns.map((n) => n.textContent));
    assert.ok(listed.includes(name), `« ${words} »: ${name} in the list`);
  }
  await page.locator('#q').fill('');
  await pageSearch(page, () => page.locator('#q').press('Enter'));
});

test('tiles that cannot load: the page says so and keeps commune outlines and names', async () => {
  const page = await newTab();
  if (ctx.tileHost)
    await page.route((url) => url.host === ctx.tileHost, (route) => route.abort());
  await load(page, '/');
  if (ctx.tileHost)
    await page.locator('#basemap-note').waitFor({ state: 'visible' });
  const n = (await apiGet('/api/communes.geojson')).features.filter((f) => f.geometry).length;
  await page.waitForFunction((k) => document.querySelectorAll('path.commune-boundary').length === k &&
                                    document.querySelectorAll('.commune-label').length === k, n);
  const visible = await page.$$eval('.commune-label', (ls) => ls.filter((l) => {
    const r = l.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(l).visibility !== 'hidden';
  }).length);
  assert.ok(visible > 0, 'commune names are visible without tiles or hover');
  await axeCheck(page, 'no tiles');
  await page.close();
});

/* --- the URL ------------------------------------------------------------------------------------- */

test('shared URL: a search and its place restored in another tab; Back; « Lien vers ce lieu »', async () => {
  const page = ctx.page;
  const text = await load(page, '/?q=mairie&rayon=50000');
  assert.equal(text.url.searchParams.get('q'), 'mairie', 'the text of the URL is searched');
  assert.equal(await page.inputValue('#q'), 'mairie');
  assert.match(await statusText(page), /pour « mairie »/);
  const first = await load(page, '/?rayon=50000');
  const firstIds = await listIds(page);
  const health = await pageSearch(page, () => page.selectOption('#category', 'health'));
  const id = String(health.body.features[1].id);
  await openCard(page, id);
  const shared = page.url();
  const params = new URL(shared).searchParams;
  assert.equal(params.get('categorie'), 'health');
  assert.equal(params.get('lieu'), id);
  assert.match(params.get('carte') || '', /^-?\d+(\.\d+)?,-?\d+(\.\d+)?,\d+$/, 'the map view');

  const tab = await newTab();
  await load(tab, new URL(shared).pathname + new URL(shared).search);
  assert.deepEqual(await listIds(tab), await listIds(page), 'same results');
  assert.equal(await tab.inputValue('#category'), 'health');
  await tab.locator('#place-sheet').waitFor({ state: 'visible' });
  assert.equal(await tab.textContent('#place-sheet h3'), health.body.features[1].properties.name);
  assert.equal(await tab.textContent('#status'), await statusText(page));
  await axeCheck(tab, 'restored from a shared URL');
  await tab.close();

  /* Back: the card closes, then the category goes */
  await page.goBack();
  await page.locator('#place-sheet').waitFor({ state: 'hidden' });
  await pageSearch(page, () => page.goBack());
  assert.equal(await page.inputValue('#category'), '');
  assert.deepEqual(await listIds(page), firstIds, 'Back restored the first search');
  assert.ok(first.body.numberReturned > 0);

  /* the card's permanent link: only ?lieu=, and it opens that card on its own */
  await openCard(page, id);
  await page.click('#place-sheet .place-link');
  await page.waitForFunction(() => document.querySelector('.place-link-status').textContent !== '');
  assert.equal(await page.textContent('.place-link-status'), 'Lien copié.');
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(link, `${ctx.base}/?lieu=${encodeURIComponent(id)}`);
  const alone = await newTab();
  await load(alone, `/?lieu=${encodeURIComponent(id)}`);
  await alone.locator('#place-sheet').waitFor({ state: 'visible' });
  assert.equal(await alone.textContent('#place-sheet h3'), health.body.features[1].properties.name);
  await alone.close();
  await closeCard(page);
});

/* --- small screens, keyboard only ---------------------------------------------------------------- */

async function tabTo(page, selector, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector))
      return i + 1;
  }
  assert.fail(`Tab never reached ${selector}`);
}

function inViewport(box, viewport) {
  return box && box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width + 0.5 &&
         box.y + box.height <= viewport.height + 0.5;
}

test('360 px, keyboard only: search first, results scrolled into view, card as a full-width sheet', async () => {
  const page = await newTab(360, 740);
  const viewport = { width: 360, height: 740 };
  await load(page, '/');
  const q = await page.locator('#q').boundingBox();
  const results = await page.locator('#results-heading').boundingBox();
  assert.ok(inViewport(q, viewport), `the search box is on the first screen: ${JSON.stringify(q)}`);
  assert.ok(q.y < results.y, 'the search box comes before the results');
  assert.ok(results.y < (await page.locator('#map-section').boundingBox()).y, 'results before the map');
  assert.equal(await page.getAttribute('#map-toggle', 'aria-expanded'), 'false', 'the map is collapsed');
  measures.results_top_360 = Math.round(results.y);
  await axeCheck(page, '360 px loaded');

  await page.focus('a.skip-link');
  await tabTo(page, '#q');
  await page.keyboard.type('pharmacie');
  await page.waitForSelector('#q[aria-expanded="true"]');
  await page.keyboard.press('Escape');
  const found = await pageSearch(page, () => page.keyboard.press('Enter'));
  assert.ok(found.body.numberReturned > 0);
  await page.waitForFunction(() => {
    const r = document.getElementById('results-heading').getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  });

  await tabTo(page, '#results button.place');
  await page.keyboard.press('Enter');
  const sheet = page.locator('#place-sheet');
  await sheet.waitFor({ state: 'visible' });
  await page.waitForFunction(() => document.activeElement.matches('#place-sheet h3'));
  const box = await sheet.boundingBox();
  assert.equal(Math.round(box.x), 0);
  assert.equal(Math.round(box.width), 360, 'the sheet is full width');
  assert.ok(inViewport(await page.locator('#place-sheet-close').boundingBox(), viewport),
            'its close button is in view');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scroll');
  await axeCheck(page, '360 px card open');
  await page.keyboard.press('Shift+Tab');
  assert.ok(await page.evaluate(() => document.activeElement.id === 'place-sheet-close'),
            'Shift+Tab from the card reaches its close button');
  await page.keyboard.press('Enter');
  await sheet.waitFor({ state: 'hidden' });
  assert.ok(await page.evaluate(() => document.activeElement.matches('#results button.place')),
            'the focus is back on the list');

  await tabTo(page, '#map-toggle');
  await page.keyboard.press('Enter');
  assert.equal(await page.getAttribute('#map-toggle', 'aria-expanded'), 'true');
  const map = await page.locator('#map').boundingBox();
  assert.ok(map.width > 300 && map.height > 200, `the map is shown: ${JSON.stringify(map)}`);
  await axeCheck(page, '360 px map shown');
  await page.close();
});

/* --- layout shift, above the fold, end of page; OGC pages at 320 px ------------------------------ */

async function measureLayout(width, height) {
  const page = await newTab(width, height);
  await page.addInitScript(() => {
    window.cls = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        if (!e.hadRecentInput)
          window.cls += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await load(page, '/');
  await page.waitForSelector('#exports[aria-busy="false"]');
  await page.waitForFunction((n) => document.querySelectorAll('path.commune-boundary').length >= n, 1);
  /* two frames after the last change, so that any shift it caused is reported */
  const layout = await page.evaluate(() => new Promise((resolve) => {
    requestAnimationFrame(() => requestAnimationFrame(() => {
      const rect = (id) => document.getElementById(id).getBoundingClientRect().toJSON();
      const footer = document.querySelector('footer').getBoundingClientRect();
      /* positioned boxes of the list that are placed outside it: with a long list (50 places of
       * the real territory) they stretch the page far below its footer */
      const escaping = [...document.querySelectorAll('#results *')].filter((el) =>
        getComputedStyle(el).position === 'absolute' && !(el.offsetParent && el.offsetParent.closest('#results')));
      resolve({ cls: window.cls, list: rect('results'), map: rect('map'), escaping: escaping.length,
                blankAfterFooter: document.documentElement.scrollHeight - (footer.bottom + window.scrollY) });
    }));
  }));
  await page.close();
  return layout;
}

test('layout: CLS < 0.1 at 1280 and 360 px; desktop list and map above the fold; no blank end', async () => {
  const desktop = await measureLayout(1280, 860);
  const mobile = await measureLayout(360, 740);
  measures.cls_1280 = Number(desktop.cls.toFixed(4));
  measures.cls_360 = Number(mobile.cls.toFixed(4));
  assert.ok(desktop.cls < 0.1, `CLS at 1280 px: ${desktop.cls}`);
  assert.ok(mobile.cls < 0.1, `CLS at 360 px: ${mobile.cls}`);
  assert.ok(desktop.map.top < 860 && desktop.map.bottom <= 860, `map above the fold: ${JSON.stringify(desktop.map)}`);
  assert.ok(desktop.list.top < 860 && desktop.map.left > desktop.list.right - 1, 'list beside the map');
  assert.equal(desktop.escaping, 0, 'no positioned box of the list is laid out outside it');
  assert.ok(desktop.blankAfterFooter <= 1 && mobile.blankAfterFooter <= 1,
            `nothing after the footer: ${desktop.blankAfterFooter} / ${mobile.blankAfterFooter}`);
});

test('OGC HTML pages reflow at 320 px (no sideways scrolling)', async () => {
  const page = await newTab(320, 640);
  for (const p of ['/ogc?f=html', '/ogc/collections?f=html', '/ogc/collections/places/items?f=html',
                   '/ogc/collections/places/items/lieux:fx-01?f=html', '/ogc/api?f=html']) {
    await page.goto(ctx.base + p);
    await page.waitForLoadState('load');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 320, `${p}: scrollWidth ${width}`);
    await axeCheck(page, `${p} at 320 px`);
  }
  await page.close();
});

test('no console error, no request to another host than the server and its tiles', () => {
  assert.deepEqual(ctx.errors, [], 'errors logged by the page');
  assert.deepEqual(ctx.foreign, [], 'requests to third parties');
});
