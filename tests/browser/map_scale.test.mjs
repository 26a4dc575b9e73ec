/*
 * map_scale.test.mjs — the map page with a large answer (issue 14, « a map that scales »): the
 * fixture territory with 2,000 generated places (deterministic; three of them share one point),
 * imported by the real importer and served by the real geodir-api, in Chromium. It checks that
 * every place of the search is on the map (cluster counts and single markers add up to the
 * API's numberMatched), that « Voir plus de lieux » pages through the whole answer in the API's
 * order (= the markers' numbering) with no place missing or twice, that a cluster is a keyboard
 * button (« 1 234 lieux — zoomer ») that zooms in and comes apart, that a place deep in the
 * list opens on the map out of its cluster, and axe-core on the clustered map, after a cluster
 * opened and after « Voir plus » (the card's own checks are map.test.mjs's). Speed is
 * measured by bench/ui/map10k.mjs, not here.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  HERE, STEP_TIMEOUT, axeCheck, closeAll, freshWorkDir, newContext, openBrowser, runImport,
  startServer, tileHostOf,
} from './harness.mjs';

const WORK_DIR = freshWorkDir('map_scale');
const N = 2000;
const ctx = newContext();
const timings = {};

/* N places around the fixture communes (within the page's default 10 km of the map centre),
 * from a fixed seed; the last three share one point (a building with several services). */
function generatePlaces() {
  const towns = [[5.1172, 48.9436, '55532'], [5.1725, 48.9219, '55423'], [5.163, 48.9588, '55409'],
                 [5.067, 48.925, '55295'], [5.129, 48.984, '55185'], [5.053, 48.972, '55517'],
                 [5.135, 48.945, '55532']];
  const categories = ['pharmacy', 'gp', 'town-hall', 'nurse', 'primary-school', 'childcare',
                      'food-shop', 'sports', 'producer', 'car-services'];
  let seed = 14;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const features = [];
  for (let i = 1; i <= N; i++) {
    const [lon, lat, insee] = towns[i % towns.length];
    const shared = i > N - 3;
    const point = shared ? [5.14, 48.95]
      : [lon + gauss() * 0.012, lat + gauss() * 0.008];
    features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: point.map((v) => Number(v.toFixed(6))) },
                    properties: { id: `gen-${i}`, name: `Lieu généré ${i}`,
                                  category: categories[i % categories.length],
                                  address: `${i} rue de l'Essai`, postcode: '55250', insee,
                                  phone: null, email: null, website: null,
                                  opening_hours: i % 3 === 0 ? 'Mo-Fr 09:00-12:00' : null,
                                  description: null } });
  }
  return { type: 'FeatureCollection', name: 'lieux-generes', features };
}

/* Every place of the answer to the page's first request, in order, through the next links. */
async function wholeAnswer(firstUrl) {
  const url = new URL(firstUrl);
  url.searchParams.set('limit', '500');
  url.searchParams.set('properties', 'name');
  const ids = [];
  let href = url.pathname + url.search;
  while (href) {
    const body = await (await fetch(ctx.base + href)).json();
    ids.push(...body.features.map((f) => String(f.id)));
    const next = (body.links || []).find((l) => l.rel === 'next');
    href = next ? next.href : null;
  }
  return ids;
}

/* Clusters and single markers the map shows: { count of places they hold, markers, clusters }. */
function mapItems(page) {
  return page.evaluate(() => {
    const icons = [...document.querySelectorAll('.leaflet-marker-pane .leaflet-marker-icon')];
    const clusters = icons.filter((e) => e.classList.contains('cluster'));
    const markers = icons.filter((e) => e.dataset.placeId);
    return {
      places: clusters.reduce((n, e) => n + Number(e.dataset.count), 0) + markers.length,
      clusters: clusters.map((e) => ({ count: Number(e.dataset.count), label: e.getAttribute('aria-label'),
                                      role: e.getAttribute('role'), tabindex: e.getAttribute('tabindex') })),
      markers: markers.map((e) => ({ id: e.dataset.placeId, number: e.textContent })),
    };
  });
}

function zoomLevel(page) {
  /* The search area's circle is fixed in metres: its width in pixels doubles at each zoom level. */
  return page.evaluate(() => {
    const c = document.querySelector('.search-area');
    return c ? c.getBoundingClientRect().width : 0;
  });
}

let apiIds;

before(async () => {
  const fixtures = path.join(HERE, 'fixtures');
  for (const f of fs.readdirSync(fixtures))
    fs.copyFileSync(path.join(fixtures, f), path.join(WORK_DIR, f));
  fs.writeFileSync(path.join(WORK_DIR, 'places.geojson'), JSON.stringify(generatePlaces()));
  const db = path.join(WORK_DIR, 'geodir.sqlite');
  let t0 = performance.now();
  runImport(WORK_DIR, ['--config', path.join(WORK_DIR, 'territory.json'), '--db', db, '--no-exports'],
            { cwd: WORK_DIR });
  timings.import_ms = Math.round(performance.now() - t0);
  await startServer(ctx, WORK_DIR, db);
  t0 = performance.now();
  /* without animations (prefers-reduced-motion: the page then zooms at once): each zoom is
   * over when its moveend fired, so the steps below need no guessing */
  const territory = await (await fetch(`${ctx.base}/api/territory`)).json();
  await openBrowser(ctx, WORK_DIR, { tileHost: tileHostOf(territory),
                                     launch: { acceptDownloads: false, reducedMotion: 'reduce' } });
  await ctx.page.goto(`${ctx.base}/`);
  await ctx.page.waitForSelector('body[data-ready="true"]');
  timings.page_ready_ms = Math.round(performance.now() - t0);
});

after(async () => {
  await closeAll(ctx, { screenshot: path.join(WORK_DIR, 'map_scale.png') });
  console.log(`# timings ${JSON.stringify(timings)}`);
});

test('every place of the search is on the map: clusters and markers add up to the answer', async () => {
  const { page } = ctx;
  await page.waitForSelector('#map[data-complete="true"]', { timeout: STEP_TIMEOUT });
  /* the page's first search, from the browser's resource timing */
  const firstRequest = await page.evaluate(() => performance.getEntriesByType('resource')
    .map((e) => e.name).find((u) => new URL(u).pathname === '/api/places'));
  assert.ok(firstRequest, 'the page searched /api/places');
  apiIds = await wholeAnswer(firstRequest);
  assert.equal(apiIds.length, N, 'the generated places are all within the default search');
  assert.equal(new Set(apiIds).size, N, 'the API answer has no duplicate');
  const status = await page.locator('#status').textContent();
  assert.match(status, /^2[\u202f\u00a0 ]000 lieux trouvés/, status);

  const items = await mapItems(page);
  assert.equal(items.places, N, 'cluster counts plus single markers = the places of the answer');
  assert.ok(items.clusters.length > 0, 'a large answer is clustered');
  assert.ok(items.clusters.length + items.markers.length < 400,
            `only what the view needs is in the DOM (${items.clusters.length} clusters, ${items.markers.length} markers)`);
  for (const c of items.clusters) {
    assert.match(c.label, /^\d[\d\u202f\u00a0 ]* lieux — zoomer$/, 'cluster label');
    assert.equal(c.role, 'button');
    assert.equal(c.tabindex, '0');
  }
  /* single markers carry their list number */
  for (const m of items.markers)
    assert.equal(m.number, String(apiIds.indexOf(m.id) + 1), `number of marker ${m.id}`);
  timings.initial = `${items.clusters.length} clusters, ${items.markers.length} markers`;
  await axeCheck(page, 'a clustered map of 2,000 places');
});

test('a cluster is a keyboard button that zooms in until its places come apart', async () => {
  const { page } = ctx;
  const before = await zoomLevel(page);
  const label = await page.evaluate(() => {
    const clusters = [...document.querySelectorAll('.leaflet-marker-icon.cluster')];
    clusters.sort((a, b) => Number(b.dataset.count) - Number(a.dataset.count));
    clusters[0].focus();
    return clusters[0].getAttribute('aria-label');
  });
  const count = Number(label.replace(/\D/g, ''));
  await page.keyboard.press('Enter');
  await page.waitForFunction((w) => {
    const c = document.querySelector('.search-area');
    return c && c.getBoundingClientRect().width > w * 1.5;
  }, before);
  await page.waitForFunction(() => {
    const a = document.activeElement;
    return a && (a.classList.contains('cluster') || a.id === 'map');
  });
  const items = await mapItems(page);
  assert.ok(items.places >= count, `the ${count} places of the cluster are still on the map (${items.places})`);
  await axeCheck(page, 'after a cluster opened by keyboard');
  /* down one branch until single markers: each time the largest cluster by mouse */
  for (let depth = 0; depth < 12; depth++) {
    const next = await page.evaluate(() => {
      const cs = [...document.querySelectorAll('.leaflet-marker-icon.cluster')];
      const box = document.getElementById('map').getBoundingClientRect();
      /* inside the map and not covered by another cluster: what a mouse can click */
      const free = cs.map((c) => {
        const r = c.getBoundingClientRect();
        const x = r.left + r.width / 2;
        const y = r.top + r.height / 2;
        const top = document.elementFromPoint(x, y);
        return { count: Number(c.dataset.count), x, y,
                 ok: x > box.left && x < box.right && y > box.top && y < box.bottom &&
                     top && top.closest('.leaflet-marker-icon') === c };
      }).filter((c) => c.ok);
      free.sort((a, b) => b.count - a.count);
      return free[0] || null;
    });
    if (!next)
      break;
    const width = await zoomLevel(page);
    await page.mouse.click(next.x, next.y);
    await page.waitForFunction((w) => document.querySelector('.search-area').getBoundingClientRect().width > w * 1.5, width);
  }
  const last = await mapItems(page);
  assert.ok(last.markers.length > 0, 'clusters come apart into numbered markers');
  for (const m of last.markers)
    assert.equal(m.number, String(apiIds.indexOf(m.id) + 1), `number of marker ${m.id}`);
});

test('« Voir plus de lieux » pages through the whole answer in the markers\' order', async () => {
  const { page } = ctx;
  const more = page.locator('button.list-more');
  assert.equal(await page.locator('#results > li').count(), 50, 'first page of the list');
  assert.match(await more.textContent(), /^Voir plus de lieux/);
  await more.click();
  assert.equal(await page.locator('#results > li').count(), 100, 'second page');
  const focused = await page.evaluate(() => document.activeElement.dataset.placeId);
  assert.equal(focused, apiIds[50], 'the focus goes to the first place of the new page');
  await axeCheck(page, 'the list after « Voir plus de lieux »');
  await more.press('Enter');
  assert.equal(await page.locator('#results > li').count(), 150, 'third page, by keyboard');
  /* the other pages in one go (a click each, in the page) */
  const clicks = 2 + await page.evaluate((limit) => {
    const button = document.querySelector('button.list-more');
    let n = 0;
    while (!button.hidden && n < limit) {
      button.click();
      n += 1;
    }
    return n;
  }, N / 50 + 2);
  assert.equal(await more.isVisible(), false, 'the button disappears at the end of the answer');
  const listed = await page.evaluate(() => [...document.querySelectorAll('#results > li > button.place')]
    .map((b) => ({ id: b.dataset.placeId, number: b.querySelector('.place-number').textContent })));
  assert.deepEqual(listed.map((i) => i.id), apiIds, 'the list holds the API\'s answer, in order, once each');
  listed.forEach((item, i) => assert.equal(item.number, String(i + 1), 'list numbering'));
  timings.more_clicks = clicks;
});

test('a place far down the list opens on the map out of its cluster', async () => {
  const { page } = ctx;
  /* the last place, one in the middle, one of the three that share a point */
  const shared = apiIds.findIndex((id) => id.endsWith(`gen-${N - 1}`));
  assert.ok(shared >= 0, 'a place of the shared point is in the answer');
  for (const index of [N - 1, 1000, shared]) {
    const id = apiIds[index];
    await page.locator(`#results button.place[data-place-id="${id}"]`).click();
    await page.waitForSelector(`.leaflet-marker-icon.is-selected[data-place-id="${id}"]`);
    const heading = page.locator('#place-sheet .place-card h3');
    await heading.waitFor();
    assert.equal(await heading.textContent(), `Lieu généré ${id.replace(/^.*gen-/, '')}`, 'the card of that place');
    assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H3', 'focus in the card');
    assert.equal(await page.locator(`.leaflet-marker-icon[data-place-id="${id}"]`).textContent(),
                 String(index + 1), 'the marker has the list number');
    await page.keyboard.press('Escape');
    await page.waitForFunction((pid) => document.activeElement.dataset.placeId === pid, id);
  }
  assert.deepEqual(ctx.errors, [], 'no console error');
});
