/*
 * installation.js — « Je m'installe » (installation.html, /je-m-installe): the newcomer gives an
 * address (the geocoder's suggestions, /api/search/, in a combobox) or their position (« Me
 * localiser », the browser's geolocation; a French message when it is refused or unavailable),
 * and gets one page: their commune (with a link to its page), its mairie with its hours in
 * words, the nearest school, périscolaire, doctor, pharmacy, post office and déchèterie (each
 * with how far; « aucun … recensé dans le territoire » when the directory has none, the nearest
 * one beyond NEAR_M when none is nearer), the associations of the commune and its online
 * procedures. The commune of a position is the member commune whose outline holds it
 * (/api/communes.geojson), else the commune of the nearest address within 1 km
 * (/api/reverse/), else none: the position is outside the territory and only the nearest
 * services are shown. In a member commune also its alerts valid now, its next events and the
 * waste collection days of the address (/api/waste?lat=&lon=: « quand sortir mon bac ? », the
 * déchèterie, « Ajouter à mon agenda » to /api/waste.ics of the address; life.js).
 */
import { fetchAddresses, fetchCommunesGeojson, fetchPlaces, fetchReverse } from './api.js';
import { Combobox } from './combobox.js';
import { h } from './dom.js';
import { currentAlerts, nextEvents, wasteSection } from './life.js';
import { flatPlaces, loadCommunes, markReady, placeItem, proceduresList } from './resident.js';
import { loadTerritory, shortName } from './site.js';

const NEAR_M = 10000;
const NEAR_TEXT = '10\u00a0km';

/* What a newcomer looks for around their home: category, heading, the noun and its gender for
 * the sentences, how many to show. */
const NEEDS = [
  { category: 'primary-school', title: 'École maternelle et élémentaire', noun: 'école', fem: true, max: 2 },
  { category: 'secondary-school', title: 'Collège et lycée', noun: 'collège ni lycée', fem: false, max: 2 },
  { category: 'after-school', title: 'Accueil périscolaire', noun: 'accueil périscolaire', fem: false, max: 2 },
  { category: 'childcare', title: 'Crèche et garde d’enfants', noun: 'crèche ni micro-crèche', fem: true, max: 2 },
  { category: 'gp', title: 'Médecin généraliste', noun: 'médecin généraliste', fem: false, max: 2 },
  { category: 'pharmacy', title: 'Pharmacie', noun: 'pharmacie', fem: true, max: 2 },
  { category: 'post-office', title: 'La Poste', noun: 'point La Poste', fem: false, max: 2 },
  { category: 'waste', title: 'Déchèterie', noun: 'déchèterie', fem: true, max: 1 },
];

const ui = {
  form: document.getElementById('where-form'),
  input: document.getElementById('address'),
  list: document.getElementById('address-list'),
  hint: document.getElementById('address-status'),
  locate: document.getElementById('locate'),
  status: document.getElementById('where-status'),
  result: document.getElementById('result'),
};
let communes = new Map();     /* INSEE -> commune of /api/communes */
let outlines = null;          /* promise of /api/communes.geojson */
let run = 0;                  /* the latest request for a result; older ones are dropped */
let baseTitle = document.title;   /* « Je m’installe — <territory> »; an answer puts its commune first */

function say(text, kind = '') {
  ui.status.textContent = text;
  if (kind)
    ui.status.dataset.kind = kind;
  else
    delete ui.status.dataset.kind;
}

/* 1 when [lon, lat] lies inside the ring (even-odd rule). */
function inRing(pt, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > pt[1]) !== (yj > pt[1]) && pt[0] < ((xj - xi) * (pt[1] - yi)) / (yj - yi) + xi)
      inside = !inside;
  }
  return inside;
}

function inGeometry(pt, g) {
  const polygons = g && g.type === 'Polygon' ? [g.coordinates] : g && g.type === 'MultiPolygon' ? g.coordinates : [];
  return polygons.some((rings) => inRing(pt, rings[0]) && !rings.slice(1).some((hole) => inRing(pt, hole)));
}

/* The member commune holding the point, else the one of the nearest address; and that
 * address's label: { insee, label }. */
async function communeAt(lat, lon) {
  if (!outlines)
    outlines = fetchCommunesGeojson().catch(() => ({ features: [] }));
  const [geo, near] = await Promise.all([outlines, fetchReverse(lat, lon).catch(() => null)]);
  const hit = (geo.features || []).find((f) => inGeometry([lon, lat], f.geometry));
  const address = near && Array.isArray(near.features) && near.features[0] ? near.features[0].properties : null;
  const near1km = address && Number.isFinite(address.distance) && address.distance <= 1000;
  return { insee: hit ? hit.id || hit.properties.insee : (near1km && address.citycode) || '',
           label: address && address.distance < 300 ? `près du ${address.label}` : '' };
}

function nearestBlock(need, places) {
  const within = places.filter((p) => p.distance_m <= NEAR_M).slice(0, need.max);
  const headingId = `need-${need.category}`;
  let body;
  if (places.length === 0) {
    body = h('p', { class: 'none' },
      `${need.fem ? 'Aucune' : 'Aucun'} ${need.noun} ${need.fem ? 'recensée' : 'recensé'} dans le territoire.`);
  } else if (within.length === 0) {
    body = h('div', {},
      h('p', { class: 'none' }, `${need.fem ? 'Aucune' : 'Aucun'} ${need.noun} à moins de ${NEAR_TEXT}. ` +
        `${need.fem ? 'La plus proche' : 'Le plus proche'}\u00a0:`),
      h('ul', { class: 'places' }, placeItem(places[0])));
  } else {
    body = h('ul', { class: 'places' }, ...within.map((p) => placeItem(p)));
  }
  return h('section', { class: 'need', 'aria-labelledby': headingId, 'data-category': need.category },
    h('h3', { id: headingId }, need.title), body);
}

async function needBlock(need, lat, lon) {
  try {
    const answer = await fetchPlaces({ lat, lon, category: need.category, k: 3, sort: 'distance', limit: 3 });
    return nearestBlock(need, flatPlaces(answer));
  } catch {
    return h('section', { class: 'need', 'data-category': need.category }, h('h3', {}, need.title),
      h('p', { class: 'none' }, 'Cette information n’a pas pu être chargée.'));
  }
}

/* The places of category in commune insee, nearest first: an <ul> or the sentence none. */
async function communeList(insee, category, lat, lon, none) {
  try {
    const places = flatPlaces(await fetchPlaces({ lat, lon, commune: insee, category, sort: 'distance', limit: 50 }));
    return places.length ? h('ul', { class: 'places' }, ...places.map((p) => placeItem(p)))
      : h('p', { class: 'none' }, none);
  } catch {
    return h('p', { class: 'none' }, 'Cette information n’a pas pu être chargée.');
  }
}

function section(id, title, ...content) {
  return h('section', { class: 'result-part', 'aria-labelledby': id }, h('h2', { id }, title), ...content);
}

/* The whole answer for the point (lat, lon) described by label, in commune insee. */
async function showResult(lat, lon, label, insee) {
  const mine = ++run;
  ui.result.setAttribute('aria-busy', 'true');
  say('Recherche des services autour de chez vous…', 'busy');
  const commune = communes.get(insee);
  const needs = Promise.all(NEEDS.map((n) => needBlock(n, lat, lon)));
  const parts = commune ? await Promise.all([
    communeList(insee, 'town-hall', lat, lon, `Aucune mairie de ${commune.name} n’est recensée dans l’annuaire.`),
    communeList(insee, 'association', lat, lon, `Aucune association de ${commune.name} n’est recensée dans l’annuaire.`),
    proceduresList(insee, commune.name),
    currentAlerts(insee, commune.name),
    nextEvents(insee, commune.name),
    wasteSection({ lat: lat.toFixed(5), lon: lon.toFixed(5) }),
  ]) : null;
  const nearest = await needs;
  if (mine !== run)
    return;
  const title = commune ? `Votre commune\u00a0: ${commune.name}` : 'Hors du territoire';
  const head = h('div', { class: 'result-head' },
    h('h2', { id: 'result-heading', tabindex: '-1' }, title),
    label ? h('p', {}, label) : null,
    commune ? h('p', {}, h('a', { href: `/commune/${encodeURIComponent(insee)}` }, `Tout sur ${commune.name}`))
      : h('p', {}, 'Cette adresse n’est pas dans une commune du territoire\u00a0: voici tout de même les services les plus proches.'));
  const blocks = [head];
  if (parts) {
    blocks.push(section('part-alerts', 'Alertes en cours', parts[3]));
    blocks.push(section('part-mairie', 'Votre mairie', parts[0]));
    blocks.push(section('part-waste', 'Collecte des déchets', parts[5]));
  }
  blocks.push(section('part-near', 'Les services les plus proches', ...nearest));
  if (parts) {
    blocks.push(section('part-events', 'Prochains événements', parts[4]));
    blocks.push(section('part-assoc', `Les associations de ${commune.name}`, parts[1]));
    blocks.push(section('part-forms', 'Vos démarches en ligne', parts[2]));
  }
  ui.result.replaceChildren(...blocks);
  document.title = `${commune ? commune.name : 'Hors du territoire'} — ${baseTitle}`;
  ui.result.setAttribute('aria-busy', 'false');
  say(commune ? `${commune.name}\u00a0: votre mairie, les services les plus proches et vos démarches sont affichés ci-dessous.`
    : 'Les services les plus proches sont affichés ci-dessous.');
  document.getElementById('result-heading').focus();
  markReady(`result-${run}`);
}

/* An address of the geocoder (GeoCodeJSON feature) chosen or found. */
function useAddress(f) {
  const p = f.properties;
  const [lon, lat] = f.geometry.coordinates;
  ui.input.value = p.label;
  showResult(lat, lon, `Adresse\u00a0: ${p.label}`, p.citycode);
}

/* Entrée without a chosen suggestion: the geocoder's best answer for the text. */
async function searchTyped() {
  const text = ui.input.value.trim();
  if (text.length < 3) {
    say('Saisissez votre adresse (au moins 3 caractères) ou utilisez «\u00a0Me localiser\u00a0».', 'error');
    ui.input.focus();
    return;
  }
  try {
    const answer = await fetchAddresses(text.slice(0, 200), null, 1);
    const f = Array.isArray(answer.features) ? answer.features[0] : null;
    if (f)
      useAddress(f);
    else
      say('Adresse introuvable dans le territoire\u00a0: vérifiez-la ou choisissez une adresse suggérée.', 'error');
  } catch (e) {
    say(e.message, 'error');
  }
}

const GEO_REFUSED = 'Vous n’avez pas autorisé la localisation\u00a0: saisissez votre adresse ci-dessus.';
const GEO_UNAVAILABLE = 'La localisation n’est pas disponible dans ce navigateur\u00a0: saisissez votre adresse ci-dessus.';
const GEO_FAILED = 'Votre position n’a pas pu être déterminée\u00a0: saisissez votre adresse ci-dessus.';

function locate() {
  const fail = (text) => {
    say(text, 'error');
    ui.input.focus();
  };
  if (!('geolocation' in navigator) || !window.isSecureContext) {
    fail(GEO_UNAVAILABLE);
    return;
  }
  say('Localisation en cours…', 'busy');
  navigator.geolocation.getCurrentPosition(async (pos) => {
    const { latitude: lat, longitude: lon } = pos.coords;
    try {
      const where = await communeAt(lat, lon);
      showResult(lat, lon, where.label ? `Votre position, ${where.label}` : 'Votre position', where.insee);
    } catch (e) {
      fail(e.message);
    }
  }, (err) => fail(err.code === 1 ? GEO_REFUSED : err.code === 2 ? GEO_UNAVAILABLE : GEO_FAILED),
  { enableHighAccuracy: false, timeout: 15000, maximumAge: 0 });
}

const TYPE_WORDS = { housenumber: 'adresse', street: 'voie', locality: 'lieu-dit', municipality: 'commune' };

async function main() {
  const territory = await loadTerritory();
  baseTitle = `Je m’installe — ${shortName(territory)}`;
  document.title = baseTitle;
  try {
    communes = new Map((await loadCommunes()).map((c) => [c.insee, c]));
  } catch {
    /* the services still show; the commune is then unknown */
  }
  new Combobox(ui.input, ui.list, ui.hint, {    // eslint-disable-line no-new
    minLength: 3,
    suggest: async (text, signal) => {
      const answer = await fetchAddresses(text.slice(0, 200), signal);
      return Array.isArray(answer.features) ? answer.features : [];
    },
    describe: (f) => ({ label: f.properties.label, detail: TYPE_WORDS[f.properties.type] || '', kind: 'address' }),
    choose: useAddress,
  });
  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    searchTyped();
  });
  ui.locate.addEventListener('click', locate);
  markReady();
}

main();
