/*
 * commune.js — one commune's page (commune.html at /commune/<insee>; the server answers it only
 * for a member commune): name and postcodes, its alerts valid now, its next events and its waste
 * collection days with the « Ajouter à mon agenda » link (life.js), the mairie with its hours in
 * words, the places of
 * the commune by category (/api/places?commune=), its associations, the online procedures
 * offered there (/api/forms?commune=), and its outline (/api/communes.geojson) with its places
 * as dots on a small Leaflet map over the territory's basemap.
 */
import * as L from '/vendor/leaflet/leaflet-src.esm.js';

import { fetchCommunesGeojson, fetchPlaces } from './api.js';
import { h } from './dom.js';
import { formatPlaces, sanitizeAttribution } from './format.js';
import { currentAlerts, nextEvents, wasteSection } from './life.js';
import { flatPlaces, loadCommunes, markReady, placeItem, proceduresList } from './resident.js';
import { loadTerritory, shortName } from './site.js';

const el = (id) => document.getElementById(id);

/* The places of a list, or the sentence none. */
function placesOrNone(places, none) {
  return places.length ? h('ul', { class: 'places' }, ...places.map((p) => placeItem(p, { withDistance: false })))
    : h('p', { class: 'none' }, none);
}

/* The places other than the mairie and the associations, one heading per category. */
function byCategory(places, communeName) {
  if (places.length === 0)
    return h('p', { class: 'none' }, `Aucun autre lieu de ${communeName} n’est recensé dans l’annuaire.`);
  const groups = new Map();
  for (const p of places) {
    const label = p.category_label || p.category || 'Autres lieux';
    if (!groups.has(label))
      groups.set(label, []);
    groups.get(label).push(p);
  }
  const labels = [...groups.keys()].sort((a, b) => a.localeCompare(b, 'fr'));
  return h('div', {}, ...labels.map((label, i) => h('section', { class: 'category-group', 'aria-labelledby': `cat-${i}` },
    h('h3', { id: `cat-${i}` }, label),
    placesOrNone(groups.get(label), ''))));
}

/* The commune's outline on a small map (resolves to the Leaflet map); the box is hidden when
 * there is no outline (resolves to null). */
async function drawOutline(insee, territory) {
  const box = document.querySelector('.commune-map-box');
  let feature = null;
  try {
    const geo = await fetchCommunesGeojson();
    feature = (geo.features || []).find((f) => (f.id || (f.properties && f.properties.insee)) === insee && f.geometry);
  } catch {
    feature = null;
  }
  if (!feature) {
    box.hidden = true;
    return null;
  }
  const map = L.map(el('commune-map'), { zoomControl: true, scrollWheelZoom: false });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com" hreflang="en" rel="noopener">Leaflet</a>');
  const cfg = (territory && territory.map) || {};
  if (typeof cfg.tiles_url === 'string' && cfg.tiles_url !== '')
    L.tileLayer(cfg.tiles_url, { attribution: sanitizeAttribution(cfg.tiles_attribution || ''), maxZoom: 19 }).addTo(map);
  const outline = L.geoJSON(feature, { style: { color: '#1d4f91', weight: 3, fillOpacity: 0.08 } }).addTo(map);
  map.fitBounds(outline.getBounds(), { padding: [12, 12] });
  el('commune-map').dataset.outline = 'true';
  return map;
}

/* The commune's places as dots on its map (the lists above are their accessible equivalent). */
function drawPlaces(map, places) {
  for (const p of places) {
    if (Number.isFinite(p.lat) && Number.isFinite(p.lon))
      L.circleMarker([p.lat, p.lon], { radius: 6, color: '#a4261c', weight: 2, fillOpacity: 0.8 })
        .bindTooltip(p.name).addTo(map);
  }
}

async function main() {
  const m = /^\/commune\/([0-9][0-9AB][0-9]{3})$/.exec(window.location.pathname);
  const insee = m ? m[1] : '';
  const territory = await loadTerritory();
  let commune = null;
  try {
    commune = (await loadCommunes()).find((c) => c.insee === insee) || null;
  } catch (e) {
    el('commune-status').textContent = e.message;
  }
  if (!commune) {
    el('commune-name').textContent = 'Commune introuvable';
    document.title = `Commune introuvable — ${shortName(territory)}`;
    markReady();
    return;
  }
  el('commune-name').textContent = commune.name;
  document.title = `${commune.name} — ${shortName(territory)}`;
  const postcodes = Array.isArray(commune.postcodes) && commune.postcodes.length
    ? `Code postal ${commune.postcodes.join(', ')} · ` : '';
  el('commune-summary').textContent = `${postcodes}${formatPlaces(commune.places || 0)} dans l’annuaire.`;
  const map = drawOutline(insee, territory);
  const life = Promise.all([currentAlerts(insee, commune.name), nextEvents(insee, commune.name),
                            wasteSection({ commune: insee })]);
  let places = [];
  try {
    places = flatPlaces(await fetchPlaces({ commune: insee, sort: 'name', limit: 500 }));
  } catch (e) {
    el('commune-status').textContent = e.message;
  }
  const of = (cat) => places.filter((p) => p.category === cat);
  el('mairie').replaceChildren(placesOrNone(of('town-hall'), `La mairie de ${commune.name} n’est pas recensée dans l’annuaire.`));
  el('associations').replaceChildren(placesOrNone(of('association'), `Aucune association de ${commune.name} n’est recensée dans l’annuaire.`));
  el('services').replaceChildren(byCategory(places.filter((p) => p.category !== 'town-hall' && p.category !== 'association'), commune.name));
  el('procedures').replaceChildren(await proceduresList(insee, commune.name));
  const [alerts, events, waste] = await life;
  el('commune-alerts').replaceChildren(alerts);
  el('commune-events').replaceChildren(events);
  el('commune-waste').replaceChildren(waste);
  for (const id of ['mairie', 'associations', 'services', 'procedures', 'commune-alerts', 'commune-events', 'commune-waste'])
    el(id).setAttribute('aria-busy', 'false');
  const drawn = await map;
  if (drawn)
    drawPlaces(drawn, places);
  markReady();
}

main();
