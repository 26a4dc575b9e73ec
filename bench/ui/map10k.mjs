/*
 * bench/ui/map10k.mjs — the map page with a large answer in view, in Chromium (playwright-core):
 *
 *   node map10k.mjs <label> <page url> [runs]
 *
 * For each run: a fresh page is loaded until ready (body[data-ready]); then « Dans la zone
 * affichée » is chosen (the search covers the whole view, i.e. the whole generated directory)
 * and the script measures, from that click:
 *   - ready_ms: until the list shows its answer and every place is on the map (the page's
 *     #map[data-complete="true"] when it has it, else the list's aria-busy="false") and the
 *     browser then painted a frame and ran a task (the page answers input again);
 *   - long tasks (PerformanceObserver 'longtask', > 50 ms) in that time: count, sum and longest;
 *   - markers and clusters in the DOM, places in the list;
 * then drags the map with the mouse (40 moves of 8 px over about 2 s of real time, or what
 * the page allows) and counts requestAnimationFrame frames: fps = frames / drag seconds, and
 * the longest frame. One JSON line per run on stdout.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
let chromium;
try {
  ({ chromium } = require(require.resolve('playwright-core',
    { paths: [path.join(HERE, 'node_modules'), path.join(HERE, '..', '..', 'tests', 'browser', 'node_modules')] })));
} catch (e) {
  console.error('bench/ui: playwright-core is missing: run `npm ci` in bench/ui (or tests/browser)');
  process.exit(1);
}

const [label, url, runsArg] = process.argv.slice(2);
if (!label || !url) {
  console.error('usage: node map10k.mjs <label> <page url> [runs]');
  process.exit(2);
}
const RUNS = Number(runsArg || 3);
const origin = new URL(url).origin;

/* Installed before the page's scripts: the long tasks from then on. */
function observeLongTasks() {
  window.__long = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      window.__long.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
}

async function oneRun(browser) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'fr-FR' });
  await context.route((u) => u.origin !== origin, (route) => route.abort());
  const page = await context.newPage();
  await page.addInitScript(observeLongTasks);
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 120000 });
  const seq0 = await page.evaluate(() => Number(document.getElementById('results').dataset.searchSeq || 0));
  const t0 = await page.evaluate(() => {
    window.__t0 = performance.now();
    document.querySelector('input[name="area"][value="view"]').click();
    return window.__t0;
  });
  await page.waitForFunction((seq) => {
    const list = document.getElementById('results');
    const map = document.getElementById('map');
    const listed = Number(list.dataset.searchSeq || 0) > seq && list.getAttribute('aria-busy') === 'false';
    return listed && (!('complete' in map.dataset) || map.dataset.complete === 'true');
  }, seq0, { timeout: 300000, polling: 50 });
  const ready = await page.evaluate(() => new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0));
  }));
  const after = await page.evaluate((start) => {
    const long = window.__long.filter((t) => t.start + t.duration >= start);
    const icons = [...document.querySelectorAll('.leaflet-marker-pane .leaflet-marker-icon')];
    return {
      long_tasks: long.length,
      long_sum_ms: Math.round(long.reduce((s, t) => s + t.duration, 0)),
      long_max_ms: Math.round(long.reduce((m, t) => Math.max(m, t.duration), 0)),
      dom_markers: icons.filter((e) => e.dataset.placeId).length,
      dom_clusters: icons.filter((e) => e.classList.contains('cluster')).length,
      on_map: icons.reduce((n, e) => n + (e.dataset.count ? Number(e.dataset.count) : 1), 0),
      list_items: document.querySelectorAll('#results > li').length,
      status: document.getElementById('status').textContent,
    };
  }, t0);

  /* the drag: mouse down in the map's centre, 40 moves, frames counted meanwhile */
  const box = await page.locator('#map').boundingBox();
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.evaluate(() => {
    window.__frames = [];
    const tick = (t) => {
      window.__frames.push(t);
      if (!window.__stop)
        requestAnimationFrame(tick);
    };
    window.__stop = false;
    requestAnimationFrame(tick);
  });
  await page.mouse.move(x, y);
  await page.mouse.down();
  const dragStart = Date.now();
  for (let i = 1; i <= 40; i++) {
    await page.mouse.move(x - i * 8, y - i * 4);
    const due = dragStart + i * 50;
    if (Date.now() < due)
      await new Promise((r) => setTimeout(r, due - Date.now()));
  }
  const frames = await page.evaluate(() => {
    window.__stop = true;
    const f = window.__frames;
    let worst = 0;
    for (let i = 1; i < f.length; i++)
      worst = Math.max(worst, f[i] - f[i - 1]);
    return { n: f.length, span: f.length > 1 ? f[f.length - 1] - f[0] : 0, worst };
  });
  await page.mouse.up();
  await context.close();
  return {
    label, ready_ms: Math.round(ready - t0), ...after,
    drag_fps: frames.span > 0 ? Number(((frames.n - 1) / (frames.span / 1000)).toFixed(1)) : 0,
    drag_worst_frame_ms: Math.round(frames.worst),
  };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  for (let run = 1; run <= RUNS; run++)
    console.log(JSON.stringify({ run, ...(await oneRun(browser)) }));
} finally {
  await browser.close();
}
