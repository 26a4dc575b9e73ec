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
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

function requireEnv(name) {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run this test through ctest (tests/browser/CMakeLists.txt)`);
  return value;
}

const IMPORTER = requireEnv('GEODIR_IMPORT');
const SERVER = requireEnv('GEODIR_API');
const SOURCE_DIR = requireEnv('GEODIR_SOURCE_DIR');
const WORK_DIR = path.join(process.env.GEODIR_WORK_DIR || HERE, 'run-geocode');
const FIXTURES = path.join(SOURCE_DIR, 'tests', 'geocode', 'fixtures');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT = 20000;

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

const ctx = { server: null, serverExit: null, base: '', browser: null, page: null, errors: [],
              foreign: [], places: [] };

const TILE_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256">' +
  '<rect width="256" height="256" fill="#eef0ea"/></svg>';

before(async () => {
  fs.rmSync(WORK_DIR, { recursive: true, force: true });
  fs.mkdirSync(WORK_DIR, { recursive: true });
  for (const f of fs.readdirSync(FIXTURES))
    fs.copyFileSync(path.join(FIXTURES, f), path.join(WORK_DIR, f));
  const db = path.join(WORK_DIR, 'geodir.sqlite');
  const imp = spawnSync(IMPORTER, ['--config', path.join(WORK_DIR, 'territory.json'), '--db', db,
                                   '--no-exports'],
                        { encoding: 'utf8', timeout: 120000, cwd: WORK_DIR });
  fs.writeFileSync(path.join(WORK_DIR, 'import.log'), `${imp.stdout}\n${imp.stderr}`);
  assert.equal(imp.status, 0, `geodir-import failed (${imp.status}):\n${imp.stderr}`);

  const serverLog = fs.createWriteStream(path.join(WORK_DIR, 'server.log'));
  ctx.server = spawn(SERVER, ['--port', '0', '--db', db,
                              '--static_dir', path.join(SOURCE_DIR, 'map-ui')],
                     { stdio: ['ignore', 'pipe', 'pipe'] });
  ctx.serverExit = new Promise((resolve) => {
    ctx.server.on('exit', (code, signal) => resolve({ code, signal }));
  });
  ctx.server.stderr.pipe(serverLog);
  ctx.base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('geodir-api did not print its listening line')),
                             10000);
    const lines = readline.createInterface({ input: ctx.server.stdout });
    lines.on('line', (line) => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    ctx.serverExit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`geodir-api exited early (${code ?? signal}); see ${WORK_DIR}/server.log`));
    });
  });
  const answer = await (await fetch(`${ctx.base}/api/places?commune=55532&limit=50`)).json();
  ctx.places = answer.features;

  ctx.browser = await chromium.launchPersistentContext(path.join(WORK_DIR, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    locale: 'fr-FR',
    acceptDownloads: false,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  /* Nothing leaves the machine: basemap tiles get a local stand-in, anything else is noted. */
  const territory = await (await fetch(`${ctx.base}/api/territory`)).json();
  const tiles = territory.map && territory.map.tiles_url;
  const tileHost = tiles ? new URL(tiles.replace(/\{[a-z]\}/g, '0')).host : '';
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
  await ctx.page.goto(`${ctx.base}/`);
  await ctx.page.waitForSelector('body[data-ready="true"]');
});

after(async () => {
  if (ctx.browser) {
    await ctx.page.screenshot({ path: path.join(WORK_DIR, 'geocode.png'), fullPage: true })
      .catch(() => {});
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
});

/* Opens the card of place id from its list item; returns the card's note (or null). */
async function cardNote(id) {
  const page = ctx.page;
  if (await page.locator('.leaflet-popup').count() > 0) {
    await page.keyboard.press('Escape');
    await page.locator('.leaflet-popup').waitFor({ state: 'detached', timeout: STEP_TIMEOUT });
  }
  await page.locator(`#results button.place[data-place-id="${id}"]`).click();
  const popup = page.locator('.leaflet-popup');
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
  const text = await ctx.page.locator('.leaflet-popup').textContent();
  assert.doesNotMatch(text, /Position approximative/);
});

test('no console error and no request to another host', () => {
  assert.deepEqual(ctx.errors, []);
  assert.deepEqual(ctx.foreign, []);
});
