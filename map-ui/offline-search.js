/*
 * offline-search.js — the place search of the service worker (sw.js) without a network: it
 * answers GET /api/places, /api/places/{id} and /api/autocomplete from the copy of the directory
 * the service worker keeps, in the server's JSON shape (docs/api.md), so that the page code does
 * not change. Loaded by importScripts() (a classic script: module service workers are not in
 * every browser); pure functions over plain objects, no DOM, no Cache API.
 *
 * The text finds what the server's finds (docs/api.md): the places whose name holds every word
 * (the last one as a prefix; one typo in words of 5 letters or more), then the places of the
 * categories the text names by their label or a synonym — the rule of
 * geoapi/search/api_synonyms.h, over the synonyms the server publishes in /api/categories
 * (kept with the copy as directory.categories: no list of its own here).
 * What differs, on purpose and said in map-ui/README.md: relevance is those two tiers, then
 * distance or name (no text score); opening states are those of the copy, kept while they still
 * hold (before their next_change), else « unknown »; cursors are plain offsets.
 */
/* exported offlinePlaces, offlinePlace, offlineSuggestions, offlineAgeAnswer */
'use strict';

const OFFLINE_EARTH_RADIUS_M = 6371008.8;
const OFFLINE_TYPO_MIN = 5;          /* characters from which a word may have one typo */
const OFFLINE_SYN_PREFIX_MIN = 4;    /* ... from which the word being typed names by its start */
const OFFLINE_ELISION = /(^|[^a-z0-9])(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’ʼ](?=[a-z0-9])/g;

/* Lower case, no accents, œ/æ spelt out, French elisions dropped: the words of text. */
function offlineWords(text) {
  const folded = String(text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/œ/g, 'oe').replace(/æ/g, 'ae').replace(OFFLINE_ELISION, '$1 ');
  return folded.split(/[^a-z0-9]+/).filter(Boolean);
}

/* 1 when a and b are at most one edit apart (a letter missing, added, replaced, two swapped). */
function offlineOneEdit(a, b) {
  if (Math.abs(a.length - b.length) > 1)
    return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i])
    i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1))
      return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/* word found in hay: equal, or (prefix) the start of a word, or one edit away from it (words of
 * 5 letters or more; as a prefix, from a start of the word one letter shorter, as long or longer). */
function offlineWordMatches(word, hay, prefix) {
  const typo = (w) => offlineOneEdit(word, w) || (prefix && [-1, 0, 1].some((n) => offlineOneEdit(word, w.slice(0, word.length + n))));
  return hay.some((w) => w === word || (prefix && w.startsWith(word)) || (word.length >= OFFLINE_TYPO_MIN && typo(w)));
}

/* How the query's words are found in hay (api_text_match): 2 each as it is (the last one as a
 * prefix), 1 with typos, 0 not. */
function offlineHayMatch(query, hay) {
  const last = query.words.length - 1;
  const as = (typo) => query.words.length > 0 && query.words.every((w, i) => (typo
    ? offlineWordMatches(w, hay, query.prefix && i === last)
    : hay.some((h) => h === w || (query.prefix && i === last && h.startsWith(w)))));
  return as(false) ? 2 : (as(true) ? 1 : 0);
}

/* How word i of the query matches a word of term (api_synonyms.h): 2 the same, 1 one edit
 * away (5 letters or more) or, being typed, the start of a longer one (4 letters or more). */
function offlineTermWord(query, i, term) {
  const w = query.words[i];
  const prefix = query.prefix && i === query.words.length - 1 && w.length >= OFFLINE_SYN_PREFIX_MIN;
  let best = 0;
  for (const t of term) {
    if (t === w)
      return 2;
    if ((w.length >= OFFLINE_TYPO_MIN && offlineOneEdit(w, t)) || (prefix && t.length > w.length && t.startsWith(w)))
      best = 1;
  }
  return best;
}

/* How the query names a term (its folded words): each word of the query a word of the term,
 * the worst of them (2, 1), and one word of 3 letters or more; else 0. */
function offlineTermMatch(query, term) {
  let m = 2;
  for (let i = 0; i < query.words.length && m > 0; i++)
    m = Math.min(m, offlineTermWord(query, i, term));
  return query.words.some((w) => w.length >= 3) ? m : 0;
}

/* The categories of a copy kept without them: the top-level labels and the places' own. */
function offlineCategoriesOfPlaces(directory) {
  const list = new Map(Object.entries(directory.labels || {}).map(([code, label]) => [code, { code, label }]));
  for (const { properties: p } of directory.features)
    if (p.category && !list.has(p.category))
      list.set(p.category, { code: p.category, label: p.category_label || p.category, parent: p.parent_category });
  return [...list.values()];
}

/* The categories of the copy, flat, with the folded words of their label and synonyms:
 * [{ code, label, parent, terms }] in the order of /api/categories, computed once per copy. A
 * copy kept before /api/categories had synonyms names its categories by their label only. */
const offlineCategoryCache = new WeakMap();
function offlineCategories(directory) {
  let cats = offlineCategoryCache.get(directory);
  if (!cats) {
    cats = (directory.categories || offlineCategoriesOfPlaces(directory)).map((c) => ({ code: c.code, label: c.label, parent: c.parent || null,
      terms: [c.label, ...(c.synonyms || [])].map(offlineWords).filter((t) => t.length > 0) }));
    offlineCategoryCache.set(directory, cats);
  }
  return cats;
}

/* The categories the query names: Map code → 2 (word for word) or 1 (a typo or a prefix). */
function offlineNamed(directory, query) {
  const named = new Map();
  for (const c of offlineCategories(directory)) {
    const m = Math.max(0, ...c.terms.map((t) => offlineTermMatch(query, t)));
    if (m > 0)
      named.set(c.code, m);
  }
  return named;
}

/* { words, prefix } of a q value: the last word is a prefix unless q ends with a space. */
function offlineQuery(q) {
  const words = offlineWords(q);
  return { words, prefix: !/\s$/.test(q) && words.length > 0 && words[words.length - 1].length >= 2 };
}

/* The folded words of a place's name, computed once per feature of the copy (the worker keeps
 * the parsed copy while it lives): { name, key (sort key) }. */
const offlineWordCache = new WeakMap();
function offlineIndex(feature) {
  let w = offlineWordCache.get(feature);
  if (!w) {
    const name = offlineWords(feature.properties.name);
    w = { name, key: name.join(' ') };
    offlineWordCache.set(feature, w);
  }
  return w;
}

/* 2: the name holds every word; 1: a place of a category the text names (named, with a
 * top-level category's children); 0: neither. */
function offlineTextRank(query, named, feature) {
  if (offlineHayMatch(query, offlineIndex(feature).name) > 0)
    return 2;
  const p = feature.properties;
  return named.has(p.category) || named.has(p.parent_category) ? 1 : 0;
}

function offlineDistance(lat1, lon1, lat2, lon2) {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * OFFLINE_EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/* Properties p (changed in place) as of now: an opening state is kept while it still holds
 * (before its next_change), else unknown. */
function offlineAge(p, now) {
  if (p && p.open_state && p.next_change && Date.parse(p.next_change) <= now) {
    p.open_state = 'unknown';
    p.next_change = null;
    p.next_state = null;
  }
  return p;
}

/* A cached /api/places or /api/places/{id} answer (GeoJSON or f=json) as of now. */
function offlineAgeAnswer(body, now = Date.now()) {
  if (body && Array.isArray(body.features))
    body.features.forEach((f) => offlineAge(f.properties, now));
  else if (body && Array.isArray(body.places))
    body.places.forEach((p) => offlineAge(p, now));
  else if (body && body.properties)
    offlineAge(body.properties, now);
  return body;
}

/* The properties of a place as of now: the copy's opening state while it still holds. */
function offlineProps(feature, now) {
  const p = offlineAge({ ...feature.properties }, now);
  delete p.distance_m;
  delete p.score;
  return p;
}

function offlineNumber(params, name) {
  const v = params.get(name);
  return v === null || v === '' || !Number.isFinite(Number(v)) ? null : Number(v);
}

function offlineList(params, name) {
  const v = params.get(name);
  return v ? v.split(',').filter(Boolean) : [];
}

/* The criteria of a /api/places query string (docs/api.md), read leniently. */
function offlineCriteria(params, search) {
  const c = {
    lat: offlineNumber(params, 'lat'), lon: offlineNumber(params, 'lon'),
    radius: offlineNumber(params, 'radius'), k: offlineNumber(params, 'k'),
    bbox: offlineList(params, 'bbox').map(Number), q: params.get('q') || '',
    category: offlineList(params, 'category'), commune: offlineList(params, 'commune'),
    openNow: /^(true|1|yes)$/.test(params.get('open_now') || '') || params.has('open_at'),
    facets: offlineList(params, 'facets'), json: params.get('f') === 'json',
    properties: offlineList(params, 'properties'),
    limit: Math.min(Math.max(offlineNumber(params, 'limit') || search.default_limit || 50, 1), search.max_limit || 500),
    offset: Math.max(Number(String(params.get('cursor') || '').replace(/^offline-/, '')) || 0, 0),
  };
  c.point = c.lat !== null && c.lon !== null;
  if (c.point && c.radius === null && !c.q && c.bbox.length !== 4 && c.k === null)
    c.radius = search.default_radius || 10000;
  c.sort = params.get('sort') || (c.q ? 'relevance' : (c.point ? 'distance' : 'name'));
  return c;
}

/* Every criterion but the one named by skip ('category', 'commune' for the facets). */
function offlinePasses(c, p, coords, skip) {
  if (skip !== 'category' && c.category.length &&
      !c.category.includes(p.category) && !c.category.includes(p.parent_category))
    return false;
  if (skip !== 'commune' && c.commune.length && !c.commune.includes(p.insee))
    return false;
  if (c.openNow && p.open_state !== 'open')
    return false;
  if (c.bbox.length === 4 && !(coords[0] >= c.bbox[0] && coords[0] <= c.bbox[2] &&
                               coords[1] >= c.bbox[1] && coords[1] <= c.bbox[3]))
    return false;
  return true;
}

/* The matching places as [{ f, p, d, rank }] in the answer's order, before k and paging. */
function offlineMatches(directory, c, now, skip = '') {
  const query = c.q ? offlineQuery(c.q) : null;
  const named = query ? offlineNamed(directory, query) : null;
  const out = [];
  for (const f of directory.features) {
    const coords = f.geometry && f.geometry.coordinates;
    if (!Array.isArray(coords))
      continue;
    const rank = query ? offlineTextRank(query, named, f) : 2;
    if (rank === 0)
      continue;
    const p = offlineProps(f, now);
    if (!offlinePasses(c, p, coords, skip))
      continue;
    const d = c.point ? offlineDistance(c.lat, c.lon, coords[1], coords[0]) : null;
    if (c.radius !== null && d !== null && d > c.radius)
      continue;
    out.push({ f, p, d, rank, name: offlineIndex(f).key });
  }
  const byId = (a, b) => (String(a.f.id) < String(b.f.id) ? -1 : 1);
  const byName = (a, b) => (a.name < b.name ? -1 : (a.name > b.name ? 1 : byId(a, b)));
  const byDistance = (a, b) => (a.d - b.d) || byName(a, b);
  /* the named categories' places: by proximity alone, ties by id, as the server ranks them */
  const byProximity = (a, b) => (c.point ? a.d - b.d : 0) || byId(a, b);
  if (c.sort === 'relevance')
    out.sort((a, b) => (b.rank - a.rank) || (a.rank === 1 ? byProximity : (c.point ? byDistance : byName))(a, b));
  else
    out.sort(c.sort === 'distance' && c.point ? byDistance : byName);
  if (c.k !== null && c.point)
    return out.sort(byDistance).slice(0, c.k);
  return out;
}

/* The facets of docs/api.md (each ignoring its own filter); labels from the copy. */
function offlineFacets(directory, c, now) {
  const facets = {};
  if (c.facets.includes('category')) {
    const top = new Map();
    const rows = offlineMatches(directory, c, now, 'category');
    for (const { p } of rows) {
      const parent = p.parent_category || p.category;
      const entry = top.get(parent) || { code: parent, label: (directory.labels || {})[parent] || parent, count: 0, children: new Map() };
      entry.count++;
      if (p.category !== parent)
        entry.children.set(p.category, { code: p.category, label: p.category_label, count: (entry.children.get(p.category) || { count: 0 }).count + 1 });
      top.set(parent, entry);
    }
    facets.category = { total: rows.length,
      values: [...top.values()].map((e) => ({ ...e, children: [...e.children.values()] })) };
  }
  if (c.facets.includes('commune')) {
    const by = new Map();
    const rows = offlineMatches(directory, c, now, 'commune');
    for (const { p } of rows) {
      const e = by.get(p.insee || '') || { insee: p.insee || null, name: p.commune || null, count: 0 };
      e.count++;
      by.set(p.insee || '', e);
    }
    facets.commune = { total: rows.length, values: [...by.values()] };
  }
  return facets;
}

function offlineFeature(row, c) {
  let p = row.p;
  if (c.properties.length)
    p = Object.fromEntries(Object.entries(p).filter(([k]) => c.properties.includes(k)));
  else
    p = { ...p };
  if (row.d !== null)
    p.distance_m = Math.round(row.d * 10) / 10;
  if (c.q)
    p.score = row.rank;
  return { type: 'Feature', id: row.f.id, geometry: row.f.geometry, properties: p };
}

/* The answer to GET /api/places?<params> from the copy: the body (an object). */
function offlinePlaces(directory, params, search, now = Date.now()) {
  const c = offlineCriteria(params, search || {});
  const rows = offlineMatches(directory, c, now);
  const page = rows.slice(c.offset, c.offset + c.limit).map((r) => offlineFeature(r, c));
  const self = `/api/places?${params.toString()}`;
  const links = [{ rel: 'self', type: 'application/geo+json', href: self }];
  if (c.offset + c.limit < rows.length) {
    const next = new URLSearchParams(params);
    next.set('cursor', `offline-${c.offset + c.limit}`);
    links.push({ rel: 'next', type: 'application/geo+json', href: `/api/places?${next.toString()}` });
  }
  const body = c.json
    ? { numberMatched: rows.length, numberReturned: page.length,
        places: page.map((f) => ({ id: f.id, lat: f.geometry.coordinates[1], lon: f.geometry.coordinates[0], ...f.properties })) }
    : { type: 'FeatureCollection', numberMatched: rows.length, numberReturned: page.length, features: page };
  if (c.facets.length)
    body.facets = offlineFacets(directory, c, now);
  body.links = links;
  return body;
}

/* GET /api/places/{id} from the copy: the Feature, or null. */
function offlinePlace(directory, id, now = Date.now()) {
  const f = directory.features.find((g) => String(g.id) === id);
  return f ? { type: 'Feature', id: f.id, geometry: f.geometry, properties: offlineProps(f, now) } : null;
}

/* The number of places of each category of the copy, a top-level one with its children's. */
function offlineCounts(directory) {
  const counts = new Map();
  const add = (code) => code && counts.set(code, (counts.get(code) || 0) + 1);
  for (const f of directory.features) {
    add(f.properties.category);
    if (f.properties.parent_category !== f.properties.category)
      add(f.properties.parent_category);
  }
  return counts;
}

/* The best 3 categories whose label holds the words or that the query names by a synonym,
 * with places: word for word first, then by number of places (as the server ranks them). */
function offlineCategorySuggestions(directory, query) {
  const named = offlineNamed(directory, query);
  const counts = offlineCounts(directory);
  const found = offlineCategories(directory).map((c, index) => ({ c, index, count: counts.get(c.code) || 0,
    m: Math.max(offlineHayMatch(query, offlineWords(c.label)), named.get(c.code) || 0) }));
  return found.filter((e) => e.m > 0 && e.count > 0)
    .sort((a, b) => (b.m - a.m) || (b.count - a.count) || (a.index - b.index)).slice(0, 3)
    .map(({ c, count }) => ({ type: 'category', label: c.label, code: c.code, parent: c.parent, count }));
}

/* The best 3 communes of the copy whose name holds the words. */
function offlineCommuneSuggestions(directory, query) {
  const communes = new Map();
  for (const { properties: p } of directory.features)
    if (p.insee && !communes.has(p.insee) && offlineHayMatch(query, offlineWords(p.commune)) > 0)
      communes.set(p.insee, { type: 'commune', label: p.commune, insee: p.insee, postcodes: p.postcode ? [p.postcode] : [], lat: null, lon: null });
  return [...communes.values()].slice(0, 3);
}

/* GET /api/autocomplete from the copy: categories, communes and places (no addresses). */
function offlineSuggestions(directory, params, now = Date.now()) {
  const q = params.get('q') || '';
  const query = offlineQuery(q);
  const limit = Math.min(Math.max(offlineNumber(params, 'limit') || 8, 1), 20);
  if (query.words.length === 0)
    return { query: q, suggestions: [] };
  const suggestions = [...offlineCategorySuggestions(directory, query), ...offlineCommuneSuggestions(directory, query)];
  const c = offlineCriteria(new URLSearchParams({ q, ...(params.get('lat') ? { lat: params.get('lat'), lon: params.get('lon') } : {}) }), {});
  c.radius = null;
  for (const row of offlineMatches(directory, c, now).slice(0, Math.max(limit - suggestions.length, 0))) {
    const [lon, lat] = row.f.geometry.coordinates;
    const s = { type: 'place', label: row.p.name, id: row.f.id, category: row.p.category,
                category_label: row.p.category_label, commune: row.p.commune, lat, lon };
    if (row.d !== null)
      s.distance_m = Math.round(row.d * 10) / 10;
    suggestions.push(s);
  }
  return { query: q, suggestions: suggestions.slice(0, limit) };
}

/* For tests under Node (the service worker reads the functions as globals). */
if (typeof module === 'object' && module.exports)
  module.exports = { offlinePlaces, offlinePlace, offlineSuggestions, offlineAgeAnswer, offlineWords, offlineOneEdit };
