/*
 * app.js — the page's controller: loads the territory, the taxonomy and the communes, runs place
 * searches (text of the search box, category, commune, "open now", around a point — map centre,
 * clicked point, chosen suggestion — or in the area the map shows) and renders the same answer
 * twice, as numbered markers (map.js) and as an ordered list of buttons, kept in the API's order,
 * each place with its opening state in words (« Ouvert · ferme à 12 h 15 »). The search box
 * suggests categories, communes and places as one types (combobox.js), and the online procedures
 * whose keywords match the text (GET /api/forms). A place's card (place-card.js) opens in the
 * page's place sheet (a full-width sheet on small screens). Every outcome is announced in the
 * status region, saying plainly when the territory has no such place or how far the nearest one
 * is. The whole state (search, place, map view) lives in the URL (share.js): a search or a place
 * can be shared, Back restores the previous one. On small screens the map is collapsible.
 * Server strings only ever reach the DOM through textContent and attributes set by DOM calls.
 */
import {
  ApiError, fetchCategories, fetchCommunesGeojson, fetchHealth, fetchPlace, fetchPlaces,
  fetchSuggestions, fetchTerritory,
} from './api.js';
import { Combobox } from './combobox.js';
import { h } from './dom.js';
import { matchForms } from './form-model.js';
import { fetchForms } from './forms-api.js';
import {
  formatDate, formatDistance, formatPlaces, mailtoHref, openStateText, safeHttpUrl, telHref,
} from './format.js';
import { ListPager } from './list-pager.js';
import { PlaceMap } from './map.js';
import { renderCard } from './place-card.js';
import { MAP_MAX, streamRest } from './place-stream.js';
import { differsBeyondView, readState, writeState } from './share.js';

let resultLimit = 50;                  /* places of a search's first page: default_limit */
let pageLimit = 500;                   /* places of its next pages (map and « voir plus »): max_limit */
let maxRadius = 50000;                 /* the server's max_radius: a commune search uses it */
const NARROW = window.matchMedia('(max-width: 47.99em)');

const ui = {
  title: document.getElementById('territory-name'),
  form: document.getElementById('search'),
  category: document.getElementById('category'),
  commune: document.getElementById('commune'),
  radius: document.getElementById('radius'),
  q: document.getElementById('q'),
  suggestions: document.getElementById('q-suggestions'),
  qStatus: document.getElementById('q-status'),
  openNow: document.getElementById('open-now'),
  areas: Array.from(document.querySelectorAll('input[name="area"]')),
  hint: document.getElementById('results-hint'),
  status: document.getElementById('status'),
  list: document.getElementById('results'),
  resultsHeading: document.getElementById('results-heading'),
  communeLink: document.getElementById('commune-link'),
  sheet: document.getElementById('place-sheet'),
  sheetBody: document.getElementById('place-sheet-body'),
  sheetClose: document.getElementById('place-sheet-close'),
  mapSection: document.getElementById('map-section'),
  mapToggle: document.getElementById('map-toggle'),
  mapBox: document.getElementById('map'),
  basemapNote: document.getElementById('basemap-note'),
  contact: document.getElementById('contact'),
  dataNote: document.getElementById('data-note'),
};

const state = {
  territory: null,
  categories: new Map(),               /* code -> { label, parent, count } */
  communes: new Map(),                 /* INSEE -> { name, centre: {lat, lon}|null } */
  placeMap: null,
  features: [],                        /* last answer, API order */
  search: null,                        /* criteria of the last search (see runSearch) */
  seq: 0,                              /* answers of older searches are dropped */
  controller: null,
  placeToOpen: null,                   /* id whose card opens once the answer is shown */
  openId: null,                        /* place whose card the sheet shows */
  restoring: false,                    /* applying the URL: history entries are replaced */
  combobox: null,
  forms: [],                           /* the online procedures (GET /api/forms) */
  pager: null,                         /* the list, 50 places at a time (list-pager.js) */
};

/* --- small DOM helpers -------------------------------------------------------------------- */

function text(value) {
  return typeof value === 'string' ? value.trim() : '';
}

function setStatus(message, kind = 'info') {
  ui.status.textContent = message;
  ui.status.dataset.kind = kind;
}

/* --- territory and categories ------------------------------------------------------------- */

function renderTerritory(territory) {
  const name = text(territory.name) || 'Territoire';
  const shortName = text(territory.short_name) || name;
  ui.title.textContent = name;
  document.title = `Carte des lieux et services — ${shortName}`;

  const contact = territory.contact || {};
  const parts = [];
  const phone = text(contact.phone);
  const email = text(contact.email);
  const website = safeHttpUrl(contact.website);
  if (phone)
    parts.push(telHref(phone) ? h('a', { href: telHref(phone) }, phone) : phone);
  if (email)
    parts.push(mailtoHref(email) ? h('a', { href: mailtoHref(email) }, email) : email);
  if (website)
    parts.push(h('a', { href: website }, text(contact.website)));
  if (parts.length > 0) {
    ui.contact.replaceChildren(`Contact (${shortName}) : `);
    parts.forEach((part, i) => {
      if (i > 0)
        ui.contact.append(' · ');
      ui.contact.append(part);
    });
    ui.contact.hidden = false;
  }
}

function renderCategories(answer) {
  const top = Array.isArray(answer && answer.categories) ? answer.categories : [];
  const all = h('option', { value: '' }, 'Toutes les catégories');
  const groups = [];
  for (const cat of top) {
    if (!cat || typeof cat.code !== 'string')
      continue;
    const count = Number(cat.count) || 0;
    state.categories.set(cat.code, { label: text(cat.label) || cat.code, parent: null, count });
    if (count === 0)
      continue;                        /* a category with no place would only lead to « aucun lieu » */
    const group = h('optgroup', { label: text(cat.label) || cat.code });
    group.append(h('option', { value: cat.code }, `${text(cat.label) || cat.code} — tout (${count})`));
    for (const child of Array.isArray(cat.children) ? cat.children : []) {
      if (!child || typeof child.code !== 'string')
        continue;
      const n = Number(child.count) || 0;
      state.categories.set(child.code, { label: text(child.label) || child.code, parent: cat.code,
                                         count: n });
      if (n === 0)
        continue;                      /* empty sub-categories would only lead to empty lists */
      group.append(h('option', { value: child.code }, `${text(child.label) || child.code} (${n})`));
    }
    groups.push(group);
  }
  ui.category.replaceChildren(all, ...groups);
  ui.category.disabled = false;
}

function categoryLabel(code) {
  const cat = state.categories.get(code);
  return cat ? cat.label : code;
}

/* A category chosen elsewhere (a suggestion, the URL) that the select does not offer. */
function selectCategory(code) {
  if (code && ![...ui.category.options].some((o) => o.value === code)) {
    if (!state.categories.has(code))
      return false;
    ui.category.append(h('option', { value: code }, categoryLabel(code)));
  }
  ui.category.value = code;
  return true;
}

/* --- communes: the filter, the map labels, the link to the commune's page ------------------ */

/* The middle of a boundary's bounding box (enough to centre a search on a small commune). */
function geometryCentre(geometry) {
  let minLon = Infinity; let minLat = Infinity; let maxLon = -Infinity; let maxLat = -Infinity;
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      minLon = Math.min(minLon, c[0]); maxLon = Math.max(maxLon, c[0]);
      minLat = Math.min(minLat, c[1]); maxLat = Math.max(maxLat, c[1]);
    } else {
      c.forEach(walk);
    }
  };
  if (!geometry || !Array.isArray(geometry.coordinates))
    return null;
  walk(geometry.coordinates);
  return Number.isFinite(minLat) ? { lat: (minLat + maxLat) / 2, lon: (minLon + maxLon) / 2 } : null;
}

function renderCommunes(fc) {
  const features = fc && Array.isArray(fc.features) ? fc.features : [];
  for (const f of features) {
    const p = f && f.properties;
    if (p && typeof p.insee === 'string')
      state.communes.set(p.insee, { name: text(p.name) || p.insee, centre: geometryCentre(f.geometry) });
  }
  const collator = new Intl.Collator('fr');
  const sorted = [...state.communes.entries()].sort((a, b) => collator.compare(a[1].name, b[1].name));
  ui.commune.replaceChildren(h('option', { value: '' }, 'Toutes les communes'),
    ...sorted.map(([insee, c]) => h('option', { value: insee }, c.name)));
  ui.commune.disabled = sorted.length === 0;
}

/* « Page de la commune de … » beside the results while a commune is chosen. */
function showCommuneLink(insee) {
  const commune = state.communes.get(insee);
  if (!commune) {
    ui.communeLink.hidden = true;
    ui.communeLink.replaceChildren();
    return;
  }
  ui.communeLink.replaceChildren(h('a', { href: `/commune/${encodeURIComponent(insee)}` },
                                   `Page de la commune : ${commune.name}`));
  ui.communeLink.hidden = false;
}

/* --- the place sheet ------------------------------------------------------------------------ */

function cardContext(id) {
  const url = new URL(window.location.href);
  url.search = writeState({ place: id });
  url.hash = '';
  return {
    categoryLabel,
    parentOf: (code) => (state.categories.get(code) || {}).parent || '',
    defaultLicence: state.territory && state.territory.default_licence,
    forms: state.forms,
    link: url.href,
  };
}

function showCard(feature) {
  const id = String(feature.id);
  state.openId = id;
  ui.sheetBody.replaceChildren(renderCard(feature, cardContext(id)));
  ui.sheet.hidden = false;
  document.body.classList.add('sheet-open');
  markSelected(id, false);
  state.placeMap.highlight(id);
  const heading = ui.sheetBody.querySelector('.place-card h3');
  if (heading)
    heading.focus({ preventScroll: NARROW.matches });
  syncUrl();
}

/* Opens the card of place id: from the last answer, else asked from the server (a place of a
 * compact page of the answer, kept with its distance, or a shared link to a place outside the
 * search), and shows it on the map when the answer has it (out of its cluster). */
async function openPlace(id) {
  let feature = state.features.find((f) => String(f.id) === id);
  if (!feature || feature.compact) {
    const distance = feature && feature.properties ? feature.properties.distance_m : undefined;
    try {
      const full = await fetchPlace(id);
      feature = distance === undefined ? full
        : { ...full, properties: { ...(full.properties || {}), distance_m: distance } };
    } catch (e) {
      setStatus(e instanceof ApiError && e.status === 404 ? 'Ce lieu n’existe plus dans l’annuaire.'
        : 'La fiche de ce lieu n’a pas pu être chargée.', 'error');
      return;
    }
  }
  showCard(feature);
  state.placeMap.openPlace(id);        /* pans to its marker (no popup: the sheet is the card) */
}

function closeSheet() {
  if (ui.sheet.hidden)
    return;
  const id = state.openId;
  const hadFocus = ui.sheet.contains(document.activeElement);
  ui.sheet.hidden = true;
  document.body.classList.remove('sheet-open');
  ui.sheetBody.replaceChildren();
  state.openId = null;
  markSelected(null, false);
  state.placeMap.highlight(null);
  if (hadFocus) {
    const button = id ? listButton(id) : null;
    (button || ui.resultsHeading).focus();
  }
  if (!state.restoring)
    syncUrl();
}

/* --- the list ------------------------------------------------------------------------------ */

function listButton(id) {
  if (id)
    state.pager.reveal(id);
  for (const button of ui.list.querySelectorAll('button.place')) {
    if (button.dataset.placeId === id)
      return button;
  }
  return null;
}

function markSelected(id, scroll) {
  for (const button of ui.list.querySelectorAll('button.place[aria-current]'))
    button.removeAttribute('aria-current');
  const button = id ? listButton(id) : null;
  if (button) {
    button.setAttribute('aria-current', 'true');
    if (scroll)
      button.scrollIntoView({ block: 'nearest' });
  }
}

function renderItem(feature, i) {
  const p = feature.properties || {};
  const id = String(feature.id);
  const cat = text(p.category_label) || categoryLabel(text(p.category));
  const where = [text(p.commune), formatDistance(p.distance_m)].filter(Boolean).join(' — ');
  const open = openStateText(p);
  const button = h('button', { type: 'button', class: 'place', 'data-place-id': id },
    h('span', { class: 'place-number', 'aria-hidden': 'true' }, String(i + 1)),
    h('span', { class: 'place-text' },
      h('span', { class: 'place-name' }, text(p.name) || 'Lieu sans nom'),
      h('span', { class: 'visually-hidden' }, ', '),
      h('span', { class: 'place-meta' }, cat),
      h('span', { class: 'visually-hidden' }, ', '),
      h('span', { class: 'place-where' }, where),
      h('span', { class: 'visually-hidden' }, ', '),
      h('span', { class: 'place-hours', 'data-state': open.state }, open.text)));
  button.addEventListener('click', () => openPlace(id));
  return h('li', {}, button);
}

/* --- searching ----------------------------------------------------------------------------- */

function areaMode() {
  const checked = ui.areas.find((r) => r.checked);
  return checked ? checked.value : 'around';
}

/* The criteria the form shows now. The text is what the search box holds. */
function currentCriteria() {
  return {
    radius: Number(ui.radius.value) || 10000,
    category: ui.category.value,
    commune: ui.commune.value,
    q: ui.q.value.trim(),
    openNow: ui.openNow.checked,
    mode: areaMode(),
  };
}

/* « pour « … » dans la catégorie « … », ouverts maintenant » */
function criteriaWords(search) {
  const extras = [];
  if (search.q)
    extras.push(` pour « ${search.q} »`);
  if (search.category)
    extras.push(` dans la catégorie « ${categoryLabel(search.category)} »`);
  if (search.openNow)
    extras.push(', ouverts maintenant');
  return extras.join('');
}

function within(search) {
  if (search.mode === 'view')
    return 'dans la zone affichée';
  const commune = state.communes.get(search.commune);
  if (commune)
    return `dans la commune de ${commune.name}`;
  return `à moins de ${formatDistance(search.radius)}`;
}

/* Nothing found: says whether the territory has none at all, or how far the nearest one is
 * (nearest_beyond: {id, name, distance_m} or null from the API; absent from older servers). */
function emptyMessage(answer, search) {
  const what = `Aucun lieu${search.openNow ? ' ouvert maintenant' : ''}`;
  const words = criteriaWords({ ...search, openNow: false });
  const nearest = answer.nearest_beyond;
  const cat = state.categories.get(search.category);
  const noneAtAll = nearest === null || (search.category && !search.q && !search.openNow &&
                                         cat && cat.count === 0);
  if (noneAtAll)
    return `${what}${words} recensé dans le territoire.`;
  let message = `${what}${words} ${within(search)}`;
  if (nearest && typeof nearest.name === 'string' && Number.isFinite(nearest.distance_m))
    message += ` ; le plus proche : ${nearest.name}, à ${formatDistance(nearest.distance_m)}`;
  return `${message}.`;
}

function announce(answer, search) {
  const shown = answer.features.length;
  const matched = Number.isInteger(answer.numberMatched) ? answer.numberMatched : shown;
  let message;
  if (matched === 0)
    message = emptyMessage(answer, search);
  else
    message = `${formatPlaces(matched)} ${matched > 1 ? 'trouvés' : 'trouvé'} ${within(search)}${criteriaWords(search)}.`;
  if (matched > MAP_MAX)
    message += search.q ? ` Les ${formatPlaces(MAP_MAX)} plus pertinents sont sur la carte.`
      : ` Les ${formatPlaces(MAP_MAX)} plus proches sont sur la carte.`;
  const left = Number(answer.hours_unknown_excluded);
  if (search.openNow && Number.isInteger(left) && left > 0)
    message += ` ${formatPlaces(left)} sans horaires connus ${left > 1 ? 'ne sont pas comptés' : 'n’est pas compté'}.`;
  setStatus(message, 'info');
  ui.hint.textContent = search.q
    ? 'Du plus pertinent au moins pertinent, les plus proches d’abord à pertinence égale. Choisissez un lieu pour afficher sa fiche.'
    : 'Du plus proche au plus éloigné. Choisissez un lieu pour afficher sa fiche.';
}

/* The query of a search: a commune searches all of it (the largest radius around its centre). */
function placesQuery(search) {
  const query = { lat: search.lat, lon: search.lon, category: search.category, q: search.q,
                  commune: search.commune, openNow: search.openNow, limit: resultLimit };
  if (search.mode === 'view')
    query.bbox = state.placeMap.bounds();
  else
    query.radius = search.commune ? maxRadius : search.radius;
  return query;
}

function showAnswer(answer, search) {
  const features = Array.isArray(answer.features) ? answer.features : [];
  state.features = features;
  if (search.mode === 'view' || search.commune)
    state.placeMap.clearSearchArea();
  else
    state.placeMap.setSearchArea(search.lat, search.lon, search.radius);
  state.placeMap.setPlaces(features, null);
  state.pager.reset(features);
  const nearest = answer.nearest_beyond;
  if (features.length === 0 && nearest && typeof nearest.id === 'string' && typeof nearest.name === 'string') {
    /* not a result (no number, no marker): a way to the nearest place beyond the distance */
    const button = h('button', { type: 'button', class: 'place-nearest' },
                     `Voir le plus proche : ${nearest.name}`,
                     Number.isFinite(nearest.distance_m) ? `, à ${formatDistance(nearest.distance_m)}` : '');
    button.addEventListener('click', () => openPlace(nearest.id));
    ui.list.append(h('li', { class: 'nearest' }, button));
  }
  announce({ ...answer, features }, search);
}

/* Searches with the form's criteria around (lat, lon): within the radius, in the chosen commune,
 * or in the map's visible area in "Dans la zone affichée" mode (distances from (lat, lon)).
 * options.reveal: scroll the results into view once shown (a search the user asked for). */
async function runSearch(lat, lon, options = {}) {
  const search = { lat, lon, ...currentCriteria() };
  state.search = search;
  if (state.controller)
    state.controller.abort();
  const controller = new AbortController();
  state.controller = controller;
  const seq = ++state.seq;
  ui.list.setAttribute('aria-busy', 'true');
  setStatus('Recherche en cours…', 'busy');
  showCommuneLink(search.commune);
  const query = placesQuery(search);
  /* The page's "Données ouvertes" section (opendata.js) offers this selection for download: a
   * commune's search is the whole commune, not a circle around its centre. */
  const selection = search.commune && search.mode !== 'view'
    ? { ...query, lat: null, lon: null, radius: null } : query;
  document.dispatchEvent(new CustomEvent('geodir:search', {
    detail: { ...selection, categoryLabel: search.category ? categoryLabel(search.category) : '',
              communeLabel: (state.communes.get(search.commune) || {}).name || '' } }));
  try {
    const answer = await fetchPlaces(query, controller.signal);
    if (seq !== state.seq)
      return;
    showAnswer(answer, search);
    /* the rest of the answer, for the map and « Voir plus de lieux » */
    ui.mapBox.dataset.complete = 'false';
    streamRest(answer, query, { signal: controller.signal, pageSize: pageLimit, onPage: (more) => {
      state.features.push(...more);
      state.placeMap.appendPlaces(more);
      state.pager.extend(more);
    } }).then(() => {
      state.placeMap.flush();
      ui.mapBox.dataset.complete = 'true';
    }, () => { /* the map keeps what came */ });
  } catch (e) {
    if (seq !== state.seq || controller.signal.aborted)
      return;
    /* Never leave markers and list showing an answer to other criteria. */
    state.features = [];
    state.placeMap.setPlaces([], null);
    state.pager.reset([]);
    setStatus(e instanceof ApiError ? e.message : 'La recherche a échoué.', 'error');
  } finally {
    if (seq === state.seq)
      await searchDone(seq, options);
  }
}

async function searchDone(seq, options) {
  ui.list.setAttribute('aria-busy', 'false');
  ui.list.dataset.searchSeq = String(seq);
  const id = state.placeToOpen;
  state.placeToOpen = null;
  if (id)
    await openPlace(id);
  else if (state.openId && !listButton(state.openId))
    closeSheet();                      /* the card of a place the new answer does not have */
  else
    syncUrl();
  if (options.reveal && !id && NARROW.matches)
    ui.resultsHeading.scrollIntoView({ block: 'start' });
  state.restoring = false;
}

function searchAgain(options = { reveal: true }) {
  const commune = state.communes.get(ui.commune.value);
  let at = areaMode() === 'view' || !state.search ? state.placeMap.center() : state.search;
  if (commune && commune.centre && areaMode() !== 'view')
    at = commune.centre;
  runSearch(at.lat, at.lon, options);
}

/* --- the URL: shared searches and places, Back ------------------------------------------------ */

function urlState() {
  const c = currentCriteria();
  const centre = state.placeMap.center();
  return {
    ...c,
    radius: c.mode === 'around' && !c.commune ? c.radius : null,
    point: state.search && !c.commune ? { lat: state.search.lat, lon: state.search.lon } : null,
    place: state.openId,
    view: { lat: centre.lat, lon: centre.lon, zoom: state.placeMap.map.getZoom() },
  };
}

/* Writes the state in the URL: a new history entry when the search or the place changed (Back
 * returns to the previous one), the same entry when only the map moved or the URL is restored. */
function syncUrl() {
  if (!state.placeMap)
    return;
  const next = writeState(urlState());
  if (next === window.location.search)
    return;
  const url = `${window.location.pathname}${next}${window.location.hash}`;
  if (state.restoring || !differsBeyondView(window.location.search, next))
    window.history.replaceState(null, '', url);
  else
    window.history.pushState(null, '', url);
}

/* Sets the form from a URL's state; returns the point to search around. */
function applyUrlState(s) {
  ui.q.value = s.q;
  if (!selectCategory(s.category))
    ui.category.value = '';
  ui.commune.value = state.communes.has(s.commune) ? s.commune : '';
  ui.openNow.checked = s.openNow;
  ui.areas.forEach((r) => { r.checked = r.value === s.mode; });
  if (s.radius && [...ui.radius.options].some((o) => Number(o.value) === s.radius))
    ui.radius.value = String(s.radius);
  syncAreaControls();
  if (s.view)
    setMapView(s.view.lat, s.view.lon, s.view.zoom);
  state.placeToOpen = s.place || null;
  const commune = state.communes.get(ui.commune.value);
  if (s.mode === 'view')
    return state.placeMap.center();
  if (commune && commune.centre)
    return commune.centre;
  return s.point || state.placeMap.center();
}

async function restoreFromUrl() {
  state.restoring = true;
  const at = applyUrlState(readState(window.location.search));
  if (!state.placeToOpen)
    closeSheet();
  await runSearch(at.lat, at.lon);
}

/* --- the search box's suggestions ------------------------------------------------------------ */

function describeSuggestion(item) {
  const label = text(item.label) || '?';
  switch (item.type) {
  case 'category':
    return { kind: 'category', label,
             detail: `catégorie${Number(item.count) > 0 ? ` · ${formatPlaces(Number(item.count))}` : ''}` };
  case 'commune':
    return { kind: 'commune', label, detail: 'commune' };
  case 'address':
    return { kind: 'address', label, detail: 'adresse' };
  case 'form':
    return { kind: 'form', label, detail: 'démarche en ligne' };
  case 'forms':
    return { kind: 'form', label, detail: 'liste des démarches' };
  default:
    return { kind: 'place', label,
             detail: ['lieu', text(item.category_label), text(item.commune)].filter(Boolean).join(' · ') };
  }
}

/* The procedures the text asks for, as suggestions before those of the directory. */
function formSuggestions(value) {
  const found = matchForms(state.forms, value);
  const items = found.forms.map((f) => ({ type: 'form', id: f.id, label: text(f.title) || f.id }));
  if (found.all || items.length > 0)
    items.push({ type: 'forms', label: 'Toutes les démarches en ligne' });
  return items;
}

function chooseSuggestion(item) {
  if (item.type === 'form' || item.type === 'forms') {
    window.location.assign(item.type === 'form' ? `demarche.html?id=${encodeURIComponent(item.id)}`
      : 'demarches.html');
    return;
  }
  state.combobox.clear();
  if (item.type === 'category') {
    if (![...ui.category.options].some((o) => o.value === item.code))
      ui.category.append(h('option', { value: item.code }, text(item.label) || item.code));
    ui.category.value = item.code;
    setStatus(`Catégorie « ${text(item.label)} » choisie.`, 'busy');
    searchAgain();
    return;
  }
  const lat = Number(item.lat);
  const lon = Number(item.lon);
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) {
    searchAgain();
    return;
  }
  if (item.type === 'place') {
    /* Show that place: search around it in every category and commune, then open its card. */
    ui.category.value = '';
    ui.commune.value = '';
    state.placeToOpen = String(item.id);
  }
  /* A commune becomes the commune filter (its page is linked beside the results). */
  if (item.type === 'commune')
    ui.commune.value = state.communes.has(item.insee) ? item.insee : '';
  ui.areas.forEach((r) => { r.checked = r.value === 'around'; });
  syncAreaControls();
  state.placeMap.moveTo(lat, lon, item.type === 'commune' ? 13 : 15);
  runSearch(lat, lon, { reveal: true });
}

/* --- map: shown or collapsed on small screens, moved from the URL --------------------------- */

function syncAreaControls() {
  ui.radius.disabled = areaMode() === 'view' || ui.commune.value !== '';
  if (areaMode() === 'view')
    setMapShown(true);                 /* the visible area needs a visible map */
}

function setMapShown(shown) {
  ui.mapSection.dataset.collapsed = shown ? 'false' : 'true';
  ui.mapToggle.setAttribute('aria-expanded', String(shown));
  ui.mapToggle.textContent = shown ? 'Masquer la carte' : 'Afficher la carte';
  if (shown && state.placeMap)
    state.placeMap.map.invalidateSize({ pan: false });
}

/* Puts the map at a view without taking it for a move of the user's. */
function setMapView(lat, lon, zoom) {
  const map = state.placeMap.map;
  if (map.getCenter().distanceTo([lat, lon]) < 1 && map.getZoom() === zoom)
    return;
  state.placeMap.quietMoves += 1;
  map.setView([lat, lon], zoom, { animate: false });
}

/* --- start-up ------------------------------------------------------------------------------ */

/* Follows the server's limits: distances above max_radius are removed from the choices, the
 * default distance is preselected, and the list is as long as the server's default limit. */
function applySearchLimits(search) {
  const max = Number(search.max_radius);
  const def = Number(search.default_radius);
  if (Number.isFinite(max) && max > 0) {
    maxRadius = max;
    for (const option of Array.from(ui.radius.options))
      if (Number(option.value) > max)
        option.remove();
  }
  if (Number.isFinite(def)) {
    const match = Array.from(ui.radius.options).find((o) => Number(o.value) === def);
    if (match)
      ui.radius.value = match.value;
  }
  if (Number.isInteger(search.default_limit) && search.default_limit > 0)
    resultLimit = search.default_limit;
  if (Number.isInteger(search.max_limit) && search.max_limit > 0)
    pageLimit = search.max_limit;
}

function createMap(territory, view) {
  state.pager = new ListPager(ui.list, renderItem);
  const config = { ...(territory.map || {}) };
  if (view) {
    config.center = [view.lat, view.lon];
    config.zoom = view.zoom;
  }
  state.placeMap = new PlaceMap(ui.mapBox, config, {
    onMapClick: (lat, lon) => {
      ui.areas.forEach((r) => { r.checked = r.value === 'around'; });
      ui.commune.value = '';
      syncAreaControls();
      runSearch(lat, lon);
    },
    onViewChange: () => {
      if (areaMode() === 'view')
        searchAgain({ reveal: false });
    },
    onMarkerClick: (id) => {
      markSelected(id, true);
      openPlace(id);
    },
    onTilesError: () => { ui.basemapNote.hidden = false; },
  });
  state.placeMap.map.on('moveend', () => syncUrl());
}

async function loadSideData() {
  fetchHealth()
    .then((health) => {
      if (typeof health.built_at === 'string' && health.built_at !== '')
        ui.dataNote.textContent = `Données publiques ouvertes, mises à jour le ${formatDate(health.built_at)} ; ` +
          'la source et la licence de chaque lieu figurent sur sa fiche.';
    })
    .catch(() => { /* the default note stays */ });
  const communes = fetchCommunesGeojson()
    .then((fc) => {
      state.placeMap.setCommunes(fc);
      renderCommunes(fc);
    })
    .catch(() => { /* the boundaries are a backdrop: the page works without them */ });
  const forms = fetchForms().catch(() => []);   /* without procedures, the map works alike */
  try {
    renderCategories(await fetchCategories());
  } catch {
    ui.category.disabled = true;       /* "Toutes les catégories" stays; search still works */
  }
  state.forms = await forms;
  await communes;
}

function startCombobox() {
  state.combobox = new Combobox(ui.q, ui.suggestions, ui.qStatus, {
    suggest: async (value, signal) => {
      const forms = formSuggestions(value);
      let places = [];
      try {
        const answer = await fetchSuggestions(value, state.placeMap.center(), signal);
        places = Array.isArray(answer.suggestions) ? answer.suggestions : [];
      } catch (e) {
        if (signal.aborted || forms.length === 0)
          throw e;
      }
      return [...forms, ...places];
    },
    describe: describeSuggestion,
    choose: chooseSuggestion,
  });
}

function bindControls() {
  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    const commune = state.communes.get(ui.commune.value);
    const c = commune && commune.centre && areaMode() !== 'view' ? commune.centre
      : state.placeMap.center();
    runSearch(c.lat, c.lon, { reveal: true });
  });
  ui.category.addEventListener('change', () => searchAgain());
  ui.radius.addEventListener('change', () => searchAgain());
  ui.openNow.addEventListener('change', () => searchAgain());
  ui.commune.addEventListener('change', () => {
    syncAreaControls();
    const commune = state.communes.get(ui.commune.value);
    if (commune && commune.centre)
      state.placeMap.moveTo(commune.centre.lat, commune.centre.lon, 13);
    searchAgain();
  });
  for (const radio of ui.areas) {
    radio.addEventListener('change', () => {
      syncAreaControls();
      searchAgain();
    });
  }
  ui.mapToggle.addEventListener('click', () => setMapShown(ui.mapSection.dataset.collapsed === 'true'));
  ui.sheetClose.addEventListener('click', closeSheet);
  ui.sheet.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      closeSheet();
    }
  });
  window.addEventListener('popstate', restoreFromUrl);
}

async function main() {
  setStatus('Chargement de la carte…', 'busy');
  let territory;
  try {
    territory = await fetchTerritory();
  } catch (e) {
    ui.title.textContent = 'Carte indisponible';
    setStatus(e instanceof ApiError ? e.message : 'Le territoire n’a pas pu être chargé.', 'error');
    return;
  }
  state.territory = territory;
  renderTerritory(territory);
  applySearchLimits(territory.search || {});
  const shared = readState(window.location.search);
  createMap(territory, shared.view);
  setMapShown(!NARROW.matches || shared.mode === 'view');
  await loadSideData();
  startCombobox();
  bindControls();
  await restoreFromUrl();
  document.body.dataset.ready = 'true';
}

main();
