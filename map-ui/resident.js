/*
 * resident.js — what the resident's pages share (installation.js « Je m'installe », commune.js,
 * communes.js): a place as a list item (name, how far, address, its hours in words by
 * format.js's openStateText — « Ouvert · ferme à 12 h 15 », « Fermé · ouvre mardi à 8 h 30 »,
 * « Horaires non renseignés » —, phone), the list of procedures of a commune as links to their
 * forms, the member communes, and the page's readiness flag for tests. Nothing from the server
 * reaches the DOM as HTML.
 */
import { fetchCommunes } from './api.js';
import { h } from './dom.js';
import { formatDistance, openStateText, telHref } from './format.js';
import { fetchForms } from './forms-api.js';

/* « à 2,3 km » (or '' without a distance). */
export function howFar(metres) {
  const d = formatDistance(metres);
  return d ? `à ${d.replace(' ', '\u00a0')}` : '';
}

/**
 * One place as an <li>: its name (with how far when withDistance), its address and commune,
 * its hours in words and its phone. p: a place of /api/places?f=json.
 */
export function placeItem(p, { withDistance = true } = {}) {
  const far = withDistance ? howFar(p.distance_m) : '';
  const hours = openStateText(p);
  const where = [p.address, [p.postcode, p.commune].filter(Boolean).join(' ')].filter(Boolean).join(', ');
  const tel = telHref(p.phone);
  return h('li', { class: 'place-item', 'data-id': p.id },
    h('span', { class: 'place-name' }, p.name),
    far ? h('span', { class: 'place-far' }, ` ${far}`) : null,
    where ? h('span', { class: 'place-where' }, where) : null,
    h('span', { class: `place-hours hours-${hours.state}` }, hours.text),
    tel ? h('a', { class: 'place-phone', href: tel }, `Téléphone\u00a0: ${p.phone}`) : null);
}

/* The places of a GeoJSON answer of /api/places as flat objects ({ id, lat, lon, ...properties }). */
export function flatPlaces(answer) {
  return (Array.isArray(answer.features) ? answer.features : []).map((f) => ({
    ...f.properties, id: f.id, lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] }));
}

/* The member communes, sorted by name: [{ insee, name, postcodes, places }]. */
export async function loadCommunes(signal) {
  const answer = await fetchCommunes(signal);
  return (Array.isArray(answer.communes) ? answer.communes : [])
    .filter((c) => c && typeof c.insee === 'string')
    .sort((a, b) => String(a.name).localeCompare(String(b.name), 'fr'));
}

/**
 * The online procedures offered in commune insee as a list of links to their forms, or a
 * sentence when there is none or the list cannot be loaded: a DOM node.
 */
export async function proceduresList(insee, communeName) {
  let forms;
  try {
    forms = await fetchForms(insee);
  } catch (e) {
    /* 404: this server offers no online procedures (no forms_dir) */
    if (!(e && e.status === 404))
      return h('p', { class: 'none' }, 'La liste des démarches en ligne n’a pas pu être chargée.');
    forms = [];
  }
  if (!Array.isArray(forms) || forms.length === 0)
    return h('p', { class: 'none' }, `Aucune démarche en ligne n’est proposée à ${communeName}.`);
  return h('ul', { class: 'procedures' }, ...forms.map((f) => h('li', {},
    h('a', { href: `/demarche.html?id=${encodeURIComponent(f.id)}` }, f.title || f.id),
    f.description ? h('span', { class: 'procedure-description' }, f.description) : null)));
}

/* Marks the page settled for tests and tools (body[data-ready]). */
export function markReady(value = 'true') {
  document.body.dataset.ready = value;
}
