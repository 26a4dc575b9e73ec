/*
 * opendata.test.mjs — browser test of the page's "Données ouvertes" section (ctest
 * browser.opendata, label browser; map-ui/opendata.js, docs/opendata.md).
 *
 * Builds a territory from the fixtures of this folder plus a generated ODbL source (so that the
 * Licence Ouverte exports leave places out), runs the real importer (which writes the full
 * exports) into a fresh folder, starts the real geodir-api on 127.0.0.1 port 0 and drives
 * Debian's headless Chromium with playwright-core. Checks: the header link is reached with the
 * keyboard and moves focus to the section's heading; every full export of /api/exports is
 * listed with its format and French size in the link text, its record count and SHA-256; the
 * ODbL note and attribution; every link of the section answers HEAD 200 (the download links
 * with the declared size); "Télécharger la sélection" follows the page's filters, format and
 * licence, and its URL answers 200; the page logs no error and asks no other host.
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
    throw new Error(`${name} is not set: run this test through ctest ` +
                    '(tests/browser/CMakeLists.txt)');
  return value;
}

const IMPORTER = requireEnv('GEODIR_IMPORT');
const SERVER = requireEnv('GEODIR_API');
const SOURCE_DIR = requireEnv('GEODIR_SOURCE_DIR');
const WORK_DIR = path.join(process.env.GEODIR_WORK_DIR || HERE, 'run-opendata');
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
              foreign: [], exports: [] };

const TILE_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256">' +
  '<rect width="256" height="256" fill="#eef0ea"/></svg>';

/* French size as the page writes it (base 1000, one decimal, no-break space before the unit). */
const ONE = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
function frenchSize(bytes) {
  if (bytes < 1000)
    return `${bytes} octet${bytes > 1 ? 's' : ''}`;
  const units = ['ko', 'Mo', 'Go'];
  let v = bytes / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${ONE.format(v)}\u00a0${units[i]}`;
}

function writeTerritory() {
  const fixtures = path.join(HERE, 'fixtures');
  for (const f of ['communes.csv', 'communes.geojson', 'places.geojson'])
    fs.copyFileSync(path.join(fixtures, f), path.join(WORK_DIR, f));
  const config = JSON.parse(fs.readFileSync(path.join(fixtures, 'territory.json'), 'utf8'));
  /* Ten fictitious places "from OpenStreetMap" under ODbL, in the fixture communes. */
  const base = JSON.parse(fs.readFileSync(path.join(fixtures, 'places.geojson'), 'utf8'));
  const features = base.features.slice(0, 10).map((f, i) => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [f.geometry.coordinates[0] + 0.01,
                                             f.geometry.coordinates[1] + 0.01] },
    properties: { ...f.properties, id: `osm-${i}`, name: `Lieu OSM fictif ${i}` },
  }));
  fs.writeFileSync(path.join(WORK_DIR, 'osm.geojson'),
                   JSON.stringify({ type: 'FeatureCollection', features }));
  config.data_dir = '.';
  config.sources.push({ name: 'osm', profile: 'local-geojson', path: 'osm.geojson',
                        data_date: '2026-10-15', title: 'Lieux OpenStreetMap (fictifs)',
                        publisher: 'OpenStreetMap', licence: 'ODbL-1.0' });
  config.open_data = { update_frequency: 'monthly', exports: ['geojson', 'csv', 'gpkg'] };
  const file = path.join(WORK_DIR, 'territory.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 1));
  return file;
}

before(async () => {
  fs.rmSync(WORK_DIR, { recursive: true, force: true });
  fs.mkdirSync(WORK_DIR, { recursive: true });
  const db = path.join(WORK_DIR, 'geodir.sqlite');
  const imp = spawnSync(IMPORTER, ['--config', writeTerritory(), '--db', db],
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
  const list = await (await fetch(`${ctx.base}/api/exports`)).json();
  ctx.exports = list.exports;

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
  await ctx.page.waitForSelector('#donnees-ouvertes[data-ready="true"]');
});

after(async () => {
  if (ctx.browser) {
    await ctx.page.screenshot({ path: path.join(WORK_DIR, 'opendata.png'), fullPage: true })
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

test('the importer built full exports under both licences', () => {
  const licences = new Set(ctx.exports.map((e) => e.licence));
  assert.ok(licences.has('etalab-2.0') && licences.has('ODbL-1.0'),
            `exports: ${ctx.exports.map((e) => e.name).join(', ')}`);
});

test('the header link is reached by keyboard and moves focus to the section', async () => {
  const page = ctx.page;
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  await page.focus('body');
  let reached = false;
  for (let i = 0; i < 6 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.id === 'opendata-link');
  }
  assert.ok(reached, 'Tab reaches the "Données ouvertes" link within the first stops');
  const text = await page.textContent('#opendata-link');
  assert.match(text, /Données ouvertes/);
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'the focused link shows a focus outline');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'opendata-heading');
  assert.equal(await page.textContent('#opendata-heading'), 'Données ouvertes');
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  const inView = await page.evaluate(() => {
    const r = document.getElementById('opendata-heading').getBoundingClientRect();
    return r.top >= 0 && r.top < window.innerHeight;
  });
  assert.ok(inView, 'the section heading is scrolled into view');
});

test('every full export is listed with format, French size, records and SHA-256', async () => {
  const shown = await ctx.page.evaluate(() => [...document.querySelectorAll('#exports li.export')]
    .map((li) => ({
      href: li.querySelector('a.download').getAttribute('href'),
      text: li.querySelector('a.download').textContent,
      facts: li.querySelector('.facts').textContent,
      sha: li.querySelector('code.sha256').textContent,
      group: li.closest('section').querySelector('h4').textContent,
    })));
  assert.equal(shown.length, ctx.exports.length, 'one list item per full export');
  for (const e of ctx.exports) {
    const item = shown.find((s) => s.href === `/data/${encodeURIComponent(e.name)}`);
    assert.ok(item, `${e.name} is listed`);
    assert.ok(item.text.includes(`(${frenchSize(e.size)})`),
              `${e.name}: the link says its size in French units: "${item.text}"`);
    assert.match(item.text, /^Télécharger en \S/, `${e.name}: the link says its format`);
    assert.ok(item.facts.includes(new Intl.NumberFormat('fr-FR').format(e.records)),
              `${e.name}: record count shown: "${item.facts}"`);
    assert.equal(item.sha, e.sha256, `${e.name}: SHA-256 shown`);
    assert.ok(item.group.includes(e.licence === 'ODbL-1.0' ? 'ODbL' : 'Licence Ouverte'),
              `${e.name}: listed under its licence ("${item.group}")`);
  }
  assert.equal(new Set(shown.map((s) => s.text)).size, shown.length,
               'each download link has its own text (format, size, dataset and licence)');
  /* The SHA-256 disclosure opens by keyboard and its button copies (or selects) the digest. */
  const summary = ctx.page.locator('#exports details.digest summary').first();
  await summary.focus();
  await ctx.page.keyboard.press('Enter');
  assert.equal(await ctx.page.locator('#exports details.digest').first().getAttribute('open'), '');
  const copy = ctx.page.locator('#exports details.digest button.copy').first();
  await copy.focus();
  await ctx.page.keyboard.press('Enter');
  await ctx.page.waitForFunction(() => /Empreinte (copiée|sélectionnée)/.test(
    document.querySelector('#exports details.digest button.copy').textContent));
  const notes = await ctx.page.textContent('#exports');
  assert.match(notes, /exclus?/, 'the Licence Ouverte group says ODbL places are left out');
  assert.match(notes, /contributeurs d’OpenStreetMap/, 'the ODbL group states the attribution');
  const licenceLinks = await ctx.page.$$eval('#exports a[rel="license"]',
                                             (as) => as.map((a) => a.href));
  assert.ok(licenceLinks.includes('https://opendatacommons.org/licenses/odbl/1-0/') &&
            licenceLinks.includes('https://www.etalab.gouv.fr/licence-ouverte-open-licence/'),
            'each group links its licence');
});

test('every link of the section answers HEAD 200 (downloads with their size)', async () => {
  const links = await ctx.page.$$eval('#donnees-ouvertes a[href]', (as) => as.map((a) => a.href));
  const local = [...new Set(links.filter((h) => h.startsWith(ctx.base)))];
  assert.ok(local.length >= ctx.exports.length + 7, `${local.length} local links`);
  for (const href of local) {
    const r = await fetch(href, { method: 'HEAD' });
    assert.equal(r.status, 200, `HEAD ${href}: ${r.status}`);
    const e = ctx.exports.find((x) => href === `${ctx.base}/data/${encodeURIComponent(x.name)}`);
    if (e)
      assert.equal(Number(r.headers.get('content-length')), e.size, `${e.name}: Content-Length`);
  }
  for (const href of ['/catalog.jsonld', '/catalog.ttl', '/ogc?f=html', '/ogc/api?f=html'])
    assert.ok(local.includes(ctx.base + href), `the section links ${href}`);
});

test('"Télécharger la sélection" follows the page\'s filters, format and licence', async () => {
  const page = ctx.page;
  const href0 = await page.getAttribute('#export-selection', 'href');
  const u0 = new URL(href0, ctx.base);
  assert.equal(u0.pathname, '/api/export');
  assert.equal(u0.searchParams.get('format'), 'geojson');
  assert.equal(u0.searchParams.get('licence'), 'etalab-2.0');
  assert.ok(u0.searchParams.get('lat') && u0.searchParams.get('radius'),
            `the initial search around the map centre is the selection: ${href0}`);
  /* A category filter, then another format and licence. */
  const option = await page.$eval('#category option[value]:not([value=""])', (o) => o.value);
  await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/api/places'),
    page.selectOption('#category', option),
  ]);
  await page.waitForFunction((cat) => new URL(document.getElementById('export-selection').href)
    .searchParams.get('category') === cat, option);
  await page.selectOption('#export-format', 'csv');
  await page.selectOption('#export-licence', 'ODbL-1.0');
  const href = await page.getAttribute('#export-selection', 'href');
  const u = new URL(href, ctx.base);
  assert.equal(u.searchParams.get('format'), 'csv');
  assert.equal(u.searchParams.get('licence'), 'ODbL-1.0');
  assert.equal(u.searchParams.get('category'), option);
  const text = await page.textContent('#export-selection');
  assert.match(text, /CSV/);
  assert.match(text, /ODbL/);
  const r = await fetch(ctx.base + href);
  assert.equal(r.status, 200, `GET ${href}: ${r.status}`);
  assert.match(r.headers.get('content-type') || '', /^text\/csv/);
  await r.arrayBuffer();
});

test('no console error, no request to another host than the server and its tiles', () => {
  assert.deepEqual(ctx.errors, []);
  assert.deepEqual(ctx.foreign, []);
});
