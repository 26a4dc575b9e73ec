/*
 * resident.js — what the resident's pages share (installation.js « Je m'installe », commune.js,
 * communes.js): opening hours said in words (« Ouvert jusqu’à 12 h 15 », « Fermé, ouvre mardi
 * à 8 h 30 », « Horaires non renseignés »), a place as a list item (name, how far, address,
 * hours, phone), the list of procedures of a commune as links to their forms, the member
 * communes, and the page's readiness flag for tests. Nothing from the server reaches the DOM as
 * HTML.
 *
 * hoursInWords is meant to merge with format.js's own hours-in-words function when there is one
 * (issue 14): it is kept here, small, so that the two can become one.
 */
import { fetchCommunes } from './api.js';
import { h } from './dom.js';
import { formatDistance, telHref } from './format.js';
import { fetchForms } from './forms-api.js';

const WEEKDAYS = ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'];
const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août',
                'septembre', 'octobre', 'novembre', 'décembre'];
const PARIS_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric',
                                                      month: '2-digit', day: '2-digit' });

/* "08:30" -> "8 h 30", "12:00" -> "12 h" (French typography, non-breaking spaces). */
export function frenchClock(hh, mm) {
  const hours = String(Number(hh));
  return Number(mm) === 0 ? `${hours}\u00a0h` : `${hours}\u00a0h\u00a0${mm}`;
}

/* When an instant of the API ("2026-07-15T18:00:00+02:00", Paris wall-clock time) falls, said
 * from today in Paris: { today, text } with text "à 18 h", "demain à 8 h 30", "mardi à 8 h 30",
 * "le 1er septembre à 10 h"; null for anything else. */
function whenInWords(iso, now) {
  const m = typeof iso === 'string' ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso) : null;
  if (!m)
    return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [ty, tm, td] = PARIS_DATE.format(new Date(now)).split('-').map(Number);
  const diff = Math.round((Date.UTC(y, mo - 1, d) - Date.UTC(ty, tm - 1, td)) / 86400000);
  const clock = frenchClock(m[4], m[5]);
  if (diff === 0)
    return { today: true, clock, text: `à ${clock}` };
  if (diff === 1)
    return { today: false, clock, text: `demain à ${clock}` };
  if (diff > 1 && diff < 7)
    return { today: false, clock, text: `${WEEKDAYS[new Date(Date.UTC(y, mo - 1, d)).getUTCDay()]} à ${clock}` };
  return { today: false, clock, text: `le ${d === 1 ? '1er' : d} ${MONTHS[mo - 1]}${y !== ty ? ` ${y}` : ''} à ${clock}` };
}

/**
 * A place's opening state in words from its API properties (open_state, next_change,
 * next_state, opening_hours_valid): { state: 'open'|'closed'|'unknown'|'none', text }.
 */
export function hoursInWords(props, now = Date.now()) {
  const p = props || {};
  if (typeof p.open_state !== 'string' || p.open_state === '')
    return { state: 'none', text: 'Horaires non renseignés' };
  if (p.opening_hours_valid === false || p.open_state === 'unknown')
    return { state: 'unknown', text: 'Horaires à confirmer auprès du lieu' };
  const when = whenInWords(p.next_change, now);
  if (p.open_state === 'open') {
    if (!when)
      return { state: 'open', text: 'Ouvert en permanence' };
    return { state: 'open', text: when.today ? `Ouvert jusqu’à ${when.clock}` : `Ouvert, ferme ${when.text}` };
  }
  if (!when)
    return { state: 'closed', text: 'Fermé' };
  return { state: 'closed', text: `Fermé, ouvre ${when.text}` };
}

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
  const hours = hoursInWords(p);
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
