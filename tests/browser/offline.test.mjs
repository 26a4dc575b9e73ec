/*
 * offline.test.mjs — browser test of the pages without a network (ctest browser.offline, label
 * browser; map-ui/sw.js, offline.js, offline-search.js, the offline queue of form-page.js;
 * map-ui/README.md « Hors connexion », docs/forms.md §1.6).
 *
 * The real importer builds the fixtures' database, the real geodir-api serves it with the
 * territory's forms and a real forms database; Debian's headless Chromium visits the map page
 * once online, waits until the service worker controls it and has kept the directory, then the
 * network is cut (context.setOffline): the page reloads from the cache, says it is offline, its
 * searches answer from the copy (compared with the server's own answers to the same queries,
 * categories named by a synonym included, and suggestions by synonym), a
 * place card opens and says the copy's date, axe-core clean; a « Signaler une erreur » filled
 * offline waits on the device (also across a reload) and is sent when the network returns, once
 * (the forms database counts it), and one whose values the server refuses comes back with the
 * server's error. Nothing personal is in the caches; an older version's caches are deleted.
 * The worker's caching rules are also run under Node (sw.js in a vm, its Cache API and fetch
 * stood in for): Cache-Control: no-store, POST, personal paths, the API cache's bound.
 *
 * Environment (set by CMakeLists.txt): GEODIR_IMPORT, GEODIR_API, GEODIR_SOURCE_DIR,
 * GEODIR_WORK_DIR; optional CHROMIUM (default /usr/bin/chromium).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { spawnSync } from 'node:child_process';
import {
  SOURCE_DIR, axeCheck, closeAll, freshWorkDir, importFixtures, newContext, openBrowser, pollUntil,
  startServer, tileHostOf,
} from './harness.mjs';

const WORK_DIR = freshWorkDir('run-offline');
const FORMS_DB = path.join(WORK_DIR, 'forms.sqlite');
const ctx = newContext();

before(async () => {
  const db = importFixtures(WORK_DIR);
  await startServer(ctx, WORK_DIR, db, [
    '--forms_dir', path.join(SOURCE_DIR, 'config', 'forms'),
    '--forms_db', FORMS_DB,
    '--forms_files_dir', path.join(WORK_DIR, 'forms-files')]);
  const territory = await (await fetch(`${ctx.base}/api/territory`)).json();
  await openBrowser(ctx, WORK_DIR, { tileHost: tileHostOf(territory), failOnDialog: true,
                                    serviceWorkers: 'allow' });
});

after(async () => {
  await closeAll(ctx, { screenshot: path.join(WORK_DIR, 'offline.png') });
});

/* --- helpers --------------------------------------------------------------------------------- */

async function ready(page) {
  await page.waitForSelector('body[data-ready="true"]');
}

/* The requests of the forms database (the real file the server writes). */
function filedCount(form) {
  const r = spawnSync('python3', ['-c', 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); ' +
    'print(c.execute("select count(*) from requests where form_id=?", (sys.argv[2],)).fetchone()[0])',
  FORMS_DB, form], { encoding: 'utf8' });
  assert.equal(r.status, 0, `python3 sqlite3 on the forms database: ${r.stderr}`);
  return Number(r.stdout.trim());
}

/* Every cache of the page's origin: { name: [url paths with query] }. */
function cacheContents(page) {
  return page.evaluate(async () => {
    const out = {};
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      out[name] = (await cache.keys()).map((r) => { const u = new URL(r.url); return u.pathname + u.search; });
    }
    return out;
  });
}

/* What the server answers to pathAndQuery (from Node: the network of the test, not the page's). */
async function serverAnswer(pathAndQuery) {
  const r = await fetch(ctx.base + pathAndQuery, { headers: { Accept: 'application/geo+json' } });
  assert.equal(r.status, 200, `server: GET ${pathAndQuery}`);
  return r.json();
}

/* What the page's fetch gets for pathAndQuery (through the service worker). */
function pageAnswer(page, pathAndQuery) {
  return page.evaluate(async (p) => {
    const r = await fetch(p, { headers: { Accept: 'application/geo+json' } });
    return { status: r.status, offline: r.headers.get('X-Geodir-Offline'), body: await r.json() };
  }, pathAndQuery);
}

const ids = (answer) => answer.features.map((f) => f.id);

async function fillReport(page, correction) {
  await page.goto(`${ctx.base}/demarche.html?id=signaler-erreur&lieu=lieux%3Afx-01`);
  await ready(page);
  await page.waitForFunction(() => /Pharmacie de l'Aire/.test(document.querySelector('#f-lieu')?.value));
  await page.check('#f-probleme-1');
  await page.fill('#f-correction', correction);
  await page.click('#step-next');
  await page.waitForSelector('#f-email');
  await page.fill('#f-email', 'lea.martin@exemple.fr');
  await page.click('#step-next');
  await page.waitForSelector('#send');
  await page.click('#send');
  await page.waitForSelector('#pending-title');
}

/* --- the tests ------------------------------------------------------------------------------- */

test('online: the service worker takes the page, keeps the shell and the whole directory', async () => {
  const page = ctx.page;
  /* A cache of an older version, and one that is not ours, before the worker is installed. */
  await page.goto(`${ctx.base}/offline.css`);
  await page.evaluate(async () => {
    await (await caches.open('geodir-shell-v0')).put('/old', new Response('old'));
    await (await caches.open('another-app')).put('/kept', new Response('kept'));
  });
  await page.goto(`${ctx.base}/`);
  await ready(page);
  await pollUntil(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller)),
                  'the service worker controls the page');
  await pollUntil(() => page.evaluate(() => document.documentElement.dataset.offlineCopy),
                  'the service worker kept the directory');
  const health = await (await fetch(`${ctx.base}/api/health`)).json();
  const copy = await page.evaluate(async () => (await caches.match('/offline/directory.json')).json());
  assert.equal(copy.features.length, health.places, 'every place is in the copy');
  assert.equal(copy.built_at, health.built_at);
  const server = await serverAnswer('/api/places/lieux%3Afx-01');
  const kept = copy.features.find((f) => f.id === 'lieux:fx-01');
  for (const key of ['name', 'source', 'source_title', 'publisher', 'licence', 'source_date', 'opening_hours'])
    assert.deepEqual(kept.properties[key], server.properties[key], `the copy keeps ${key}`);

  /* A search made online, kept as the server answered it. */
  const online = await pageAnswer(page, '/api/places?q=pharmacie&f=json');
  assert.equal(online.offline, null);
  ctx.onlinePharmacies = online.body.places.map((p) => p.id);

  const caches = await cacheContents(page);
  assert.deepEqual(Object.keys(caches).sort(), ['another-app', 'geodir-api-v1', 'geodir-data-v1', 'geodir-shell-v1'],
                   'the older version\'s cache is deleted, another application\'s is not');
  for (const file of ['/index.html', '/app.js', '/style.css', '/vendor/leaflet/leaflet.js', '/demarche.html', '/form-page.js'])
    assert.ok(caches['geodir-shell-v1'].includes(file), `the shell keeps ${file}`);
  for (const p of ['/api/territory', '/api/categories', '/api/communes.geojson', '/api/forms', '/api/forms/signaler-erreur',
                   '/api/exports', '/api/forms?commune=55532'])
    assert.ok(caches['geodir-data-v1'].includes(p), `the data cache keeps ${p}`);
});

test('offline: the page reloads, says so, searches the copy like the server, opens a card', async () => {
  const page = ctx.page;
  await ctx.browser.setOffline(true);
  await page.reload();
  await ready(page);
  const banner = page.locator('#offline-banner');
  await banner.waitFor({ state: 'visible' });
  assert.equal(await banner.getAttribute('role'), 'status');
  assert.match(await banner.textContent(),
               /^Hors connexion\u00a0: résultats de la copie du \d{1,2} \S+ \d{4} à \d{1,2}\u00a0h\u00a0\d{2}\.$/);

  /* The page's own search, by text: the list shows what the server would have found. */
  const asked = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/places' &&
                                           new URL(r.url()).searchParams.get('q') === 'mairie');
  await page.fill('#q', 'mairie');
  await page.keyboard.press('Enter');
  const url = new URL((await asked).url());
  const expected = await serverAnswer(url.pathname + url.search);
  assert.ok(expected.features.length >= 1, `the server finds a mairie (${url.search})`);
  await pollUntil(() => page.evaluate((want) => {
    const shown = [...document.querySelectorAll('#results button.place')].map((b) => b.dataset.placeId).sort();
    return JSON.stringify(shown) === JSON.stringify(want);
  }, ids(expected).sort()), `the list shows ${ids(expected)}`);

  /* The queries the pages send, answered from the copy as the server answers them. */
  const queries = [
    ['/api/places?category=health&sort=name', 'order'],
    ['/api/places?commune=55532&sort=name', 'order'],
    ['/api/places?lat=48.93&lon=5.11&radius=5000', 'order'],
    ['/api/places?lat=48.93&lon=5.11&k=3', 'order'],
    ['/api/places?q=pharmcie', 'set'],
    ['/api/places?q=l%27epicerie', 'set'],
    ['/api/places?q=boulang&category=food-shop', 'set'],
    /* categories named by a synonym (the server's /api/categories synonyms, kept with the copy):
     * a word, a typo, a prefix being typed, a phrase, a top-level category by distance */
    ['/api/places?q=m%C3%A9decin', 'set'],
    ['/api/places?q=docteur&lat=48.93&lon=5.11', 'order'],
    ['/api/places?q=ecoles', 'set'],
    ['/api/places?q=boulang', 'set'],
    ['/api/places?q=cabinet%20m%C3%A9dical', 'set'],
    ['/api/places?q=sant%C3%A9&lat=48.93&lon=5.11', 'order'],
    ['/api/places?q=la', 'set'],
    ['/api/places?bbox=5.0,48.9,5.2,49.0&sort=name&limit=3', 'order'],
    /* « Je m'installe »: the nearest of a category, the places of a commune by distance */
    ['/api/places?lat=48.93&lon=5.11&category=pharmacy&k=3&sort=distance&limit=3', 'order'],
    ['/api/places?lat=48.93&lon=5.11&commune=55423&sort=distance&limit=50', 'order'],
  ];
  for (const [q, how] of queries) {
    const mine = await pageAnswer(page, q);
    const theirs = await serverAnswer(q);
    assert.equal(mine.status, 200, q);
    assert.equal(mine.offline, 'copy', `${q} comes from the copy`);
    assert.equal(mine.body.numberMatched, theirs.numberMatched, `${q}: numberMatched`);
    if (how === 'order')
      assert.deepEqual(ids(mine.body), ids(theirs), `${q}: the same places in the same order`);
    else
      assert.deepEqual(ids(mine.body).sort(), ids(theirs).sort(), `${q}: the same places`);
  }
  const kept = await pageAnswer(page, '/api/places?q=pharmacie&f=json');
  assert.equal(kept.offline, 'cache', 'the search made online is served as kept');
  assert.deepEqual(kept.body.places.map((p) => p.id), ctx.onlinePharmacies, 'the kept search, as the server answered it');
  assert.ok(kept.body.places.every((p) => 'open_state' in p && 'licence' in p));
  const open = await pageAnswer(page, '/api/places?open_now=true&sort=name');
  const openServer = await serverAnswer('/api/places?open_now=true&sort=name');
  assert.deepEqual(ids(open.body), ids(openServer), 'open now, from the copy\'s opening states');
  const suggested = await pageAnswer(page, '/api/autocomplete?q=pharm');
  assert.equal(suggested.offline, 'copy');
  assert.deepEqual(suggested.body.suggestions.map((s) => `${s.type} ${s.label}`),
                   ['category Pharmacie', 'place Pharmacie de l\'Aire (fictive)', 'place Pharmacie de la Chée (fictive)'],
                   'suggestions from the copy');
  /* Suggestions by synonym: the category it names, then its places, as the server suggests them
   * (the server's addresses and procedures aside: not suggested offline). */
  for (const q of ['docteur', 'm%C3%A9dec', 'poubelle', 'sant%C3%A9']) {
    const mine = await pageAnswer(page, `/api/autocomplete?q=${q}`);
    const theirs = await serverAnswer(`/api/autocomplete?q=${q}`);
    const shown = (a) => a.suggestions.filter((s) => !['address', 'procedure'].includes(s.type)).map((s) => `${s.type} ${s.label}`);
    assert.equal(mine.offline, 'copy', `autocomplete ${q} comes from the copy`);
    assert.deepEqual(shown(mine.body), shown(theirs), `autocomplete ${q}: the server's suggestions`);
  }
  assert.deepEqual((await pageAnswer(page, '/api/autocomplete?q=docteur')).body.suggestions.map((s) => `${s.type} ${s.label}`),
                   ['category Médecin généraliste', 'place Cabinet médical du Barrois (fictif)'], 'docteur suggests the doctors');
  const one = await pageAnswer(page, '/api/places/lieux%3Afx-13');
  assert.equal(one.body.properties.name, 'Pharmacie de la Chée (fictive)');
  assert.equal((await pageAnswer(page, '/api/places/lieux%3Anone')).status, 404);

  /* A card opens from the list, with its provenance and the copy's date. */
  await page.click('#results button.place');
  const card = page.locator('.place-card').first();      /* in a Leaflet popup or the place sheet */
  await card.waitFor({ state: 'visible' });
  await card.locator('.place-offline').waitFor();
  assert.match(await card.locator('.place-offline').textContent(), /^Hors connexion\u00a0: fiche de la copie du \d{1,2} /);
  assert.match(await card.textContent(), /Licence|licence/);
  await axeCheck(page, 'offline, a card open');
  await page.setViewportSize({ width: 360, height: 740 });
  const box = await banner.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 360, `the banner fits a 360 px screen (${box.x} + ${box.width})`);
  await axeCheck(page, 'offline, 360 px');
  await page.setViewportSize({ width: 1280, height: 860 });
});

test('a request filed offline waits on the device and is sent once when the network returns', async () => {
  const page = ctx.page;
  await fillReport(page, 'Fermé le lundi, affiché sur la porte.');
  assert.match(await page.textContent('#pending-note'), /hors connexion.*envoyée automatiquement dès le retour du réseau/s);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'pending-title');
  await axeCheck(page, 'offline, the request waiting');
  assert.equal(filedCount('signaler-erreur'), 0, 'nothing reached the server');

  await page.goto(`${ctx.base}/`);                  /* still offline: the map page names it */
  await ready(page);
  const link = page.locator('#offline-pending a');
  assert.equal(await link.getAttribute('href'), '/demarche.html?id=signaler-erreur');
  await axeCheck(page, 'offline, the map page naming the waiting request');
  await link.click();                               /* its page again: the request still waits */
  await ready(page);
  await page.waitForSelector('#pending-title');
  assert.equal(await page.locator('#offline-pending').count(), 0, 'not named on its own page');

  const posted = page.waitForResponse((r) => r.request().method() === 'POST' &&
                                             /\/api\/forms\/signaler-erreur\/submissions$/.test(r.url()));
  await ctx.browser.setOffline(false);
  assert.equal((await posted).status(), 201);
  await page.waitForSelector('#tracking-code');
  const code = (await page.textContent('#tracking-code')).trim();
  const token = (await page.getAttribute('#follow-link', 'href')).split('/').pop();
  const r = await fetch(`${ctx.base}/api/requests/${code}/${token}`);
  assert.equal(r.status, 200, 'the server has the request');
  assert.equal(filedCount('signaler-erreur'), 1);
  assert.equal(await page.evaluate(() => localStorage.getItem('geodir-outbox:signaler-erreur')), null,
               'the queue is empty once the server acknowledged');
  await axeCheck(page, 'the receipt after the network returned');
  await page.reload();
  await page.waitForSelector('#tracking-code');
  assert.equal(filedCount('signaler-erreur'), 1, 'sent once');
});

test('a queued request of unknown outcome waits for the resident; the server\'s refusal is shown', async () => {
  const page = ctx.page;
  await page.evaluate(() => sessionStorage.clear());
  await ctx.browser.setOffline(true);
  await fillReport(page, 'Le numéro de téléphone a changé.');
  await page.evaluate(() => {
    const key = 'geodir-outbox:signaler-erreur';
    const entry = JSON.parse(localStorage.getItem(key));
    entry.values.probleme = 'pas-une-option';
    entry.sending = new Date().toISOString();     /* as if the page had closed during its POST */
    localStorage.setItem(key, JSON.stringify(entry));
  });
  let posts = 0;
  const countPosts = (r) => { if (r.method() === 'POST' && /\/submissions$/.test(r.url())) posts++; };
  page.on('request', countPosts);
  await ctx.browser.setOffline(false);
  await page.reload();
  await ready(page);
  await page.waitForSelector('#pending-unknown');
  assert.equal(posts, 0, 'a sending of unknown outcome is not sent again by itself');
  assert.match(await page.textContent('#pending-unknown'), /est peut-être déjà arrivée/);
  await axeCheck(page, 'a sending of unknown outcome');
  await page.click('#send-now');                   /* the resident decides */
  await page.waitForSelector('#error-summary:not([hidden])');
  page.off('request', countPosts);
  assert.equal(posts, 1);
  assert.match(await page.textContent('#error-summary'), /Qu'est-ce qui est faux \? : Choisissez l'une des options proposées/);
  assert.equal(await page.evaluate(() => localStorage.getItem('geodir-outbox:signaler-erreur')), null);
  assert.equal(filedCount('signaler-erreur'), 1, 'nothing more stored');
  await axeCheck(page, 'the server\'s refusal of a queued request');
});

test('nothing personal is cached', async () => {
  const page = ctx.page;
  await page.goto(`${ctx.base}/demarche.html?id=signaler-erreur`);
  await ready(page);
  await pageAnswer(page, '/api/search/?q=rue%20de%20l%27eglise%20vaubecourt');
  await page.goto(`${ctx.base}/`);
  await ready(page);
  await pageAnswer(page, '/api/search/?q=grande%20rue');
  const api = (await cacheContents(page))['geodir-api-v1'];
  assert.ok(api.some((k) => k.startsWith('/api/search/?q=grande')), 'the map page\'s geocoding is kept');
  assert.ok(!api.some((k) => k.includes('eglise')), 'an address typed on a procedure page is not kept');
  const all = Object.entries(await cacheContents(ctx.page)).flatMap(([name, keys]) => keys.map((k) => `${name} ${k}`));
  const personal = all.filter((k) => /\/api\/(requests|bo)\/|\/bo\/|csrf|submissions/.test(k));
  assert.deepEqual(personal, []);
  /* Expected: /api/health is never kept (no-store), and the test's own 404 and refused request. */
  const expected = [/ERR_INTERNET_DISCONNECTED \(http:[^)]*\/api\/health\)$/, /404 .*lieux%3Anone\)$/,
                    /400 .*\/api\/forms\/signaler-erreur\/submissions\)$/];
  assert.deepEqual(ctx.errors.filter((e) => !expected.some((re) => re.test(e))), [], 'errors logged by the page');
});

/* --- the worker's rules under Node (no browser: its caches and fetch stood in for) ------------ */

/* sw.js in a vm: { fire(event), caches (Map name -> Map url -> Response), answers (url -> init) }. */
function loadWorker() {
  const origin = 'http://sw.test';
  const store = new Map();
  const keyOf = (k) => new URL(typeof k === 'string' ? k : k.url, origin).href;
  const open = async (name) => {
    if (!store.has(name))
      store.set(name, new Map());
    const m = store.get(name);
    return {
      put: async (k, r) => { m.delete(keyOf(k)); m.set(keyOf(k), r); },
      match: async (k) => (m.has(keyOf(k)) ? m.get(keyOf(k)).clone() : undefined),
      keys: async () => [...m.keys()].map((url) => ({ url })),
      delete: async (k) => m.delete(keyOf(k)),
    };
  };
  const cachesApi = {
    open, keys: async () => [...store.keys()], delete: async (n) => store.delete(n),
    match: async (k, { cacheName } = {}) => {
      for (const [name, m] of store)
        if ((!cacheName || name === cacheName) && m.has(keyOf(k)))
          return m.get(keyOf(k)).clone();
      return undefined;
    },
  };
  const answers = new Map();      /* path -> { body, headers } the network gives */
  const handlers = {};
  const self = {
    location: { origin }, clients: { get: async () => null, claim: async () => {} },
    skipWaiting: async () => {}, addEventListener: (type, fn) => { handlers[type] = fn; },
  };
  const sandbox = {
    self, caches: cachesApi, URL, URLSearchParams, Response, Request, Headers, Promise, setTimeout, Date, JSON, Math,
    fetch: async (req) => {
      const url = new URL(typeof req === 'string' ? req : req.url, origin);
      const a = answers.get(url.pathname + url.search);
      if (!a)
        throw new TypeError('network error');
      return new Response(a.body, { status: 200, headers: a.headers });
    },
  };
  sandbox.importScripts = (p) => vm.runInContext(fs.readFileSync(path.join(SOURCE_DIR, 'map-ui', p.replace(/^\//, '')), 'utf8'), sandbox);
  vm.createContext(sandbox);
  vm.runInContext(fs.readFileSync(path.join(SOURCE_DIR, 'map-ui', 'sw.js'), 'utf8'), sandbox);
  /* One fetch event: the promise given to respondWith (settled, with the cache written), or null. */
  const fire = async (url, method = 'GET') => {
    let answer = null;
    const waits = [];
    handlers.fetch({ request: new Request(origin + url, { method }), clientId: '', resultingClientId: '',
                     respondWith: (p) => { answer = p; }, waitUntil: (p) => waits.push(p) });
    if (!answer)
      return null;
    const r = await answer;
    await Promise.all(waits);
    return r;
  };
  const cached = (name) => [...(store.get(name) || new Map()).keys()].map((u) => u.slice(origin.length));
  return { fire, cached, answers };
}

test('the worker keeps what it may, and only that (sw.js under Node)', async () => {
  const w = loadWorker();
  const json = (cc) => ({ body: '{"ok":true}', headers: { 'Content-Type': 'application/json', 'Cache-Control': cc } });
  w.answers.set('/api/places?q=a', json('public, max-age=60'));
  w.answers.set('/api/places?q=b', json('no-store'));
  w.answers.set('/api/territory', json('private, No-Store'));
  assert.equal((await w.fire('/api/places?q=a')).status, 200);
  assert.equal((await w.fire('/api/places?q=b')).status, 200, 'a no-store answer still reaches the page');
  assert.equal((await w.fire('/api/territory')).status, 200);
  assert.deepEqual(w.cached('geodir-api-v1'), ['/api/places?q=a'], 'no-store answers are not kept');

  for (const url of ['/api/requests/ABCDEFGH/tok', '/api/bo/me', '/bo/index.html', '/api/forms/csrf',
                     '/api/health', '/data/places.gpkg', '/api/export?format=csv'])
    assert.equal(await w.fire(url), null, `${url} is left to the browser`);
  assert.equal(await w.fire('/api/forms/x/submissions', 'POST'), null, 'a POST is left to the browser');
  assert.equal(await w.fire('/api/places?q=a', 'POST'), null);

  for (let i = 0; i < 125; i++) {
    w.answers.set(`/api/places?q=n${i}`, json('public, max-age=60'));
    await w.fire(`/api/places?q=n${i}`);
  }
  const kept = w.cached('geodir-api-v1');
  assert.equal(kept.length, 120, 'the API cache keeps the newest 120 answers');
  assert.ok(kept.includes('/api/places?q=n124') && !kept.includes('/api/places?q=a'), 'the oldest go first');

  const offline = await w.fire('/api/places?q=nothing-kept');
  assert.equal(offline.status, 503, 'no network, no copy: a 503 in JSON');
  assert.equal((await offline.json()).code, 'Offline');
});
