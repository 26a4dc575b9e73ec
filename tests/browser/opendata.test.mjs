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
import fs from 'node:fs';
import path from 'node:path';
import {
  HERE, closeAll, freshWorkDir, newContext, openMapPage, runImport, startServer,
} from './harness.mjs';

const WORK_DIR = freshWorkDir('run-opendata');

const ctx = newContext({ exports: [] });

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
  const db = path.join(WORK_DIR, 'geodir.sqlite');
  runImport(WORK_DIR, ['--config', writeTerritory(), '--db', db], { cwd: WORK_DIR });
  await startServer(ctx, WORK_DIR, db);
  const list = await (await fetch(`${ctx.base}/api/exports`)).json();
  ctx.exports = list.exports;

  await openMapPage(ctx, WORK_DIR);
  await ctx.page.waitForSelector('#donnees-ouvertes[data-ready="true"]');
});

after(async () => {
  await closeAll(ctx, { screenshot: path.join(WORK_DIR, 'opendata.png') });
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
  for (let i = 0; i < 8 && !reached; i++) {
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
