/*
 * login.js — the back office's login page (map-ui/bo/index.html, docs/backoffice.md §2):
 * GET /api/bo/me says whether a session is open; else the form sends login and password (and
 * the TOTP code once the server asks for it: a 401 naming "totp") to POST /api/bo/login with
 * the CSRF token of GET /api/forms/csrf. Errors go to the summary, which takes the focus.
 * Logged in: « Connecté en tant que … », for an administrator the link to the agents' page,
 * and the logout button (POST /api/bo/logout with the session's X-CSRF-Token). Exposes the
 * session to the queue's scripts as window.geodirBo.
 */
const $ = (id) => document.getElementById(id);

async function call(method, path, body, headers = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const r = await fetch(path, init);
  let data = null;
  try { data = await r.json(); } catch { data = null; }
  return { status: r.status, body: data || {}, retry: r.headers.get('Retry-After') };
}

function announce(text) {
  $('announce').textContent = text;
}

function showError(text) {
  $('error-text').textContent = text;
  $('error-summary').hidden = false;
  $('error-summary').focus();
}

function showLogin() {
  $('loading').hidden = true;
  $('home-view').hidden = true;
  $('login-view').hidden = false;
  document.title = 'Connexion — Guichet des agents';
  $('login').focus();
}

const ROLES = { admin: 'administrateur', commune: 'agent communal', service: 'agent de service' };

function showHome(me) {
  $('loading').hidden = true;
  $('login-view').hidden = true;
  $('home-view').hidden = false;
  $('whoami').textContent = `Connecté en tant que ${me.name} (${me.login}), ${ROLES[me.role] || me.role}.`;
  const scope = [];
  if (me.communes && me.communes.length) scope.push(`communes : ${me.communes.join(', ')}`);
  if (me.forms && me.forms.length) scope.push(`démarches : ${me.forms.join(', ')}`);
  $('agents-link').hidden = me.role !== 'admin';
  $('scope').textContent = me.role === 'admin' ? 'Vous voyez toutes les demandes.' : `Périmètre — ${scope.join(' ; ')}.`;
  document.title = 'Guichet des agents';
  window.geodirBo = me;
  document.dispatchEvent(new CustomEvent('geodir-bo-session', { detail: me }));
  $('home-title').focus();
}

function minutes(seconds) {
  const m = Math.max(1, Math.ceil(Number(seconds || 60) / 60));
  return `${m} minute${m > 1 ? 's' : ''}`;
}

async function submit(event) {
  event.preventDefault();
  $('error-summary').hidden = true;
  const login = $('login').value.trim();
  const password = $('password').value;
  const totp = $('totp').value.trim();
  if (!login || !password) {
    showError('Saisissez votre identifiant et votre mot de passe.');
    return;
  }
  $('login-submit').disabled = true;
  try {
    const csrf = await call('GET', '/api/forms/csrf');
    const body = { login, password };
    if (!$('totp-field').hidden && totp) body.totp = totp;
    const r = await call('POST', '/api/bo/login', body, { 'X-CSRF-Token': csrf.body.token || '' });
    if (r.status === 200) {
      $('password').value = '';
      $('totp').value = '';
      announce('Connexion réussie.');
      showHome(r.body);
    } else if (r.status === 401 && r.body.parameter === 'totp') {
      $('totp-field').hidden = false;
      showError(r.body.description || 'Saisissez le code à usage unique.');
    } else if (r.status === 429) {
      showError(`Trop de tentatives de connexion : réessayez dans ${minutes(r.retry)}.`);
    } else if (r.status === 401) {
      $('password').value = '';
      $('totp').value = '';
      showError('Identifiant, mot de passe ou code incorrect.');
    } else {
      showError('Le service est momentanément indisponible. Réessayez plus tard.');
    }
  } catch {
    showError('Le serveur ne répond pas. Vérifiez votre connexion et réessayez.');
  } finally {
    $('login-submit').disabled = false;
  }
}

async function logout() {
  const token = window.geodirBo ? window.geodirBo.csrf : '';
  await call('POST', '/api/bo/logout', {}, { 'X-CSRF-Token': token }).catch(() => null);
  window.geodirBo = null;
  announce('Vous êtes déconnecté.');
  showLogin();
}

async function start() {
  $('login-form').addEventListener('submit', submit);
  $('logout').addEventListener('click', logout);
  try {
    const me = await call('GET', '/api/bo/me');
    if (me.status === 200) showHome(me.body);
    else showLogin();
  } catch {
    showLogin();
  }
}

start();
