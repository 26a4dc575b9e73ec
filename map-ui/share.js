/*
 * share.js — the map page's state in its URL, so that a search or a place can be shared and the
 * browser's Back restores the previous one. Pure functions over URLSearchParams (no DOM):
 *   q=<text>  categorie=<code>  commune=<INSEE>  lieu=<place id>  ouvert=1  zone=vue
 *   rayon=<metres>  point=<lat>,<lon> (the search's centre)  carte=<lat>,<lon>,<zoom> (the view)
 * Values read back are checked (lengths, number ranges, code shapes); a bad one is ignored, never
 * sent on as it is.
 */

const COORD = /^(-?\d{1,3}(?:\.\d{1,7})?),(-?\d{1,3}(?:\.\d{1,7})?)(?:,(\d{1,2}))?$/;

function latLon(value, withZoom) {
  const m = typeof value === 'string' ? COORD.exec(value) : null;
  if (!m)
    return null;
  const lat = Number(m[1]);
  const lon = Number(m[2]);
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180)
    return null;
  if (!withZoom)
    return m[3] === undefined ? { lat, lon } : null;
  const zoom = m[3] === undefined ? null : Number(m[3]);
  return zoom !== null && zoom >= 1 && zoom <= 19 ? { lat, lon, zoom } : null;
}

/** The state a URL's query string holds: { q, category, commune, place, openNow, mode, radius,
 *  point, view } (missing or malformed values are '' / false / null). */
export function readState(search) {
  const params = new URLSearchParams(search);
  const get = (name, max) => {
    const v = (params.get(name) || '').trim();
    return v.length <= max ? v : '';
  };
  const code = (v) => (/^[A-Za-z0-9_.:-]+$/.test(v) ? v : '');
  const radius = Number(get('rayon', 6));
  return {
    q: get('q', 200),
    category: code(get('categorie', 64)),
    commune: /^[0-9][0-9AB][0-9]{3}$/.test(get('commune', 5)) ? get('commune', 5) : '',
    place: /^[^\s\u0000-\u001f]+$/.test(get('lieu', 200)) ? get('lieu', 200) : '',   /* ids: <source>:<any> */
    openNow: params.get('ouvert') === '1',
    mode: params.get('zone') === 'vue' ? 'view' : 'around',
    radius: Number.isInteger(radius) && radius > 0 ? radius : null,
    point: latLon(params.get('point'), false),
    view: latLon(params.get('carte'), true),
  };
}

const fixed = (v) => String(Number(v.toFixed(5)));

/** The query string ('?…', or '' for the default page) of a state (same fields as readState). */
export function writeState(s) {
  const params = new URLSearchParams();
  if (s.q)
    params.set('q', s.q);
  if (s.category)
    params.set('categorie', s.category);
  if (s.commune)
    params.set('commune', s.commune);
  if (s.openNow)
    params.set('ouvert', '1');
  if (s.mode === 'view')
    params.set('zone', 'vue');
  else if (s.radius)
    params.set('rayon', String(s.radius));
  if (s.point && s.mode !== 'view')
    params.set('point', `${fixed(s.point.lat)},${fixed(s.point.lon)}`);
  if (s.place)
    params.set('lieu', s.place);
  if (s.view)
    params.set('carte', `${fixed(s.view.lat)},${fixed(s.view.lon)},${s.view.zoom}`);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Whether two query strings differ in more than the map's view (carte=). */
export function differsBeyondView(a, b) {
  const strip = (search) => {
    const params = new URLSearchParams(search);
    params.delete('carte');
    return params.toString();
  };
  return strip(a) !== strip(b);
}
