/*
 * api.js — fetch wrappers for the geodir HTTP API (docs/api.md). Every function returns the
 * parsed JSON answer or throws an ApiError whose message is French and fit for the status
 * region. Nothing here touches the DOM. The fetch with its timeout and French network errors
 * (fetchJson) and the generic refusal texts (statusText) also serve forms-api.js.
 */

/** An API or network failure, with a French message for residents. */
export class ApiError extends Error {
  constructor(message, { status = 0, code = '', parameter = '', unreachable = false } = {}) {
    super(message);
    this.unreachable = unreachable;   /* the request never reached the server (not a timeout) */
    this.name = 'ApiError';
    this.status = status;     /* HTTP status, 0 for a network failure */
    this.code = code;         /* API error code, e.g. "InvalidParameterValue" */
    this.parameter = parameter;
  }
}

const TIMEOUT_MS = 15000;

/**
 * One fetch of url with init, cut after timeout ms and, when signal is given, aborted with it:
 * { response, body } with body the parsed JSON answer or null. An unreachable server or the
 * timeout throws an ApiError with a French message; an abort by the caller's signal rethrows
 * its error (a request superseded by a newer one: the caller ignores it).
 */
export async function fetchJson(url, init, { signal = null, timeout = TIMEOUT_MS } = {}) {
  /* One controller aborts on the caller's signal or on our timeout (no AbortSignal.any, which
   * older browsers lack). */
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; controller.abort(); }, timeout);
  const forward = () => controller.abort();
  if (signal) {
    if (signal.aborted)
      controller.abort();
    else
      signal.addEventListener('abort', forward, { once: true });
  }
  let response;
  try {
    response = await fetch(url, { ...init, signal: controller.signal });
  } catch (e) {
    if (signal && signal.aborted)
      throw e;
    if (timedOut)
      throw new ApiError('Le serveur ne répond pas. Réessayez dans un instant.');
    throw new ApiError('Impossible de joindre le serveur. Vérifiez votre connexion.', { unreachable: true });
  } finally {
    clearTimeout(timer);
    if (signal)
      signal.removeEventListener('abort', forward);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return { response, body };
}

/** The French sentence for a refused request with nothing more specific to say. */
export function statusText(status) {
  if (status === 404)
    return 'Information introuvable sur le serveur.';
  if (status >= 500)
    return 'Le service est momentanément indisponible. Réessayez plus tard.';
  return `La demande a échoué (erreur ${status}).`;
}

/** GET path with the query params (empty values left out): the parsed JSON, or an ApiError. */
export async function getJson(path, params, signal, accept = 'application/json') {
  const url = new URL(path, window.location.origin);
  if (params) {
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== null && value !== '')
        url.searchParams.set(key, String(value));
    }
  }
  const { response, body } = await fetchJson(url, { headers: { Accept: accept } }, { signal });
  if (!response.ok) {
    const code = body && typeof body.code === 'string' ? body.code : '';
    const parameter = body && typeof body.parameter === 'string' ? body.parameter : '';
    throw new ApiError(describeFailure(response.status, code, parameter),
                       { status: response.status, code, parameter });
  }
  if (body === null)
    throw new ApiError('Réponse illisible du serveur.', { status: response.status });
  return body;
}

function describeFailure(status, code, parameter) {
  if (code === 'InvalidParameterValue' && parameter)
    return `La recherche a été refusée : valeur incorrecte pour « ${parameter} ».`;
  return statusText(status);
}

/** GET /api/territory: name, communes, map centre/zoom/tiles, contact, default licence. */
export function fetchTerritory(signal) {
  return getJson('/api/territory', null, signal);
}

/** GET /api/categories: the two-level taxonomy with counts. */
export function fetchCategories(signal) {
  return getJson('/api/categories', null, signal);
}

/** GET /api/communes: member communes with names and postcodes. */
export function fetchCommunes(signal) {
  return getJson('/api/communes', null, signal);
}

/** GET /api/communes.geojson: member communes and their boundaries. */
export function fetchCommunesGeojson(signal) {
  return getJson('/api/communes.geojson', null, signal);
}

/** GET /api/health: counts and build time of the database. */
export function fetchHealth(signal) {
  return getJson('/api/health', null, signal);
}

/**
 * GET /api/places as GeoJSON: the place search (docs/api.md).
 * query: { lat, lon, radius, bbox: [minlon, minlat, maxlon, maxlat], q, category, commune,
 *          openNow, limit, k, sort, properties, cursor }; empty values are left out.
 */
export function fetchPlaces(query, signal) {
  const box = Array.isArray(query.bbox) ? query.bbox.map((v) => v.toFixed(6)).join(',') : '';
  return getJson('/api/places', {
    lat: Number.isFinite(query.lat) ? query.lat.toFixed(6) : '',
    lon: Number.isFinite(query.lon) ? query.lon.toFixed(6) : '',
    radius: query.radius,
    bbox: box,
    q: query.q,
    category: query.category,
    commune: query.commune,
    open_now: query.openNow ? 'true' : '',
    limit: query.limit,
    k: query.k,
    sort: query.sort,
    properties: query.properties,
    cursor: query.cursor,
  }, signal, 'application/geo+json');
}

/** GET /api/places/{id}: one place as a GeoJSON Feature, every property (its opening state as of
 * now; no distance_m). */
export function fetchPlace(id, signal) {
  return getJson(`/api/places/${encodeURIComponent(id)}`, null, signal, 'application/geo+json');
}

/** GET /api/autocomplete: typed suggestions (category, commune, place, address) for text. */
export function fetchSuggestions(text, near, signal) {
  return getJson('/api/autocomplete', {
    q: text,
    lat: near && Number.isFinite(near.lat) ? near.lat.toFixed(5) : '',
    lon: near && Number.isFinite(near.lon) ? near.lon.toFixed(5) : '',
    limit: 8,
  }, signal);
}

/** GET /api/search/: BAN-style address suggestions (GeoCodeJSON features) for typed text. */
export function fetchAddresses(text, signal, limit = 6) {
  return getJson('/api/search/', { q: text, autocomplete: 1, limit }, signal);
}

/** GET /api/reverse/: the address nearest a point (GeoCodeJSON, at most one feature). */
export function fetchReverse(lat, lon, signal) {
  return getJson('/api/reverse/', { lat: lat.toFixed(6), lon: lon.toFixed(6), limit: 1 }, signal);
}
