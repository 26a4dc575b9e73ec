/*
 * opendata.js — the page's "Données ouvertes" section (docs/opendata.md): the full exports of
 * the last import (GET /api/exports), grouped by dataset and licence, each link saying its
 * format and size, with record count, date and SHA-256 (copyable); the download of the current
 * selection (GET /api/export with the filters of the page's last search, announced by app.js
 * as a "geodir:search" event) in a chosen format and licence; links to the DCAT-AP catalogue,
 * the OGC API (HTML pages, OpenAPI document) and the export list; the attribution that ODbL
 * data requires.
 * Server strings only reach the DOM through textContent and attributes set by DOM calls.
 */
import { formatDate, licenceInfo, NUMBER_0, NUMBER_1 } from './format.js';
import { h } from './dom.js';

/** 532 -> "532 octets", 1234 -> "1,2 ko", 1234567 -> "1,2 Mo" (French units, base 1000). */
export function formatSize(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0)
    return '';
  if (bytes < 1000)
    return `${NUMBER_0.format(bytes)} octet${bytes > 1 ? 's' : ''}`;
  const units = ['ko', 'Mo', 'Go', 'To'];
  let v = bytes / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${NUMBER_1.format(v)}\u00a0${units[i]}`;
}

/* Export formats (docs/api.md, Exports): French label of each format name. */
const FORMATS = [
  ['geojson', 'GeoJSON'],
  ['csv', 'CSV'],
  ['csv-fr', 'CSV pour tableur (;)'],
  ['scdl-equipements', 'CSV SCDL Équipements'],
  ['gpkg', 'GeoPackage'],
  ['xlsx', 'Excel (XLSX)'],
  ['kml', 'KML'],
  ['shp', 'Shapefile (zip)'],
  ['fgb', 'FlatGeobuf'],
];
const FORMAT_LABEL = new Map(FORMATS);

const DATASETS = {
  places: 'Annuaire des lieux et services',
  equipements: 'Équipements au format SCDL',
  communes: 'Communes et leurs limites',
  addresses: 'Adresses',
};

function isOdbl(licence) {
  return typeof licence === 'string' && licence.toLowerCase() === 'odbl-1.0';
}

/* A file name the server listed, as a path: /data/<name> (never a URL given by the answer). */
function dataPath(name) {
  return `/data/${encodeURIComponent(name)}`;
}

function licenceLink(code) {
  const info = licenceInfo(code);
  return info.url ? h('a', { href: info.url, rel: 'license' }, info.label) : info.label;
}

function copyButton(value, label, context) {
  const button = h('button', { type: 'button', class: 'copy' }, label,
                   h('span', { class: 'visually-hidden' }, ` du fichier ${context}`));
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(value);
      button.textContent = 'Empreinte copiée';
    } catch {
      /* No clipboard (insecure context, refused): select the text so it can be copied. */
      const code = button.previousElementSibling;
      const range = document.createRange();
      range.selectNodeContents(code);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      button.textContent = 'Empreinte sélectionnée (Ctrl+C pour copier)';
    }
  });
  return button;
}

/* One file: the link names format and size, and (for screen readers listing links out of
 * context) the dataset and licence it belongs to. */
function exportItem(e, context) {
  const label = FORMAT_LABEL.get(e.format) || String(e.format);
  const size = formatSize(Number(e.size));
  const link = h('a', { href: dataPath(e.name), download: e.name, class: 'download',
                        'data-size': String(e.size) },
                 `Télécharger en ${label} (${size})`,
                 h('span', { class: 'visually-hidden' }, ` — ${context}`));
  const facts = [];
  if (Number.isFinite(Number(e.records)))
    facts.push(`${NUMBER_0.format(Number(e.records))} enregistrement` +
               `${Number(e.records) > 1 ? 's' : ''}`);
  if (e.created)
    facts.push(`créé le ${formatDate(String(e.created))}`);
  const sha = typeof e.sha256 === 'string' ? e.sha256 : '';
  const digest = h('details', { class: 'digest' },
                   h('summary', {}, `Empreinte SHA-256 du fichier ${label}`),
                   h('code', { class: 'sha256' }, sha), ' ',
                   copyButton(sha, 'Copier l’empreinte', `${label}, ${context}`));
  return h('li', { class: 'export' }, link,
           h('span', { class: 'facts' }, ` — ${facts.join(' · ')}`), digest);
}

function renderExports(list, box, territoryName) {
  const groups = new Map();
  for (const e of list) {
    if (!e || typeof e.name !== 'string' || typeof e.licence !== 'string')
      continue;
    const key = `${e.dataset}|${e.licence}`;
    if (!groups.has(key))
      groups.set(key, []);
    groups.get(key).push(e);
  }
  if (groups.size === 0) {
    box.replaceChildren(h('p', {}, 'Aucun fichier complet n’est disponible pour le moment ; ' +
                                    'la sélection reste téléchargeable ci-dessous.'));
    return;
  }
  /* The open licence first, ODbL last, datasets in a fixed order. */
  const order = (k) => {
    const [dataset, licence] = k.split('|');
    const d = Object.keys(DATASETS).indexOf(dataset);
    return (d < 0 ? 9 : d) * 10 + (isOdbl(licence) ? 1 : 0);
  };
  const keys = [...groups.keys()].sort((a, b) => order(a) - order(b));
  const parts = [];
  for (const key of keys) {
    const items = groups.get(key);
    const [dataset, licence] = key.split('|');
    const title = `${DATASETS[dataset] || dataset} — ${licenceInfo(licence).label}`;
    const id = `export-${dataset}-${licence}`.replace(/[^A-Za-z0-9_-]/g, '-');
    const intro = h('p', {}, 'Licence : ', licenceLink(licence), '.');
    const excluded = Math.max(0, ...items.map((e) => Number(e.excluded) || 0));
    if (isOdbl(licence))
      intro.append(' Version complète : elle contient des données OpenStreetMap ou BANO ; ' +
                   'toute réutilisation doit citer « © les contributeurs d’OpenStreetMap » ' +
                   `et ${territoryName}, et partager à l’identique les bases qui en sont ` +
                   'dérivées.');
    else if (excluded > 0) {
      const many = excluded > 1;
      intro.append(` ${NUMBER_0.format(excluded)} lieu${many ? 'x' : ''} issu${many ? 's' : ''} ` +
                   'de sources sous ODbL (OpenStreetMap, BANO) en ' +
                   `${many ? 'sont exclus' : 'est exclu'} : ` +
                   `${many ? 'ils figurent' : 'il figure'} dans la version sous ODbL.`);
    }
    parts.push(h('section', { class: 'export-group', 'aria-labelledby': id },
                 h('h4', { id }, title), intro,
                 h('ul', { class: 'export-list' }, ...items.map((e) => exportItem(e, title)))));
  }
  box.replaceChildren(...parts);
}

/* The /api/export URL of the page's last search (docs/api.md, GET /api/export). */
export function selectionUrl(query, format, licence) {
  const url = new URL('/api/export', window.location.origin);
  url.searchParams.set('format', format);
  url.searchParams.set('licence', licence);
  if (query) {
    if (Array.isArray(query.bbox) && query.bbox.length === 4)
      url.searchParams.set('bbox', query.bbox.map((v) => Number(v).toFixed(6)).join(','));
    else if (Number.isFinite(query.lat) && Number.isFinite(query.lon)) {
      url.searchParams.set('lat', query.lat.toFixed(6));
      url.searchParams.set('lon', query.lon.toFixed(6));
      if (Number.isFinite(Number(query.radius)) && Number(query.radius) > 0)
        url.searchParams.set('radius', String(query.radius));
    }
    if (query.q)
      url.searchParams.set('q', query.q);
    if (query.category)
      url.searchParams.set('category', query.category);
    if (query.commune)
      url.searchParams.set('commune', query.commune);
    if (query.openNow)
      url.searchParams.set('open_now', 'true');
  }
  return url.pathname + url.search;
}

function describeSelection(query) {
  if (!query)
    return 'Tous les lieux de l’annuaire.';
  const parts = [];
  if (Array.isArray(query.bbox))
    parts.push('dans la zone affichée');
  else if (query.radius)
    parts.push(`à moins de ${NUMBER_1.format(Number(query.radius) / 1000)} km ` +
               'du point de recherche');
  if (query.q)
    parts.push(`pour « ${query.q} »`);
  if (query.category)
    parts.push(`catégorie « ${query.categoryLabel || query.category} »`);
  if (query.commune)
    parts.push(`dans la commune de ${query.communeLabel || query.commune}`);
  if (query.openNow)
    parts.push('ouverts maintenant');
  return `Les lieux de votre dernière recherche : ${parts.join(', ')}.`;
}

function setupSelection(root) {
  const link = root.querySelector('#export-selection');
  const format = root.querySelector('#export-format');
  const licence = root.querySelector('#export-licence');
  const note = root.querySelector('#export-selection-note');
  let query = null;
  format.replaceChildren(...FORMATS.map(([value, label]) => h('option', { value }, label)));
  const update = () => {
    link.href = selectionUrl(query, format.value, licence.value);
    const f = FORMAT_LABEL.get(format.value) || format.value;
    link.textContent = `Télécharger la sélection (${f}, ${licenceInfo(licence.value).label})`;
    note.textContent = describeSelection(query);
  };
  format.addEventListener('change', update);
  licence.addEventListener('change', update);
  document.addEventListener('geodir:search', (ev) => {
    query = ev.detail || null;
    update();
  });
  update();
}

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!response.ok)
    throw new Error(`${path}: ${response.status}`);
  return response.json();
}

async function main() {
  const root = document.getElementById('donnees-ouvertes');
  if (!root)
    return;
  const box = root.querySelector('#exports');
  setupSelection(root);
  let territoryName = 'le territoire';
  try {
    const t = await getJson('/api/territory');
    if (t && typeof t.name === 'string' && t.name.trim())
      territoryName = t.name.trim();
    const attribution = root.querySelector('#opendata-attribution');
    attribution.textContent = `Citez la source : « ${territoryName} — annuaire des lieux et ` +
      'services », avec la date de mise à jour. Les données sous ODbL citent aussi ' +
      '« © les contributeurs d’OpenStreetMap » (et la BANO pour ses adresses) et se ' +
      'partagent à l’identique.';
  } catch {
    /* the default attribution text stays */
  }
  try {
    const answer = await getJson('/api/exports');
    renderExports(Array.isArray(answer.exports) ? answer.exports : [], box, territoryName);
  } catch {
    box.replaceChildren(h('p', {}, 'La liste des fichiers n’a pas pu être chargée.'));
  }
  box.setAttribute('aria-busy', 'false');
  root.dataset.ready = 'true';

  /* The header link moves focus to the section's heading (it is a same-page link). */
  const heading = document.getElementById('opendata-heading');
  for (const a of document.querySelectorAll('a[href="#donnees-ouvertes"]')) {
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      root.scrollIntoView({ block: 'start' });
      heading.focus();
      history.replaceState(null, '', '#donnees-ouvertes');
    });
  }
  if (window.location.hash === '#donnees-ouvertes')
    heading.focus();
}

main();
