/*
 * app.js — the page's controller: loads the territory and the taxonomy, runs place searches
 * (text of the search box, category, "open now", around a point — map centre, clicked point,
 * chosen suggestion — or in the area the map shows) and renders the same answer twice, as
 * numbered markers (map.js) and as an ordered list of buttons, kept in the API's order, each
 * place with its opening state ("Ouvert maintenant · ferme à 18:00"). The search box suggests
 * categories, communes and places as one types (combobox.js). It also builds each place's card
 * (popup) and announces every outcome in the status region. The search box also suggests the
 * online procedures whose keywords match the text (« cantine », « poubelle »; GET /api/forms),
 * and every card links to « Signaler une erreur » (a school's card to the school enrolment).
 * Server strings only ever reach the DOM through textContent and attributes set by DOM calls.
 */
import {
  ApiError, fetchCategories, fetchCommunesGeojson, fetchHealth, fetchPlaces, fetchSuggestions,
  fetchTerritory,
} from './api.js';
import { Combobox } from './combobox.js';
import { h } from './dom.js';
import { matchForms } from './form-model.js';
import { fetchForms } from './forms-api.js';
import {
  formatDate, formatDistance, formatPlaces, licenceInfo, mailtoHref, openStateText, safeHttpUrl,
  telHref,
} from './format.js';
import { ListPager } from './list-pager.js';
import { PlaceMap } from './map.js';
import { MAP_MAX, cardRenderer, streamRest } from './place-stream.js';

let resultLimit = 50;                  /* places of a search's first page: default_limit */
let pageLimit = 500;                   /* places of its next pages (map and « voir plus »): max_limit */

const ui = {
  title: document.getElementById('territory-name'),
  form: document.getElementById('search'),
  category: document.getElementById('category'),
  radius: document.getElementById('radius'),
  q: document.getElementById('q'),
  suggestions: document.getElementById('q-suggestions'),
  qStatus: document.getElementById('q-status'),
  openNow: document.getElementById('open-now'),
  areas: Array.from(document.querySelectorAll('input[name="area"]')),
  hint: document.getElementById('results-hint'),
  status: document.getElementById('status'),
  list: document.getElementById('results'),
  mapBox: document.getElementById('map'),
  contact: document.getElementById('contact'),
  dataNote: document.getElementById('data-note'),
};

const state = {
  territory: null,
  categories: new Map(),               /* code -> { label, parent } */
  placeMap: null,
  features: [],                        /* last answer, API order */
  search: null,                        /* criteria of the last search (see runSearch) */
  seq: 0,                              /* answers of older searches are dropped */
  controller: null,
  placeToOpen: null,                   /* id whose card opens once the answer is shown */
  combobox: null,
  forms: [],                           /* the online procedures (GET /api/forms) */
  pager: null,                         /* the list, 50 places at a time (list-pager.js) */
  card: cardRenderer(renderCard),      /* a card, fetched whole for a place of a compact page */
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
    state.categories.set(cat.code, { label: text(cat.label) || cat.code, parent: null });
    if ((Number(cat.count) || 0) === 0)
      continue;                        /* a category with no place would only lead to « aucun lieu » */
    const group = h('optgroup', { label: text(cat.label) || cat.code });
    group.append(h('option', { value: cat.code },
                   `${text(cat.label) || cat.code} — tout (${Number(cat.count) || 0})`));
    for (const child of Array.isArray(cat.children) ? cat.children : []) {
      if (!child || typeof child.code !== 'string')
        continue;
      state.categories.set(child.code, { label: text(child.label) || child.code, parent: cat.code });
      if ((Number(child.count) || 0) === 0)
        continue;                      /* empty sub-categories would only lead to empty lists */
      group.append(h('option', { value: child.code },
                     `${text(child.label) || child.code} (${Number(child.count) || 0})`));
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

/* --- the place card (popup) ---------------------------------------------------------------- */

function detailRow(list, term, value) {
  if (value === null || value === undefined || value === '')
    return;
  list.append(h('dt', {}, term), h('dd', {}, value));
}

/* A place placed by geodir from its address (geocode_precision, geocode_score): said in
 * words, so that nobody takes the marker for the place's exact position. */
const GEOCODE_PRECISION = {
  housenumber: 'numéro',
  street: 'rue',
  locality: 'lieu-dit',
  municipality: 'commune',
};

function geocodeText(p) {
  const level = GEOCODE_PRECISION[text(p.geocode_precision)];
  if (!level)
    return '';
  let sentence = `Position approximative : calculée à partir de l'adresse (${level})`;
  if (Number.isFinite(p.geocode_score))
    sentence += `, concordance ${Math.round(p.geocode_score * 100)}\u00a0%`;
  return `${sentence}.`;
}

/* Links of a card to the procedures about this place (when the territory offers them). */
const SCHOOL_CATEGORIES = new Set(['primary-school']);

function formLink(id) {
  return state.forms.some((f) => f.id === id) ? `demarche.html?id=${encodeURIComponent(id)}` : '';
}

function cardActions(feature, p) {
  const place = `&lieu=${encodeURIComponent(String(feature.id))}`;
  const links = [];
  const enrol = formLink('inscription-scolaire');
  if (enrol && SCHOOL_CATEGORIES.has(text(p.category)))
    links.push(h('a', { href: enrol + place, class: 'place-action' }, 'Inscrire un enfant dans cette école'));
  const report = formLink('signaler-erreur');
  if (report)
    links.push(h('a', { href: report + place, class: 'place-action' }, 'Signaler une erreur sur ce lieu'));
  return links.length ? h('ul', { class: 'place-actions' }, ...links.map((a) => h('li', {}, a))) : null;
}

function renderCard(feature) {
  const p = feature.properties || {};
  const headingId = `card-${String(feature.id).replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const card = h('article', { class: 'place-card', 'aria-labelledby': headingId });
  card.append(h('h3', { id: headingId, tabindex: '-1' }, text(p.name) || 'Lieu sans nom'));

  const cat = text(p.category_label) || categoryLabel(text(p.category));
  const parentCode = text(p.parent_category) ||
    (state.categories.get(text(p.category)) || {}).parent || '';
  const parent = parentCode ? categoryLabel(parentCode) : '';
  card.append(h('p', { class: 'place-category' }, parent && parent !== cat ? `${cat} · ${parent}` : cat));

  const facts = h('dl', { class: 'place-facts' });
  const addressLines = text(p.address).split('\n').map((l) => l.trim()).filter(Boolean);
  const town = [text(p.postcode), text(p.commune)].filter(Boolean).join(' ');
  if (town)
    addressLines.push(town);
  if (addressLines.length > 0)
    detailRow(facts, 'Adresse', h('span', { class: 'multiline' }, addressLines.join('\n')));
  const phone = text(p.phone);
  if (phone)
    detailRow(facts, 'Téléphone', telHref(phone) ? h('a', { href: telHref(phone) }, phone) : phone);
  const email = text(p.email);
  if (email)
    detailRow(facts, 'Courriel', mailtoHref(email) ? h('a', { href: mailtoHref(email) }, email) : email);
  const website = text(p.website);
  if (website) {
    const href = safeHttpUrl(website);
    detailRow(facts, 'Site web', href ? h('a', { href, rel: 'noopener' }, website) : website);
  }
  const hours = text(p.opening_hours);
  if (hours)
    detailRow(facts, 'Horaires', h('span', { class: 'multiline' }, hours));
  const open = openStateText(p);
  if (open)
    detailRow(facts, 'En ce moment', h('span', { class: 'place-hours', 'data-state': open.state },
                                           open.text));
  if (Number.isFinite(p.distance_m))
    detailRow(facts, 'Distance', `${formatDistance(p.distance_m)} du point de recherche`);
  if (facts.childElementCount > 0)
    card.append(facts);
  const geocoded = geocodeText(p);
  if (geocoded)
    card.append(h('p', { class: 'place-dataset place-geocoded', role: 'note' }, geocoded));

  const description = text(p.description);
  if (description)
    card.append(h('p', { class: 'place-description multiline' }, description));

  /* Provenance: the licence is always shown, falling back to the territory's default. */
  const licence = licenceInfo(text(p.licence) ||
                              text(state.territory && state.territory.default_licence));
  const publisher = text(p.publisher) || text(p.source_title) || text(p.source) || 'non précisée';
  const provenance = h('p', { class: 'place-source' }, `Source : ${publisher} — `,
                       licence.url ? h('a', { href: licence.url, rel: 'noopener' }, licence.label)
                                   : licence.label);
  card.append(provenance);
  const dataset = [text(p.source_title)];
  if (text(p.source_date))
    dataset.push(`données du ${formatDate(text(p.source_date))}`);
  if (dataset.filter(Boolean).length > 0)
    card.append(h('p', { class: 'place-dataset' }, dataset.filter(Boolean).join(', ')));
  /* A resident's contribution validated by the commune (docs/backoffice.md §7). */
  const contribution = text(p.contribution);
  if (contribution) {
    const when = text(p.contribution_date) ? ` le ${formatDate(text(p.contribution_date))}` : '';
    card.append(h('p', { class: 'place-dataset place-contribution' },
                  `${contribution.charAt(0).toUpperCase()}${contribution.slice(1)}${when}`));
  }
  const actions = cardActions(feature, p);
  if (actions)
    card.append(actions);
  return card;
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
      open ? h('span', { class: 'visually-hidden' }, ', ') : null,
      open ? h('span', { class: 'place-hours', 'data-state': open.state }, open.text) : null));
  button.addEventListener('click', () => openFromList(id));
  return h('li', {}, button);
}

async function openFromList(id) {
  markSelected(id, false);
  const popup = await state.placeMap.openPlace(id);
  const heading = popup && popup.querySelector('.place-card h3');
  if (heading)
    heading.focus({ preventScroll: true });
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
    q: ui.q.value.trim(),
    openNow: ui.openNow.checked,
    mode: areaMode(),
  };
}

function announce(answer, search) {
  const shown = answer.features.length;
  const matched = Number.isInteger(answer.numberMatched) ? answer.numberMatched : shown;
  const within = search.mode === 'view' ? 'dans la zone affichée'
    : `à moins de ${formatDistance(search.radius)}`;
  const extras = [];
  if (search.q)
    extras.push(` pour « ${search.q} »`);
  if (search.category)
    extras.push(` dans la catégorie « ${categoryLabel(search.category)} »`);
  if (search.openNow)
    extras.push(', ouverts maintenant');
  const where = extras.join('');
  let message;
  if (matched === 0)
    message = `Aucun lieu trouvé ${within}${where}.`;
  else
    message = `${formatPlaces(matched)} ${matched > 1 ? 'trouvés' : 'trouvé'} ${within}${where}.`;
  if (matched > MAP_MAX)
    message += search.q ? ` Les ${formatPlaces(MAP_MAX)} plus pertinents sont sur la carte.`
      : ` Les ${formatPlaces(MAP_MAX)} plus proches sont sur la carte.`;
  setStatus(message, 'info');
  ui.hint.textContent = search.q
    ? 'Du plus pertinent au moins pertinent, les plus proches d’abord à pertinence égale. Choisissez un lieu pour afficher sa fiche sur la carte.'
    : 'Du plus proche au plus éloigné. Choisissez un lieu pour afficher sa fiche sur la carte.';
}

/* Searches with the form's criteria around (lat, lon): within the radius, or in the map's
 * visible area in "Dans la zone affichée" mode (distances still measured from (lat, lon)). */
async function runSearch(lat, lon) {
  const search = { lat, lon, ...currentCriteria() };
  state.search = search;
  if (state.controller)
    state.controller.abort();
  const controller = new AbortController();
  state.controller = controller;
  const seq = ++state.seq;
  ui.list.setAttribute('aria-busy', 'true');
  setStatus('Recherche en cours…', 'busy');
  const query = { lat, lon, category: search.category, q: search.q, openNow: search.openNow,
                  limit: resultLimit };
  if (search.mode === 'view')
    query.bbox = state.placeMap.bounds();
  else
    query.radius = search.radius;
  /* The page's "Données ouvertes" section (opendata.js) offers this selection for download. */
  document.dispatchEvent(new CustomEvent('geodir:search', {
    detail: { ...query, categoryLabel: search.category ? categoryLabel(search.category) : '' } }));
  try {
    const answer = await fetchPlaces(query, controller.signal);
    if (seq !== state.seq)
      return;
    const features = Array.isArray(answer.features) ? answer.features : [];
    state.features = features;
    if (search.mode === 'view')
      state.placeMap.clearSearchArea();
    else
      state.placeMap.setSearchArea(lat, lon, search.radius);
    state.placeMap.setPlaces(features, state.card);
    state.pager.reset(features);
    announce({ ...answer, features }, search);
    /* the rest of the answer, for the map and « Voir plus de lieux » */
    ui.mapBox.dataset.complete = 'false';
    streamRest(answer, query, { signal: controller.signal, pageSize: pageLimit, onPage: (more) => {
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
    state.placeMap.setPlaces([], state.card);
    state.pager.reset([]);
    setStatus(e instanceof ApiError ? e.message : 'La recherche a échoué.', 'error');
  } finally {
    if (seq === state.seq) {
      ui.list.setAttribute('aria-busy', 'false');
      ui.list.dataset.searchSeq = String(seq);
      const id = state.placeToOpen;
      state.placeToOpen = null;
      if (id && listButton(id))
        openFromList(id);
    }
  }
}

function searchAgain() {
  const at = areaMode() === 'view' || !state.search ? state.placeMap.center() : state.search;
  runSearch(at.lat, at.lon);
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
    /* Show that place: search around it in every category, then open its card. */
    ui.category.value = '';
    state.placeToOpen = String(item.id);
  }
  ui.areas.forEach((r) => { r.checked = r.value === 'around'; });
  syncAreaControls();
  state.placeMap.moveTo(lat, lon, item.type === 'commune' ? 13 : 15);
  runSearch(lat, lon);
}

/* --- start-up ------------------------------------------------------------------------------ */

function syncAreaControls() {
  ui.radius.disabled = areaMode() === 'view';
}

/* --- start-up ------------------------------------------------------------------------------ */

/* Follows the server's limits: distances above max_radius are removed from the choices, the
 * default distance is preselected, and the list is as long as the server's default limit. */
function applySearchLimits(search) {
  const max = Number(search.max_radius);
  const def = Number(search.default_radius);
  if (Number.isFinite(max) && max > 0) {
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

  state.pager = new ListPager(ui.list, renderItem);
  state.placeMap = new PlaceMap(ui.mapBox, territory.map || {}, {
    onMapClick: (lat, lon) => {
      ui.areas.forEach((r) => { r.checked = r.value === 'around'; });
      syncAreaControls();
      runSearch(lat, lon);
    },
    onViewChange: () => {
      if (areaMode() === 'view')
        searchAgain();
    },
    onMarkerClick: (id) => markSelected(id, true),
    onPopupClose: (id, hadFocus) => {
      markSelected(null, false);
      state.placeMap.highlight(null);
      const button = listButton(id);
      if (hadFocus && button)
        button.focus();
    },
  });

  fetchHealth()
    .then((health) => {
      if (typeof health.built_at === 'string' && health.built_at !== '')
        ui.dataNote.textContent = `Données publiques ouvertes, mises à jour le ${formatDate(health.built_at)} ; ` +
          'la source et la licence de chaque lieu figurent sur sa fiche.';
    })
    .catch(() => { /* the default note stays */ });
  fetchCommunesGeojson()
    .then((fc) => state.placeMap.setCommunes(fc))
    .catch(() => { /* the boundaries are a backdrop: the page works without them */ });

  const forms = fetchForms().catch(() => []);   /* without procedures, the map works alike */
  try {
    renderCategories(await fetchCategories());
  } catch {
    ui.category.disabled = true;       /* "Toutes les catégories" stays; search still works */
  }
  state.forms = await forms;

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

  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    const c = state.placeMap.center();
    runSearch(c.lat, c.lon);
  });
  ui.category.addEventListener('change', searchAgain);
  ui.radius.addEventListener('change', searchAgain);
  ui.openNow.addEventListener('change', searchAgain);
  for (const radio of ui.areas) {
    radio.addEventListener('change', () => {
      syncAreaControls();
      searchAgain();
    });
  }
  syncAreaControls();

  const c = state.placeMap.center();
  await runSearch(c.lat, c.lon);
  document.body.dataset.ready = 'true';
}

main();
