/*
 * forms-api.js — fetch wrappers for the online procedures' API (docs/forms.md §2): the list
 * and the definitions of the forms, the CSRF token, a submission (multipart), and a request
 * followed with its code and token (read, answer a request for documents, withdraw).
 *
 * Unlike api.js, a refusal is not always an exception here: a 400 carries the list of field
 * errors the page shows, so call() returns { status, body } and throws ApiError only when the
 * server cannot be reached or answers something unreadable. The token of a request only ever
 * travels in the path of these calls (never in a query string), as the API asks.
 */
import { ApiError, fetchJson, statusText } from './api.js';

const TIMEOUT_MS = 30000;

/* One request; body may be a FormData (multipart) or undefined. Returns { status, body }. */
async function call(method, path, { body, headers = {}, timeout = TIMEOUT_MS } = {}) {
  const { response, body: parsed } = await fetchJson(path, {
    method,
    body,
    headers: { Accept: 'application/json', ...headers },
    credentials: 'same-origin',
  }, { timeout });
  if (parsed === null && response.status !== 204)
    throw new ApiError(response.ok ? 'Réponse illisible du serveur.' : failureText(response.status),
                       { status: response.status });
  return { status: response.status, body: parsed || {} };
}

/* A French sentence for a refusal that carries no usable message. */
export function failureText(status, body) {
  if (body && typeof body.error === 'string' && body.error !== '')
    return body.error;
  if (status === 403)
    return 'Votre session a expiré. Rechargez la page puis réessayez.';
  if (status === 413)
    return 'Les fichiers joints sont trop volumineux.';
  if (status === 429)
    return 'Trop de tentatives depuis votre connexion. Réessayez dans quelques minutes.';
  return statusText(status);
}

async function getOk(path) {
  const { status, body } = await call('GET', path);
  if (status !== 200)
    throw new ApiError(failureText(status, body), { status });
  return body;
}

/** GET /api/forms[?commune=]: { forms: [{ id, title, description, category, keywords }] }. */
export async function fetchForms(commune) {
  const q = commune ? `?commune=${encodeURIComponent(commune)}` : '';
  const body = await getOk(`/api/forms${q}`);
  return Array.isArray(body) ? body : (Array.isArray(body.forms) ? body.forms : []);
}

/** GET /api/forms/{id}: the definition (docs/forms.md §1). */
export function fetchForm(id) {
  return getOk(`/api/forms/${encodeURIComponent(id)}`);
}

/** GET /api/forms/csrf: the token to send in X-CSRF-Token (its cookie is set by the answer). */
export async function fetchCsrf() {
  const body = await getOk('/api/forms/csrf');
  const token = body.token || body.csrf_token || body.csrf;
  if (typeof token !== 'string' || token === '')
    throw new ApiError('Réponse illisible du serveur.');
  return token;
}

/* A POST with a fresh CSRF token; when the server says the token is stale (403), one new
 * token and one more try. build() makes the body again (a FormData is read once). */
async function post(path, build) {
  let token = await fetchCsrf();
  let answer = await call('POST', path, { body: build(), headers: { 'X-CSRF-Token': token } });
  if (answer.status === 403) {
    token = await fetchCsrf();
    answer = await call('POST', path, { body: build(), headers: { 'X-CSRF-Token': token } });
  }
  return answer;
}

/* The multipart body of a submission or a complement: the part "data" (JSON) and one part
 * "file:<path>" per attached file. files: array of { path, file }. */
export function multipart(values, files) {
  const form = new FormData();
  form.append('data', JSON.stringify({ values, website: '' }));
  for (const { path, file } of files)
    form.append(`file:${path}`, file, file.name);
  return form;
}

/** POST /api/forms/{id}/submissions: { status, body } (201 { code, token, follow }, 400 errors). */
export function submitForm(id, values, files) {
  return post(`/api/forms/${encodeURIComponent(id)}/submissions`, () => multipart(values, files));
}

function requestPath(code, token) {
  return `/api/requests/${encodeURIComponent(code)}/${encodeURIComponent(token)}`;
}

/** GET /api/requests/{code}/{token}: { status, body }. */
export function fetchRequest(code, token) {
  return call('GET', requestPath(code, token));
}

/** POST …/complement: answer a request for documents: an optional "message" part and the
 * documents as parts "file:complement". */
export function sendComplement(code, token, message, files) {
  return post(`${requestPath(code, token)}/complement`, () => {
    const form = new FormData();
    if (message)
      form.append('message', message);
    for (const file of files)
      form.append('file:complement', file, file.name);
    return form;
  });
}

/** POST …/withdraw: withdraw while the request is `deposee`. */
export function withdrawRequest(code, token) {
  return post(`${requestPath(code, token)}/withdraw`, () => undefined);
}

/** The address of one attachment of a request (served only with the token). */
export function attachmentUrl(code, token, n) {
  return `${requestPath(code, token)}/attachments/${encodeURIComponent(String(n))}`;
}
