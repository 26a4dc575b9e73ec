/*
 * agenda.js — the agenda page (agenda.html at /agenda; docs/vie-locale.md §7): the filters
 * (commune, category, from, to) read from and written to the URL (commune=, categorie=, du=,
 * au=; Back restores the previous filter), the occurrences of /api/events grouped by day under
 * « Samedi 12 décembre » headings and numbered like their markers on the Leaflet map (the list
 * is the accessible path: a marker's click moves the focus to its event), and the subscribe
 * links of the current filter (/api/events.ics as webcal:// and https, /api/news.atom).
 */
import * as L from '/vendor/leaflet/leaflet-src.esm.js';

import { h } from './dom.js';
import { sanitizeAttribution } from './format.js';
import { CATEGORIES, calendarLinks, dayOf, eventItem, feedUrls, fetchEvents, frenchDay, parisToday } from './life.js';
import { loadCommunes, markReady } from './resident.js';
import { loadTerritory, shortName } from './site.js';

const el = (id) => document.getElementById(id);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
let map = null;
let layer = null;
let run = 0;

/** The filter a query string holds (bad values dropped): { commune, category, from, to }. */
export function readFilter(search) {
  const q = new URLSearchParams(search);
  const get = (k, re) => { const v = (q.get(k) || '').trim(); return re.test(v) ? v : ''; };
  return { commune: get('commune', /^[0-9][0-9AB][0-9]{3}$/), category: get('categorie', /^[a-z]{1,20}$/),
           from: get('du', DATE), to: get('au', DATE) };
}

/** The query string of a filter ('' for the default agenda). */
export function writeFilter(f) {
  const q = new URLSearchParams();
  for (const [k, v] of [['commune', f.commune], ['categorie', f.category], ['du', f.from], ['au', f.to]])
    if (v)
      q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

function formFilter() {
  return { commune: el('f-commune').value, category: el('f-category').value,
           from: el('f-from').value, to: el('f-to').value };
}

function setForm(f) {
  el('f-commune').value = f.commune;
  el('f-category').value = f.category;
  el('f-from').value = f.from;
  el('f-to').value = f.to;
}

function initMap(territory) {
  map = L.map(el('agenda-map'), { zoomControl: true, scrollWheelZoom: false });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com" hreflang="en" rel="noopener">Leaflet</a>');
  const cfg = (territory && territory.map) || {};
  if (typeof cfg.tiles_url === 'string' && cfg.tiles_url !== '')
    L.tileLayer(cfg.tiles_url, { attribution: sanitizeAttribution(cfg.tiles_attribution || ''), maxZoom: 19 }).addTo(map);
  const c = Array.isArray(cfg.center) ? cfg.center : [46.6, 2.4];   /* [lat, lon], as map.js reads it */
  map.setView([Number(c[0]), Number(c[1])], Number.isInteger(cfg.zoom) ? cfg.zoom : 10);
  layer = L.layerGroup().addTo(map);
}

/* The numbered markers of the occurrences that have a position. */
function drawMarkers(features) {
  layer.clearLayers();
  const points = [];
  features.forEach((f, i) => {
    const g = f.geometry;
    if (!g || g.type !== 'Point')
      return;
    const ll = [g.coordinates[1], g.coordinates[0]];
    points.push(ll);
    L.circleMarker(ll, { radius: 8, color: '#a4261c', weight: 2, fillOpacity: 0.85, keyboard: false })
      .bindTooltip(`${i + 1}. ${f.properties.title}`)
      .on('click', () => {
        const target = document.querySelector(`#events li[data-n="${i + 1}"] .event-title`);
        if (target) { target.focus(); target.scrollIntoView({ block: 'center' }); }
      })
      .addTo(layer);
  });
  if (points.length)
    map.fitBounds(L.latLngBounds(points), { padding: [20, 20], maxZoom: 14 });
}

/* The occurrences by day: one <section> per day with its « Samedi 12 décembre » heading. */
function renderDays(features) {
  const days = new Map();
  features.forEach((f, i) => {
    const key = dayOf(f.properties.start);
    if (!days.has(key))
      days.set(key, []);
    days.get(key).push([f, i + 1]);
  });
  return [...days].map(([day, list]) => h('section', { class: 'agenda-day', 'aria-labelledby': `day-${day}` },
    h('h3', { id: `day-${day}` }, frenchDay(day, { cap: true })),
    h('ul', { class: 'events' }, ...list.map(([f, n]) => {
      const li = eventItem(f, { level: 4, n });
      li.dataset.n = String(n);
      li.querySelector('.event-title').setAttribute('tabindex', '-1');
      return li;
    }))));
}

function subscribeLinks(f, communeName) {
  const atom = feedUrls('/api/news.atom', { commune: f.commune });
  const what = communeName ? `l’agenda de ${communeName}` : 'l’agenda du territoire';
  return [calendarLinks('/api/events.ics', { commune: f.commune, category: f.category }, what),
    h('p', {}, h('a', { href: atom.https, type: 'application/atom+xml', class: 'subscribe-atom' },
      `Fil Atom des actualités et alertes${communeName ? ` de ${communeName}` : ''}`))];
}

async function show(f, communes) {
  const mine = ++run;
  const name = f.commune ? (communes.get(f.commune) || {}).name || f.commune : '';
  el('subscribe').replaceChildren(...subscribeLinks(f, name));
  if (f.from && f.to && f.to < f.from) {
    el('agenda-status').textContent = 'La date de fin précède la date de début\u00a0: corrigez les dates.';
    el('f-to').setAttribute('aria-invalid', 'true');
    markReady(`agenda-${mine}`);
    return;
  }
  el('f-to').removeAttribute('aria-invalid');
  el('events').setAttribute('aria-busy', 'true');
  let answer;
  try {
    answer = await fetchEvents({ commune: f.commune, category: f.category, from: f.from, to: f.to, limit: 500 });
  } catch (e) {
    if (mine !== run) return;
    el('events').replaceChildren(h('p', { class: 'none' }, 'Les événements n’ont pas pu être chargés.'));
    el('events').setAttribute('aria-busy', 'false');
    el('agenda-status').textContent = e && e.status === 404 && !e.parameter
      ? 'L’agenda n’est pas disponible sur ce serveur.' : e.message;
    markReady(`agenda-${mine}`);
    return;
  }
  if (mine !== run)
    return;
  const features = Array.isArray(answer.features) ? answer.features : [];
  const period = `du ${frenchDay(f.from || parisToday())} au ${frenchDay(f.to || parisToday(90))}`;
  const where = name ? ` à ${name}` : '';
  el('events').replaceChildren(...(features.length ? renderDays(features)
    : [h('p', { class: 'none' }, `Aucun événement${where} ${period}.`)]));
  el('events').setAttribute('aria-busy', 'false');
  el('agenda-status').textContent = features.length
    ? `${features.length} ${features.length > 1 ? 'événements' : 'événement'}${where} ${period}.`
    : `Aucun événement${where} ${period}.`;
  drawMarkers(features);
  markReady(`agenda-${mine}`);
}

async function main() {
  const territory = await loadTerritory();
  document.title = `Agenda — ${shortName(territory)}`;
  let communes = new Map();
  try {
    communes = new Map((await loadCommunes()).map((c) => [c.insee, c]));
  } catch {
    /* the filter then offers the territory only */
  }
  el('f-commune').append(...[...communes.values()].map((c) => h('option', { value: c.insee }, c.name)));
  el('f-category').append(...CATEGORIES.map(([code, label]) => h('option', { value: code }, label)));
  initMap(territory);
  const f = readFilter(window.location.search);
  setForm(f);
  el('agenda-filters').addEventListener('submit', (e) => {
    e.preventDefault();
    const next = formFilter();
    const qs = writeFilter(next);
    if (qs !== window.location.search)
      window.history.pushState(null, '', `${window.location.pathname}${qs}`);
    show(next, communes);
  });
  window.addEventListener('popstate', () => {
    const back = readFilter(window.location.search);
    setForm(back);
    show(back, communes);
  });
  await show(f, communes);
}

main();
