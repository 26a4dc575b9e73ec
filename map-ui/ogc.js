/*
 * ogc.js — the small map of the OGC API's items pages (/ogc/collections/…/items and one item,
 * written by geoapi/h_ogc_items.c). The page names the GeoJSON of what its table shows in the
 * map element's data-geojson attribute (always CRS84); this module draws it with Leaflet on the
 * territory's basemap (/api/territory), fits the view, and links each feature to its page.
 * The table is the accessible path to every feature: the map adds nothing the table lacks.
 * Server strings reach the DOM through textContent only (the tile attribution is sanitised).
 */
import * as L from '/vendor/leaflet/leaflet-src.esm.js';

import { sanitizeAttribution } from './format.js';

function itemHref(feature, base) {
  /* The feature's HTML page: its self link when the answer has one, else base/items/{id}. */
  const links = Array.isArray(feature.links) ? feature.links : [];
  const alt = links.find((l) => l && l.rel === 'alternate' && l.type === 'text/html');
  if (alt && typeof alt.href === 'string') return alt.href;
  if (feature.id === undefined || feature.id === null) return null;
  return `${base}/${encodeURIComponent(String(feature.id))}?f=html`;
}

function featureName(feature) {
  const p = feature.properties || {};
  for (const key of ['name', 'street']) {
    if (typeof p[key] === 'string' && p[key] !== '') {
      return key === 'street' && p.housenumber ? `${p.housenumber} ${p[key]}` : p[key];
    }
  }
  return String(feature.id ?? '');
}

function popupContent(feature, base) {
  const box = document.createElement('div');
  const href = itemHref(feature, base);
  const name = featureName(feature);
  if (href) {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = name;
    box.appendChild(a);
  } else {
    box.textContent = name;
  }
  return box;
}

async function tiles() {
  try {
    const r = await fetch('/api/territory', { headers: { Accept: 'application/json' } });
    if (!r.ok) return null;
    const t = await r.json();
    return t && t.map ? t.map : null;
  } catch (e) {
    return null;
  }
}

async function draw(el) {
  const url = el.getAttribute('data-geojson');
  if (!url) return;
  const map = L.map(el, { zoomControl: false, keyboard: true });
  L.control.zoom({ zoomInTitle: 'Zoom avant', zoomOutTitle: 'Zoom arrière' }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  map.attributionControl.setPrefix(
    '<a href="https://leafletjs.com" hreflang="en" rel="noopener">Leaflet</a>');
  const cfg = await tiles();
  if (cfg && typeof cfg.tiles_url === 'string' && cfg.tiles_url !== '') {
    L.tileLayer(cfg.tiles_url, {
      attribution: sanitizeAttribution(cfg.tiles_attribution || ''),
      maxZoom: 19,
    }).addTo(map);
  } else {
    el.classList.add('no-basemap');
  }
  const center = cfg && Array.isArray(cfg.center) ? cfg.center : [46.6, 2.4];
  const zoom = cfg && Number.isInteger(cfg.zoom) ? cfg.zoom : 10;
  map.setView([Number(center[0]), Number(center[1])], zoom);

  let data;
  try {
    const r = await fetch(url, { headers: { Accept: 'application/geo+json' } });
    if (!r.ok) throw new Error(String(r.status));
    data = await r.json();
  } catch (e) {
    const note = document.createElement('p');
    note.className = 'ogc-map-note';
    note.textContent = 'La carte n’a pas pu être chargée ; le tableau donne les mêmes éléments.';
    el.replaceWith(note);
    return;
  }
  /* .../items?… or .../items/{id}?…: the items URL without query, for links to features. */
  const base = url.split('?')[0].replace(/\/items\/[^/]*$/, '/items');
  const layer = L.geoJSON(data, {
    pointToLayer: (feature, latlng) => L.circleMarker(latlng, {
      radius: 7, color: '#143a6b', weight: 2, fillColor: '#1d4f91', fillOpacity: 0.85,
    }),
    style: () => ({ color: '#1d4f91', weight: 2, fillOpacity: 0.12 }),
    onEachFeature: (feature, lyr) => lyr.bindPopup(() => popupContent(feature, base)),
  }).addTo(map);
  const bounds = layer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
  el.setAttribute('data-ready', String(layer.getLayers().length));
}

const el = document.getElementById('ogc-carte');
if (el) draw(el);
