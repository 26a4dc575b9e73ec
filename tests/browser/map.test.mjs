/*
 * map.test.mjs — browser test of the map page (ctest browser.map, label browser).
 *
 * Runs the real importer on a territory configuration into a fresh SpatiaLite file, starts the real
 * geodir-api on 127.0.0.1 port 0 over it, and drives Debian's headless Chromium with
 * playwright-core. It checks that markers and list show the API's answer in the API's order, that
 * the category filter changes both together, that the keyboard reaches the list and opens a place's
 * card (with its licence), the search box (an ARIA combobox: typing, arrows, Enter, Escape,
 * choosing a category or a place), the text search, "Ouvert maintenant" and the visible-area
 * mode, and that the page logs no error. The place card is the page's place sheet (never a
 * Leaflet popup). Screenshots go into the build dir. The page's newer journeys (hours in words,
 * commune filter, shared URL, 360 px, layout shift, OGC pages at 320 px) are in page.test.mjs.
 *
 * Environment (set by CMakeLists.txt):
 *   GEODIR_IMPORT, GEODIR_API   the two binaries
 *   GEODIR_SOURCE_DIR           repository root (map-ui/ is served from there)
 *   GEODIR_WORK_DIR             where to write (a fresh run/ folder is made inside)
 *   GEODIR_BROWSER_CONFIG       optional territory configuration (default: fixtures/territory.json)
 *   CHROMIUM                    optional browser path (default /usr/bin/chromium)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  HERE, STEP_TIMEOUT, closeAll, freshWorkDir, newContext, openBrowser, pageSearch, runImport,
  startServer, tileHostOf,
} from './harness.mjs';

const WORK_DIR = freshWorkDir('run');
const CONFIG = process.env.GEODIR_BROWSER_CONFIG || path.join(HERE, 'fixtures', 'territory.json');

const timings = {};
const ctx = newContext({ territory: null, tileHost: '' });

/* --- helpers ----------------------------------------------------------------------------------- */

async function apiGet(pathAndQuery) {
  const response = await fetch(ctx.base + pathAndQuery);
  assert.equal(response.status, 200, `GET ${pathAndQuery} answered ${response.status}`);
  return response.json();
}

/* What the page shows: list items (API order expected) and markers. */
function readPage(page) {
  return page.evaluate(() => ({
    items: [...document.querySelectorAll('#results > li > button.place')].map((b) => ({
      id: b.dataset.placeId,
      number: b.querySelector('.place-number').textContent,
      name: b.querySelector('.place-name').textContent,
      meta: b.querySelector('.place-meta').textContent,
      where: b.querySelector('.place-where').textContent,
    })),
    markers: [...document.querySelectorAll('.leaflet-marker-pane .leaflet-marker-icon')].map((m) => ({
      id: m.dataset.placeId,
      number: m.textContent,
    })),
    status: document.getElementById('status').textContent,
    seq: Number(document.getElementById('results').dataset.searchSeq || 0),
  }));
}

const KM = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
function frenchDistance(m) {
  return m < 1000 ? `${Math.round(m)} m` : `${KM.format(m / 1000)} km`;
}

/* Markers, list and API answer agree: same ids, same order, same numbering, same names. */
function assertInSync(shown, answer, what) {
  const ids = answer.features.map((f) => String(f.id));
  assert.equal(answer.numberReturned, ids.length, `${what}: numberReturned vs features`);
  assert.equal(shown.items.length, answer.numberReturned, `${what}: list items vs numberReturned`);
  assert.equal(shown.markers.length, answer.numberReturned, `${what}: markers vs numberReturned`);
  assert.deepEqual(shown.items.map((i) => i.id), ids, `${what}: list order differs from the API's`);
  const markerNumber = new Map(shown.markers.map((m) => [m.id, m.number]));
  shown.items.forEach((item, i) => {
    const f = answer.features[i];
    assert.equal(item.number, String(i + 1), `${what}: list numbering`);
    assert.equal(markerNumber.get(item.id), String(i + 1), `${what}: marker of ${item.id}`);
    /* textContent equal to the raw API string: nothing was interpreted as HTML */
    assert.equal(item.name, f.properties.name, `${what}: name of ${item.id}`);
    assert.ok(item.where.endsWith(frenchDistance(f.properties.distance_m)),
              `${what}: distance of ${item.id}: "${item.where}" vs ${f.properties.distance_m} m`);
  });
}

/* --- set-up: import, serve, open the browser --------------------------------------------------- */

before(async () => {
  const db = path.join(WORK_DIR, 'geodir.sqlite');

  let t0 = performance.now();
  runImport(WORK_DIR, ['--config', CONFIG, '--db', db]);
  timings.import_ms = Math.round(performance.now() - t0);

  t0 = performance.now();
  await startServer(ctx, WORK_DIR, db);
  timings.server_start_ms = Math.round(performance.now() - t0);

  ctx.territory = await apiGet('/api/territory');
  ctx.tileHost = tileHostOf(ctx.territory);

  t0 = performance.now();
  await openBrowser(ctx, WORK_DIR, { tileHost: ctx.tileHost, failOnDialog: true });
  timings.browser_start_ms = Math.round(performance.now() - t0);
});

after(async () => {
  await closeAll(ctx);
  console.log(`# timings ${JSON.stringify(timings)}`);
});

/* --- the checks -------------------------------------------------------------------------------- */

let initial;          /* first answer the page got: { url, body } */

test('the page loads, names the territory and shows markers and list of the same places', async () => {
  const page = ctx.page;
  const t0 = performance.now();
  initial = await pageSearch(page, () => page.goto(`${ctx.base}/`));
  await page.waitForSelector('body[data-ready="true"]', { timeout: STEP_TIMEOUT });
  timings.page_ready_ms = Math.round(performance.now() - t0);

  const territory = ctx.territory;
  assert.equal(await page.locator('h1').textContent(), territory.name);
  assert.ok((await page.title()).includes(territory.short_name || territory.name), 'title names the territory');
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');

  const shown = await readPage(page);
  assert.ok(initial.body.numberReturned > 0, 'the first search found places');
  assertInSync(shown, initial.body, 'first search');
  /* the same answer straight from the API */
  const direct = await apiGet(initial.url.pathname + initial.url.search);
  assert.deepEqual(direct.features.map((f) => f.id), initial.body.features.map((f) => f.id));
  assert.match(shown.status, /^\d+ lieux? trouvés? à moins de \d+(,\d)? k?m/);
  timings.markers = shown.markers.length;
  timings.number_matched = initial.body.numberMatched;

  /* landmarks, labelled select, accessible map, attribution with the tiles' credit */
  for (const selector of ['header', 'main', 'aside', 'footer', 'form[role="search"]', 'label[for="category"]'])
    assert.equal(await page.locator(selector).count(), 1, `one ${selector}`);
  assert.ok((await page.getAttribute('#map', 'aria-label')).length > 0, 'the map has an accessible name');
  const attribution = await page.locator('.leaflet-control-attribution').textContent();
  if (ctx.tileHost)
    assert.match(attribution, /OpenStreetMap|©/, 'the tiles are credited');
  assert.equal(await page.locator('.leaflet-control-attribution script').count(), 0);
  assert.equal(await page.locator('a[href^="javascript:"]').count(), 0, 'no javascript: link');

  const communes = await apiGet('/api/communes.geojson');
  const withBoundary = communes.features.filter((f) => f.geometry).length;
  await page.waitForFunction((n) => document.querySelectorAll('path.commune-boundary').length === n,
                             withBoundary, { timeout: STEP_TIMEOUT });
  timings.commune_boundaries = withBoundary;
});

test('choosing a category changes markers and list together', async () => {
  assert.ok(initial, 'the page did not load (first test)');
  const page = ctx.page;
  const all = initial.body;
  /* the top-level category with the most places shown, if it is not all of them */
  const perTop = new Map();
  for (const f of all.features)
    perTop.set(f.properties.parent_category, (perTop.get(f.properties.parent_category) || 0) + 1);
  const [code] = [...perTop.entries()].filter(([, n]) => n < all.features.length)
                                       .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0] || [];
  assert.ok(code, 'the first answer has places of at least two top-level categories');
  const empty = await page.$$eval('#category option', (os) => os.map((o) => o.textContent)
    .filter((t) => /\(0\)$/.test(t)));
  assert.deepEqual(empty, [], 'no category without places is offered');

  const t0 = performance.now();
  const filtered = await pageSearch(page, () => page.selectOption('#category', code));
  timings.category_search_ms = Math.round(performance.now() - t0);
  assert.equal(filtered.url.searchParams.get('category'), code);
  assert.equal(filtered.url.searchParams.get('lat'), initial.url.searchParams.get('lat'));
  assert.equal(filtered.url.searchParams.get('lon'), initial.url.searchParams.get('lon'));
  const shown = await readPage(page);
  assertInSync(shown, filtered.body, `category ${code}`);
  assert.ok(filtered.body.features.every((f) => f.properties.parent_category === code ||
                                                f.properties.category === code));
  assert.notEqual(shown.items.length, all.numberReturned, 'the filter changed the list');
  const direct = await apiGet(filtered.url.pathname + filtered.url.search);
  assert.equal(direct.numberReturned, shown.markers.length, 'marker count equals the API\'s');
  assert.match(shown.status, /dans la catégorie/);
  timings.category = `${code}: ${shown.markers.length} of ${all.numberReturned}`;

  /* back to every category: the first answer again */
  const again = await pageSearch(page, () => page.selectOption('#category', ''));
  assertInSync(await readPage(page), again.body, 'all categories again');
  assert.deepEqual(again.body.features.map((f) => f.id), all.features.map((f) => f.id));
});

test('keyboard: Tab reaches the list, Enter opens the place card with its licence', async () => {
  assert.ok(initial, 'the page did not load (first test)');
  const page = ctx.page;
  /* start from the first element of the page: the skip link */
  await page.focus('a.skip-link');
  let tabs = 0;
  let focused = null;
  while (tabs < 40) {
    await page.keyboard.press('Tab');
    tabs += 1;
    focused = await page.evaluate(() => {
      const el = document.activeElement;
      return el && el.matches('#results button.place') ? el.dataset.placeId : null;
    });
    if (focused)
      break;
  }
  assert.ok(focused, 'Tab never reached a list item');
  timings.tabs_to_list = tabs;
  const first = initial.body.features[0];
  assert.equal(focused, String(first.id), 'the first list item is the first one reached');

  await page.keyboard.press('Enter');
  const popup = page.locator('#place-sheet');
  await popup.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  assert.equal(await popup.locator('h3').textContent(), first.properties.name);
  const source = await popup.locator('.place-source').textContent();
  assert.match(source, /^Source : .+ — .+/, 'the card names its source and licence');
  assert.doesNotMatch(source, /licence non précisée/);
  if (first.properties.licence === 'etalab-2.0')
    assert.match(source, /Licence Ouverte 2\.0/);
  await page.waitForFunction(() => document.activeElement && document.activeElement.matches('#place-sheet h3'),
                             null, { timeout: STEP_TIMEOUT });
  assert.equal(await page.getAttribute(`#results button[data-place-id="${first.id}"]`, 'aria-current'), 'true');
  assert.equal(await page.locator('.leaflet-marker-icon.is-selected').getAttribute('data-place-id'), String(first.id));
  await page.screenshot({ path: path.join(WORK_DIR, 'map-popup.png') });

  /* Escape closes the card and gives the focus back to the list item */
  await page.keyboard.press('Escape');
  await popup.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
  await page.waitForFunction((id) => document.activeElement && document.activeElement.dataset.placeId === id,
                             String(first.id), { timeout: STEP_TIMEOUT });
});

test('clicking a marker highlights its list item; clicking the map searches there', async () => {
  assert.ok(initial, 'the page did not load (first test)');
  const page = ctx.page;
  /* a marker not covered by another one (close places overlap at the initial zoom) */
  const features = initial.body.features;
  const freeIds = await page.evaluate(() => [...document.querySelectorAll('.leaflet-marker-icon')]
    .filter((m) => {
      const r = m.getBoundingClientRect();
      const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      return top && top.closest('.leaflet-marker-icon') === m;
    }).map((m) => m.dataset.placeId));
  const target = features.find((f, i) => i > 0 && freeIds.includes(String(f.id))) ||
                 features.find((f) => freeIds.includes(String(f.id)));
  assert.ok(target, 'at least one marker can be clicked');
  await page.locator(`.leaflet-marker-icon[data-place-id="${target.id}"]`).click();
  await page.locator('#place-sheet').waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  assert.equal(await page.locator('#place-sheet h3').textContent(), target.properties.name);
  assert.equal(await page.getAttribute(`#results button[data-place-id="${target.id}"]`, 'aria-current'), 'true');
  assert.equal(await page.locator('.leaflet-popup').count(), 0, 'no Leaflet popup: the sheet is the card');
  await page.click('#place-sheet-close');
  await page.locator('#place-sheet').waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });

  /* a point of the map with no marker or control on it */
  const box = await page.locator('#map').boundingBox();
  let point = null;
  for (const [fx, fy] of [[0.8, 0.25], [0.2, 0.8], [0.75, 0.7], [0.3, 0.3], [0.55, 0.15]]) {
    const x = box.x + box.width * fx;
    const y = box.y + box.height * fy;
    const free = await page.evaluate(([px, py]) => {
      const el = document.elementFromPoint(px, py);
      return Boolean(el && !el.closest('.leaflet-marker-icon, .leaflet-control, .leaflet-popup'));
    }, [x, y]);
    if (free) {
      point = { x, y };
      break;
    }
  }
  assert.ok(point, 'found a free point on the map');
  const moved = await pageSearch(page, () => page.mouse.click(point.x, point.y));
  assert.notEqual(moved.url.searchParams.get('lat') + moved.url.searchParams.get('lon'),
                  initial.url.searchParams.get('lat') + initial.url.searchParams.get('lon'),
                  'the search moved to the clicked point');
  assertInSync(await readPage(page), moved.body, 'search at the clicked point');

  /* the button searches around the map centre again */
  const centre = await pageSearch(page, () => page.click('#search-center'));
  assertInSync(await readPage(page), centre.body, 'search around the centre');
});

/* --- the search box (combobox), the text search, "open now" and the visible-area mode ------- */

/* Types text into the search box and returns the /api/autocomplete answer the page showed. */
async function typeAndSuggest(page, text) {
  await page.fill('#q', '');
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/api/autocomplete' &&
                                new URL(r.url()).searchParams.get('q') === text,
                         { timeout: STEP_TIMEOUT }),
    page.locator('#q').pressSequentially(text, { delay: 20 }),
  ]);
  assert.equal(response.status(), 200, 'autocomplete answered');
  const body = await response.json();
  if (body.suggestions.length > 0)
    await page.waitForSelector('#q[aria-expanded="true"]', { timeout: STEP_TIMEOUT });
  return body;
}

function readSuggestions(page) {
  return page.evaluate(() => [...document.querySelectorAll('#q-suggestions [role="option"]')]
    .map((li) => ({ id: li.id, kind: li.dataset.kind, selected: li.getAttribute('aria-selected'),
                    label: li.querySelector('.option-label').textContent })));
}

test('search box: a combobox whose suggestions follow the typing; arrows and Enter choose', async () => {
  assert.ok(initial, 'the page did not load (first test)');
  const page = ctx.page;
  const input = page.locator('#q');
  assert.equal(await input.getAttribute('role'), 'combobox');
  assert.equal(await input.getAttribute('aria-expanded'), 'false');
  assert.equal(await input.getAttribute('aria-controls'), 'q-suggestions');
  assert.equal(await input.getAttribute('aria-autocomplete'), 'list');
  assert.equal(await page.getAttribute('#q-suggestions', 'role'), 'listbox');
  assert.equal(await page.locator('label[for="q"]').textContent(), 'Que cherchez-vous ?');

  const t0 = performance.now();
  const answer = await typeAndSuggest(page, 'pharm');
  timings.autocomplete_ms = Math.round(performance.now() - t0);
  const shown = await readSuggestions(page);
  assert.ok(answer.suggestions.length >= 2, 'pharm: suggestions');
  assert.deepEqual(shown.map((o) => o.label), answer.suggestions.map((s) => s.label),
                   'the options are the API\'s suggestions, in order');
  assert.equal(shown[0].kind, 'category', 'the category comes first');
  assert.equal(answer.suggestions[0].code, 'pharmacy');
  assert.ok(shown.every((o) => o.selected === 'false'), 'no option is active before the arrows');
  await page.screenshot({ path: path.join(WORK_DIR, 'search-box.png') });

  await page.keyboard.press('ArrowDown');
  assert.equal(await input.getAttribute('aria-activedescendant'), shown[0].id);
  assert.equal(await page.getAttribute(`#${shown[0].id}`, 'aria-selected'), 'true');
  await page.keyboard.press('ArrowDown');
  assert.equal(await input.getAttribute('aria-activedescendant'), shown[1].id);
  await page.keyboard.press('ArrowUp');
  assert.equal(await input.getAttribute('aria-activedescendant'), shown[0].id);
  assert.equal(await page.getAttribute(`#${shown[1].id}`, 'aria-selected'), 'false');

  const chosen = await pageSearch(page, () => page.keyboard.press('Enter'));
  assert.equal(chosen.url.searchParams.get('category'), 'pharmacy', 'Enter chose the category');
  assert.equal(await page.inputValue('#category'), 'pharmacy');
  assert.equal(await input.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.inputValue('#q'), '', 'the box is emptied once a suggestion is chosen');
  assertInSync(await readPage(page), chosen.body, 'category chosen in the search box');
  assert.ok(chosen.body.features.every((f) => f.properties.category === 'pharmacy'));
  await pageSearch(page, () => page.selectOption('#category', ''));
});

test('search box: Escape closes and keeps the text; clicking a place opens its card', async () => {
  assert.ok(initial, 'the page did not load (first test)');
  const page = ctx.page;
  const input = page.locator('#q');
  await typeAndSuggest(page, 'boulang');
  await page.keyboard.press('Escape');
  assert.equal(await input.getAttribute('aria-expanded'), 'false', 'Escape closes the list');
  assert.ok(await page.locator('#q-suggestions').isHidden());
  assert.equal(await page.inputValue('#q'), 'boulang', 'the first Escape keeps the text');
  await page.keyboard.press('Escape');
  assert.equal(await page.inputValue('#q'), 'boulang', 'a second Escape keeps it too');
  await page.fill('#q', '');

  const answer = await typeAndSuggest(page, 'Boulangerie');
  const place = answer.suggestions.find((s) => s.type === 'place');
  assert.ok(place, 'a place is suggested for "Boulangerie"');
  const option = page.locator('#q-suggestions [role="option"][data-kind="place"]').first();
  const moved = await pageSearch(page, () => option.click());
  assert.ok(Math.abs(Number(moved.url.searchParams.get('lat')) - place.lat) < 1e-5,
            'the search moved to the chosen place');
  assertInSync(await readPage(page), moved.body, 'search around the chosen place');
  const popup = page.locator('#place-sheet');
  await popup.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  assert.equal(await popup.locator('h3').textContent(), place.label, 'its card is open');
  assert.equal(await page.getAttribute(`#results button[data-place-id="${place.id}"]`, 'aria-current'),
               'true');
  /* the card opened from a suggestion is whole in the viewport (not cut off by the map's top) */
  const sheet = await popup.boundingBox();
  const viewport = page.viewportSize();
  assert.ok(sheet.y >= 0 && sheet.x >= 0 && sheet.x + sheet.width <= viewport.width,
            `the card is within the viewport: ${JSON.stringify(sheet)}`);
  await page.keyboard.press('Escape');
  await popup.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
});

test('search box: Enter without a suggestion searches the text', async () => {
  const page = ctx.page;
  /* the map was moved to the chosen place: widen the search to the whole fixture */
  await pageSearch(page, () => page.selectOption('#radius', '50000'));
  await page.fill('#q', 'mairie');
  const found = await pageSearch(page, () => page.press('#q', 'Enter'));
  assert.equal(found.url.searchParams.get('q'), 'mairie');
  assertInSync(await readPage(page), found.body, 'text search');
  assert.ok(found.body.numberReturned > 0, 'mairie: places found');
  const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  assert.ok(found.body.features.every((f) => fold(f.properties.name).includes('mairie')),
            'every place found is named "mairie"');
  assert.match((await readPage(page)).status, /pour « mairie »/);
  await page.fill('#q', '');
  await pageSearch(page, () => page.click('#search-center'));
});

test('"Ouvert maintenant" keeps the open places, each saying so', async () => {
  const page = ctx.page;
  const before = await pageSearch(page, () => page.click('#search-center'));
  /* every place with hours shows its state in the list */
  const withHours = before.body.features.filter((f) => f.properties.open_state);
  assert.ok(withHours.length > 0, 'the fixture has places with opening hours in range');
  const states = await page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('#results button.place')].map((b) => [
      b.dataset.placeId, b.querySelector('.place-hours')?.textContent || ''])));
  for (const f of before.body.features) {
    const text = states[String(f.id)];
    if (!f.properties.open_state)
      assert.equal(text, 'Horaires non renseignés', `${f.id}: no hours, said so`);
    else if (f.properties.opening_hours_valid === false)
      assert.match(text, /^Horaires non reconnus/, `${f.id}: unparseable hours flagged`);
    else if (f.properties.open_state === 'open')
      assert.match(text, /^Ouvert( · ferme (à|demain à|\S+ à|le .* à) \d{1,2}\u00a0h(\u00a0\d\d)?| 24\u00a0h\/24, 7\u00a0j\/7)?$/, `${f.id}: ${text}`);
    else if (f.properties.open_state === 'closed')
      assert.match(text, /^Fermé( · ouvre (à|demain à|\S+ à|le .* à) \d{1,2}\u00a0h(\u00a0\d\d)?)?$/, `${f.id}: ${text}`);
  }
  const open = await pageSearch(page, () => page.check('#open-now'));
  assert.equal(open.url.searchParams.get('open_now'), 'true');
  assertInSync(await readPage(page), open.body, 'open now');
  assert.ok(open.body.features.length > 0, 'the 24/7 place is always open');
  assert.ok(open.body.features.every((f) => f.properties.open_state === 'open'),
            'only open places');
  const texts = await page.locator('#results .place-hours').allTextContents();
  assert.equal(texts.length, open.body.features.length);
  assert.ok(texts.every((t) => t.startsWith('Ouvert')), texts.join(' | '));
  assert.match((await readPage(page)).status, /ouverts maintenant/);
  timings.open_now = `${open.body.numberMatched} of ${before.body.numberMatched}`;
  await pageSearch(page, () => page.uncheck('#open-now'));
  await pageSearch(page, () => page.selectOption('#radius', '10000'));
});

test('"Dans la zone affichée" searches the visible area, again when the map moves', async () => {
  const page = ctx.page;
  const view = await pageSearch(page, () => page.check('input[name="area"][value="view"]'));
  const bbox = view.url.searchParams.get('bbox');
  assert.ok(bbox && bbox.split(',').length === 4, 'a bbox was sent');
  assert.equal(view.url.searchParams.get('radius'), null, 'no radius in this mode');
  assert.ok(await page.locator('#radius').isDisabled(), 'the distance does not apply');
  assertInSync(await readPage(page), view.body, 'visible area');
  const box = await page.locator('#map').boundingBox();
  const moved = await pageSearch(page, async () => {
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4, { steps: 8 });
    await page.mouse.up();
  });
  assert.notEqual(moved.url.searchParams.get('bbox'), bbox, 'moving the map searched the new area');
  assertInSync(await readPage(page), moved.body, 'moved area');
  await pageSearch(page, () => page.check('input[name="area"][value="around"]'));
});

test('narrow screens put the list before a collapsible map; screenshots', async () => {
  const page = ctx.page;
  await page.screenshot({ path: path.join(WORK_DIR, 'map.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  const toggle = page.locator('#map-toggle');
  await toggle.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  const listBox = await page.locator('#results').boundingBox();
  const toggleBox = await toggle.boundingBox();
  assert.ok(listBox.y < toggleBox.y, 'the list comes before the map');
  if (await toggle.getAttribute('aria-expanded') === 'false')
    await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const mapBox = await page.locator('#map').boundingBox();
  assert.ok(mapBox.height > 200 && mapBox.width > 300, `the map is shown: ${JSON.stringify(mapBox)}`);
  await page.screenshot({ path: path.join(WORK_DIR, 'map-narrow.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.locator('#map-toggle').waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
});

test('no console error, no request to another host than the server and its tiles', () => {
  assert.deepEqual(ctx.errors, [], 'errors logged by the page');
  assert.deepEqual(ctx.foreign, [], 'requests to third parties');
});
