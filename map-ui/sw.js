/*
 * sw.js — the service worker of the resident's pages (scope /; registered by offline.js): keeps
 * what the pages need so that they work in the territory's white zones (map-ui/README.md,
 * « Hors connexion »).
 *
 * - The page shell (HTML, modules, CSS, Leaflet, icons): network first, the cached copy when the
 *   network fails; a fixed list is fetched at install, and every page, once controlled, names the
 *   files it loaded (message "warm") so that files added later are kept too.
 * - Same-origin GET /api/ answers: network first, the cached answer when the network fails (the
 *   last searches, the territory, categories, communes, the forms' definitions); the cache keeps
 *   the newest API_ENTRIES answers. A cached place answer has its opening states aged (a state
 *   past its next_change is unknown); one filtered by open_now/open_at is computed again from
 *   the directory instead (the places open now are not those open then).
 * - The directory: every place of /api/places (paged, sort=name, the full properties with their
 *   source, publisher, licence and date), the categories with their search synonyms (from
 *   /api/categories: the offline search names categories by them) and the reference answers (territory, categories,
 *   communes, exports list, the forms, each definition, the forms of each commune), refreshed when the database build changes or the copy
 *   is older than DIRECTORY_MAX_AGE_MS (message "refresh"). Without a network, /api/places,
 *   /api/places/{id} and /api/autocomplete not in the cache are answered from it
 *   (offline-search.js), in the server's shape.
 * - Never cached: anything but GET, other origins, the back office (/bo/, /api/bo/), the
 *   follow-up of a request (/api/requests/, personal data), the CSRF token, downloads (/data/,
 *   /api/export), the geocoding asked by the procedure pages (an address the resident typed),
 *   pages that are not static files (/ogc/, /catalog), and any answer that says
 *   Cache-Control: no-store.
 * When an answer comes from the copy, the page that asked is told (message "offline" with the
 * copy's date) and shows its banner. Caches are named with VERSION; activate deletes the others.
 */
/* global offlinePlaces, offlinePlace, offlineSuggestions, offlineAgeAnswer */
'use strict';

importScripts('/offline-search.js');

const VERSION = 'v1';
const SHELL_CACHE = `geodir-shell-${VERSION}`;
const API_CACHE = `geodir-api-${VERSION}`;
const DATA_CACHE = `geodir-data-${VERSION}`;
const DIRECTORY_KEY = '/offline/directory.json';     /* a key only: the server has no such file */
const META_KEY = '/offline/meta.json';
const API_ENTRIES = 120;
const NETWORK_TIMEOUT_MS = 8000;
const DIRECTORY_MAX_AGE_MS = 12 * 3600 * 1000;
const DIRECTORY_MAX_PLACES = 20000;
const PAGE_SIZE = 500;
const DIRECTORY_FORMAT = 2;      /* 2: with the categories and their synonyms; a copy of another is fetched again */

const SHELL = [
  '/', '/index.html', '/style.css', '/opendata.css', '/forms.css', '/favicon.svg',
  '/app.js', '/api.js', '/combobox.js', '/dom.js', '/format.js', '/map.js', '/opendata.js',
  '/offline.js', '/offline.css', '/offline-search.js',
  '/demarches.html', '/demarches.js', '/demarche.html', '/form-page.js', '/form-render.js',
  '/form-model.js', '/form-draft.js', '/forms-api.js', '/site.js', '/suivi.html', '/suivi.js',
  /* the resident's pages (« je m'installe », communes); a file missing is skipped */
  '/je-m-installe', '/communes', '/installation.html', '/installation.js', '/commune.html',
  '/commune.js', '/communes.html', '/communes.js', '/resident.js', '/resident.css',
  '/place-card.js', '/share.js', '/list-pager.js', '/place-stream.js', '/cluster.css',
  /* daily life (docs/vie-locale.md §7): agenda, news, the alert banner of every page */
  '/agenda', '/actualites', '/agenda.html', '/agenda.js', '/actualites.html', '/actualites.js',
  '/alerts.js', '/life.js', '/life.css',
  '/vendor/supercluster/supercluster.min.js',
  '/vendor/leaflet/leaflet-src.esm.js', '/vendor/leaflet/leaflet.js', '/vendor/leaflet/leaflet.css',
  '/vendor/leaflet/images/marker-icon.png', '/vendor/leaflet/images/marker-icon-2x.png',
  '/vendor/leaflet/images/marker-shadow.png', '/vendor/leaflet/images/layers.png',
];
/* The API answers the directory's pages need besides the places (the page asks for them at start). */
const DATA_URLS = ['/api/territory', '/api/categories', '/api/communes', '/api/communes.geojson', '/api/forms', '/api/exports'];

/* The shell: the page's static files, and the pages the resident opened (navigations); other
 * requests outside /api/ (the /ogc/ and /catalog documents a page fetches) are not kept. */
const SHELL_FILE = /^\/(?:[A-Za-z0-9_./-]*\.(?:html|js|css|svg|png|ico|woff2))?$/;

/* Paths never cached (personal data, tokens, downloads; /favicon.ico, which the site does not
 * have, is the browser's own guess: left to it, its 404 stays out of the page's console). */
function neverCached(url) {
  return /^\/(bo\/|api\/bo\/|api\/requests\/|data\/|offline\/)/.test(url.pathname) ||
         ['/bo', '/api/health', '/api/export', '/api/forms/csrf', '/favicon.ico'].includes(url.pathname);
}

/* A whole, successful answer that its server lets us keep (an opaque one has status 0). */
function storable(response) {
  return Boolean(response) && response.status === 200 &&
         !/no-store/i.test(response.headers.get('Cache-Control') || '');
}

/* The key of a shell file or page: its path alone (the pages read their query string
 * themselves: /je-m-installe?…, /commune/55532?…); the /ogc/ and /catalog documents, whose
 * content depends on the query, under their whole address. */
function shellKey(url) {
  if (/^\/(ogc|catalog)/.test(url.pathname))
    return url.href;
  return new URL(url.pathname === '/' ? '/index.html' : url.pathname, url.origin).href;
}

async function put(cacheName, key, response) {
  const cache = await caches.open(cacheName);
  await cache.put(key, response);
  if (cacheName === API_CACHE) {
    const keys = await cache.keys();
    for (const old of keys.slice(0, Math.max(keys.length - API_ENTRIES, 0)))
      await cache.delete(old);
  }
}

/* Fetches request; keeps a storable answer under key. Rejects on a network failure or after
 * NETWORK_TIMEOUT_MS (the fetch goes on and still fills the cache). */
function networkFirst(request, cacheName, key) {
  const network = fetch(request).then(async (response) => {
    if (storable(response))
      await put(cacheName, key, response.clone());
    return response;
  });
  const timeout = new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error('timeout')), NETWORK_TIMEOUT_MS);
  });
  network.catch(() => {});
  return Promise.race([network, timeout]);
}

async function readMeta() {
  const r = await caches.match(META_KEY, { cacheName: DATA_CACHE });
  return r ? r.json() : null;
}

async function tellOffline(clientId) {
  const meta = await readMeta();
  const client = clientId ? await self.clients.get(clientId) : null;
  if (client)
    client.postMessage({ type: 'offline', date: meta ? meta.fetched_at : null });
}

/* An answer made here: X-Geodir-Offline says `cache` (a kept server answer, its opening states
 * aged) or `copy` (computed from the directory). */
function jsonResponse(body, status = 200, type = 'application/json; charset=utf-8', from = 'copy') {
  return new Response(JSON.stringify(body), {
    status, headers: { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Geodir-Offline': from },
  });
}

/* The copy of the directory, parsed once while the worker lives (a few MB at most). */
let directoryMemo = null;
async function readDirectory() {
  const meta = await readMeta();
  if (!meta)
    return null;
  if (!directoryMemo || directoryMemo.fetched_at !== meta.fetched_at) {
    const stored = await caches.match(DIRECTORY_KEY, { cacheName: DATA_CACHE });
    directoryMemo = stored ? await stored.json() : null;
  }
  return directoryMemo;
}

/* An /api/ GET the network could not answer: the cached answer, else the directory's. */
async function apiFallback(request, url) {
  /* by the request itself: the server's Vary (Accept) tells GeoJSON and JSON answers apart */
  const cached = await caches.match(request, { cacheName: API_CACHE }) ||
                 await caches.match(request, { cacheName: DATA_CACHE });
  const places = /^\/api\/places(\/|$)/.test(url.pathname);
  const timed = url.searchParams.has('open_now') || url.searchParams.has('open_at');
  if (cached && !places)
    return cached;
  if (cached && !timed)                       /* the server's answer, its opening states aged */
    return jsonResponse(offlineAgeAnswer(await cached.json()), 200, cached.headers.get('Content-Type') || undefined, 'cache');
  const directory = await readDirectory();
  if (!directory)
    return jsonResponse({ code: 'Offline', error: 'Hors connexion : cette information n’a pas été gardée sur cet appareil.' }, 503);
  if (url.pathname === '/api/places') {
    const body = offlinePlaces(directory, url.searchParams, directory.search);
    return jsonResponse(body, 200, body.places ? undefined : 'application/geo+json');
  }
  const one = /^\/api\/places\/([^/]+)$/.exec(url.pathname);
  if (one) {
    const f = offlinePlace(directory, decodeURIComponent(one[1]));
    return f ? jsonResponse(f, 200, 'application/geo+json')
      : jsonResponse({ code: 'NotFound', error: 'Lieu inconnu de la copie hors connexion.' }, 404);
  }
  if (url.pathname === '/api/autocomplete')
    return jsonResponse(offlineSuggestions(directory, url.searchParams));
  return jsonResponse({ code: 'Offline', error: 'Hors connexion : cette information n’a pas été gardée sur cet appareil.' }, 503);
}

async function handleApi(event, url) {
  try {
    return await networkFirst(event.request, API_CACHE, event.request);
  } catch {
    const answer = await apiFallback(event.request, url);
    if (answer.status === 200)
      event.waitUntil(tellOffline(event.clientId || event.resultingClientId));
    return answer;
  }
}

async function handleShell(event, url) {
  const key = shellKey(url);
  try {
    return await networkFirst(event.request, SHELL_CACHE, key);
  } catch (e) {
    const cached = await caches.match(key, { cacheName: SHELL_CACHE });
    if (cached)
      return cached;
    throw e;
  }
}

/* Geocoding asked by a procedure page carries an address the resident typed: not kept. */
async function fromFormPage(event) {
  const client = event.clientId ? await self.clients.get(event.clientId) : null;
  return Boolean(client && /^\/(demarche|suivi)\.html$/.test(new URL(client.url).pathname));
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || neverCached(url))
    return;                                   /* the browser's own handling, nothing kept */
  if (/^\/api\/(search|reverse)\//.test(url.pathname))
    event.respondWith(fromFormPage(event).then((mine) => (mine ? fetch(event.request) : handleApi(event, url))));
  else if (url.pathname.startsWith('/api/'))
    event.respondWith(handleApi(event, url));
  else if (SHELL_FILE.test(url.pathname) || event.request.mode === 'navigate')
    event.respondWith(handleShell(event, url));
});

/* --- the shell and the directory, kept ahead ------------------------------------------------ */

/* Runs fn on every item, four at a time (the browser holds six connections to the server). */
async function fourAtATime(items, fn) {
  const todo = items.slice();
  const runner = async () => {
    for (let item = todo.shift(); item !== undefined; item = todo.shift())
      await fn(item);
  };
  await Promise.all([runner(), runner(), runner(), runner()]);
}

/* Fetches url and keeps a storable answer under key in cacheName; an answer not kept has its
 * body cancelled (an unread body holds its connection: six of them stalled the install). */
async function keep(url, init, cacheName, key) {
  try {
    const response = await fetch(url, init);
    if (storable(response))
      await put(cacheName, key, response);
    else if (response.body)
      await response.body.cancel();
  } catch {
    /* fetched again at the next visit or refresh */
  }
}

/* Keeps the static files of paths, and the pages of `pages` (the fixed list, the page that
 * reports), unless kept already. */
async function warm(paths, pages = []) {
  const cache = await caches.open(SHELL_CACHE);
  await fourAtATime(paths.concat(pages), async (path) => {
    const url = new URL(path, self.location.origin);
    if (url.origin !== self.location.origin || neverCached(url) ||
        !(SHELL_FILE.test(url.pathname) || pages.includes(path)) || await cache.match(shellKey(url)))
      return;                                 /* kept already: refreshed when the page asks for it */
    await keep(url.href, { cache: 'no-cache' }, SHELL_CACHE, shellKey(url));
  });
}

/* The parsed answer of a GET that must succeed (a refusal's body is cancelled, then thrown). */
async function fetchJsonOk(path) {
  const response = await fetch(path, { headers: { Accept: 'application/geo+json, application/json' } });
  if (!response.ok) {
    if (response.body)
      await response.body.cancel();
    throw new Error(`${path}: ${response.status}`);
  }
  return response.json();
}

/* Every place, page by page (the next links of docs/api.md §Paging). */
async function fetchDirectory() {
  const features = [];
  let next = `/api/places?sort=name&limit=${PAGE_SIZE}`;
  while (next && features.length < DIRECTORY_MAX_PLACES) {
    const body = await fetchJsonOk(next);
    features.push(...(body.features || []));
    const link = (body.links || []).find((l) => l.rel === 'next');
    next = link ? link.href : null;
  }
  return features.map((f) => {
    const { distance_m, score, ...properties } = f.properties;   /* eslint-disable-line no-unused-vars */
    return { type: 'Feature', id: f.id, geometry: f.geometry, properties };
  });
}

/* The answer of /api/categories as the copy keeps it: the top-level labels (the facets), and
 * every category flat with its parent and the synonyms the server publishes (offline-search.js
 * names categories with them as the server does). */
function flatCategories(categories) {
  const labels = {};
  const flat = [];
  for (const top of categories.categories || []) {
    labels[top.code] = top.label;
    flat.push({ code: top.code, label: top.label, parent: null, synonyms: top.synonyms || [] });
    for (const c of top.children || [])
      flat.push({ code: c.code, label: c.label, parent: top.code, synonyms: c.synonyms || [] });
  }
  return { labels, flat };
}

/* The copy of the directory and its companions, unless the one kept is of the same build and
 * recent. One refresh at a time. */
let refreshing = null;
async function refresh() {
  const health = await fetchJsonOk('/api/health').catch(() => null);
  if (!health)
    return;                                   /* offline: keep the copy */
  const meta = await readMeta();
  if (meta && meta.format === DIRECTORY_FORMAT && meta.built_at === health.built_at && Date.now() - Date.parse(meta.fetched_at) < DIRECTORY_MAX_AGE_MS)
    return;
  const [territory, categories] = await Promise.all(['/api/territory', '/api/categories'].map(fetchJsonOk));
  const { labels, flat } = flatCategories(categories);
  const features = await fetchDirectory();
  const fetchedAt = new Date().toISOString();
  const directory = { fetched_at: fetchedAt, built_at: health.built_at, search: territory.search || {}, labels,
                      categories: flat, features };
  const text = JSON.stringify(directory);
  const data = await caches.open(DATA_CACHE);
  await data.put(DIRECTORY_KEY, new Response(text, { headers: { 'Content-Type': 'application/json' } }));
  await data.put(META_KEY, new Response(JSON.stringify({ format: DIRECTORY_FORMAT, fetched_at: fetchedAt, built_at: health.built_at,
    places: features.length, bytes: text.length }), { headers: { 'Content-Type': 'application/json' } }));
  await cacheApi(DATA_URLS);
  const forms = await caches.match('/api/forms', { cacheName: DATA_CACHE, ignoreVary: true }).then((r) => (r ? r.json() : {})).catch(() => ({}));
  const list = Array.isArray(forms) ? forms : (forms.forms || []);
  const insee = new Set(features.map((f) => f.properties.insee).filter(Boolean));
  for (const c of Array.isArray(territory.communes) ? territory.communes : [])
    insee.add(typeof c === 'string' ? c : c && c.insee);
  insee.delete(undefined);
  await cacheApi([...list.map((f) => `/api/forms/${encodeURIComponent(f.id)}`),
                  ...(list.length ? [...insee].map((c) => `/api/forms?commune=${encodeURIComponent(c)}`) : [])]);
}

/* The reference answers kept with the directory (not bounded like the last searches). */
async function cacheApi(paths) {
  await fourAtATime(paths, async (path) => {
    const request = new Request(new URL(path, self.location.origin).href, { headers: { Accept: 'application/json' } });
    await keep(request, {}, DATA_CACHE, request);
  });
}

self.addEventListener('message', (event) => {
  const msg = event.data || {};
  if (msg.type === 'warm' && Array.isArray(msg.paths)) {
    event.waitUntil(warm(msg.paths.slice(0, 200), typeof msg.page === 'string' ? [msg.page] : []));
  } else if (msg.type === 'refresh') {
    if (!refreshing)
      refreshing = refresh().catch(() => {}).finally(() => { refreshing = null; });
    event.waitUntil(refreshing.then(async () => {
      if (event.source)
        event.source.postMessage({ type: 'refreshed', meta: await readMeta() });
    }));
  }
});

self.addEventListener('install', (event) => {
  event.waitUntil(warm([], SHELL).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  const mine = [SHELL_CACHE, API_CACHE, DATA_CACHE];
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith('geodir-') && !mine.includes(n)).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});
