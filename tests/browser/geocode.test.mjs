/*
 * geocode.test.mjs — browser test of how the place card tells that a position was computed by
 * geodir from the address (ctest browser.geocode, label browser; map-ui/app.js geocodeText,
 * docs/geocoding.md).
 *
 * The real importer builds a database from tests/geocode/fixtures (three places without a
 * point, geocoded at the house number, on the street and at the commune's centre, and one
 * place with its own point); the real geodir-api serves it on 127.0.0.1 port 0 with map-ui/;
 * Debian's headless Chromium (playwright-core) opens each place's card from the list and
 * checks the French sentence, in text (a note, not a colour): "Position approximative :
 * calculée à partir de l'adresse (rue), concordance 85 %." — and no such sentence for the
 * place whose point came from its source. The page must log no error and ask no other host.
 *
 * Environment (set by CMakeLists.txt): GEODIR_IMPORT, GEODIR_API, GEODIR_SOURCE_DIR,
 * GEODIR_WORK_DIR; optional CHROMIUM (default /usr/bin/chromium).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  SOURCE_DIR, STEP_TIMEOUT, closeAll, freshWorkDir, newContext, openMapPage, runImport, startServer,
} from './harness.mjs';

const WORK_DIR = freshWorkDir('run-geocode');
const FIXTURES = path.join(SOURCE_DIR, 'tests', 'geocode', 'fixtures');

const ctx = newContext({ places: [] });

before(async () => {
  for (const f of fs.readdirSync(FIXTURES))
    fs.copyFileSync(path.join(FIXTURES, f), path.join(WORK_DIR, f));
  const db = path.join(WORK_DIR, 'geodir.sqlite');
  runImport(WORK_DIR, ['--config', path.join(WORK_DIR, 'territory.json'), '--db', db,
                       '--no-exports'], { cwd: WORK_DIR });
  await startServer(ctx, WORK_DIR, db);
  const answer = await (await fetch(`${ctx.base}/api/places?commune=55532&limit=50`)).json();
  ctx.places = answer.features;

  await openMapPage(ctx, WORK_DIR);
});

after(async () => {
  await closeAll(ctx, { screenshot: path.join(WORK_DIR, 'geocode.png') });
});

/* Opens the card of place id from its list item; returns the card's note (or null). */
async function cardNote(id) {
  const page = ctx.page;
  if (await page.locator('#place-sheet').isVisible()) {
    await page.click('#place-sheet-close');
    await page.locator('#place-sheet').waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
  }
  await page.locator(`#results button.place[data-place-id="${id}"]`).click();
  const popup = page.locator('#place-sheet');
  await popup.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  const place = ctx.places.find((f) => f.id === id);
  assert.equal(await popup.locator('h3').textContent(), place.properties.name);
  const note = popup.locator('.place-card [role="note"].place-geocoded');
  return await note.count() > 0 ? { text: await note.textContent(), visible: await note.isVisible() }
                                : null;
}

test('the fixture has three geocoded places and one with its own point', () => {
  const byId = Object.fromEntries(ctx.places.map((f) => [f.id, f.properties]));
  assert.equal(byId['lieux:geo-1']?.geocode_precision, 'housenumber');
  assert.equal(byId['lieux:geo-2']?.geocode_precision, 'street');
  assert.equal(byId['lieux:geo-3']?.geocode_precision, 'municipality');
  assert.equal(byId['lieux:pos-1']?.geocode_precision, null);
});

test('a geocoded place says so in its card, in French words', async () => {
  const expected = {
    'lieux:geo-1': 'numéro',
    'lieux:geo-2': 'rue',
    'lieux:geo-3': 'commune',
  };
  for (const [id, level] of Object.entries(expected)) {
    const place = ctx.places.find((f) => f.id === id);
    const note = await cardNote(id);
    assert.ok(note, `${id}: the card has a note about its position`);
    assert.ok(note.visible, `${id}: the note is visible`);
    const percent = Math.round(place.properties.geocode_score * 100);
    assert.equal(note.text,
                 `Position approximative : calculée à partir de l'adresse (${level}), ` +
                 `concordance ${percent}\u00a0%.`);
  }
  await ctx.page.screenshot({ path: path.join(WORK_DIR, 'geocode-card.png') });
});

test('a place with its own point has no such note', async () => {
  assert.equal(await cardNote('lieux:pos-1'), null);
  const text = await ctx.page.locator('#place-sheet').textContent();
  assert.doesNotMatch(text, /Position approximative/);
});

test('no console error and no request to another host', () => {
  assert.deepEqual(ctx.errors, []);
  assert.deepEqual(ctx.foreign, []);
});
