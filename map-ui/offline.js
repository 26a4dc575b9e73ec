/*
 * offline.js — the pages' side of the service worker (sw.js): registers it (scope /), and once
 * it controls the page, names the files the page loaded (so that they are kept) and asks for
 * the copy of the directory to be refreshed. When the page is offline, or when an answer came
 * from the copy, a French banner says so (« Hors connexion : résultats de la copie du … »,
 * role=status) and each place card opened meanwhile says the date of the copy; a request filed
 * offline and still waiting is named with a link to its page. Loaded by every
 * resident page with one <script type="module" src="offline.js">; nothing else to call.
 */
const META_KEY = '/offline/meta.json';

const state = { date: null, offline: false, banner: null, observer: null };

/* « 7 décembre 2026 à 20 h 05 » */
export function copyDateText(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime()))
    return '';
  const day = d.toLocaleDateString('fr-FR', { day: 'numeric', month: 'long', year: 'numeric' });
  return `${day} à ${d.getHours()}\u00a0h\u00a0${String(d.getMinutes()).padStart(2, '0')}`;
}

async function copyDate() {
  try {
    const r = await caches.match(META_KEY);
    return r ? (await r.json()).fetched_at : null;
  } catch {
    return null;
  }
}

function ensureStyles() {
  if (document.querySelector('link[data-offline-css]'))
    return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = '/offline.css';
  link.dataset.offlineCss = '';
  document.head.append(link);
}

/* The banner: made empty at start (a live region must exist before it speaks). */
function banner() {
  if (!state.banner) {
    ensureStyles();
    state.banner = document.createElement('p');
    state.banner.id = 'offline-banner';
    state.banner.className = 'offline-banner';
    state.banner.setAttribute('role', 'status');
    state.banner.hidden = true;
    const host = document.querySelector('main') || document.body;
    host.prepend(state.banner);
  }
  return state.banner;
}

function cardNote(card) {
  if (!state.date || card.querySelector('.place-offline'))
    return;
  const note = document.createElement('p');
  note.className = 'place-dataset place-offline';
  note.textContent = `Hors connexion : fiche de la copie du ${copyDateText(state.date)}.`;
  card.append(note);
}

function noteCards(root) {
  if (root.nodeType !== 1)
    return;
  if (root.matches('.place-card'))
    cardNote(root);
  root.querySelectorAll('.place-card').forEach(cardNote);
}

async function showOffline(date) {
  state.offline = true;
  state.date = date || state.date || await copyDate();
  const b = banner();
  const text = state.date ? `Hors connexion : résultats de la copie du ${copyDateText(state.date)}.`
    : 'Hors connexion : les informations affichées peuvent dater.';
  if (b.textContent !== text)
    b.textContent = text;
  b.hidden = false;
  noteCards(document.body);
  if (!state.observer) {
    state.observer = new MutationObserver((records) => {
      for (const r of records)
        r.addedNodes.forEach(noteCards);
    });
    state.observer.observe(document.body, { childList: true, subtree: true });
  }
}

function showOnline() {
  state.offline = false;
  if (state.observer) {
    state.observer.disconnect();
    state.observer = null;
  }
  if (state.banner) {
    state.banner.hidden = true;
    state.banner.textContent = '';
  }
}

/* A request filed without a network waits in localStorage (form-page.js, docs/forms.md §1.6) and
 * is sent from its own page: the other pages say so and link to it. */
function pendingRequests() {
  const here = new URLSearchParams(window.location.search).get('id');
  const onFormPage = /\/demarche\.html$/.test(window.location.pathname);
  const out = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key || !key.startsWith('geodir-outbox:'))
        continue;
      const entry = JSON.parse(localStorage.getItem(key) || 'null');
      if (entry && typeof entry.form === 'string' && !(onFormPage && entry.form === here))
        out.push(entry);
    }
  } catch {
    /* storage refused: nothing to say */
  }
  return out;
}

function showPending() {
  const pending = pendingRequests();
  if (!pending.length)
    return;
  ensureStyles();
  const box = document.createElement('div');
  box.className = 'offline-pending';
  box.id = 'offline-pending';
  const intro = document.createElement('p');
  intro.textContent = pending.length > 1 ? 'Des demandes attendent d’être envoyées :'
    : 'Une demande attend d’être envoyée :';
  const list = document.createElement('ul');
  for (const entry of pending) {
    const link = document.createElement('a');
    link.href = `/demarche.html?id=${encodeURIComponent(entry.form)}`;
    link.textContent = `${entry.title || entry.form} (ouvrir la page pour l’envoyer)`;
    const item = document.createElement('li');
    item.append(link);
    list.append(item);
  }
  box.append(intro, list);
  banner().after(box);
}

/* Same-origin files this page loaded (the service worker keeps them with the shell). */
function loadedPaths() {
  const paths = new Set();
  for (const e of performance.getEntriesByType('resource')) {
    const url = new URL(e.name, window.location.href);
    if (url.origin === window.location.origin && !url.pathname.startsWith('/api/'))
      paths.add(url.pathname);
  }
  return [...paths];
}

function whenControlled() {
  if (navigator.serviceWorker.controller)
    return Promise.resolve(navigator.serviceWorker.controller);
  return new Promise((resolve) => {
    navigator.serviceWorker.addEventListener('controllerchange',
      () => resolve(navigator.serviceWorker.controller), { once: true });
  });
}

async function start() {
  banner();
  showPending();
  window.addEventListener('offline', () => showOffline());
  window.addEventListener('online', showOnline);
  if (!('serviceWorker' in navigator))
    return;
  navigator.serviceWorker.addEventListener('message', (event) => {
    const msg = event.data || {};
    if (msg.type === 'offline')
      showOffline(msg.date);
    else if (msg.type === 'refreshed' && msg.meta)
      document.documentElement.dataset.offlineCopy = msg.meta.fetched_at;
  });
  if (!navigator.onLine)
    showOffline();
  try {
    await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  } catch {
    return;                                   /* no service worker: the page works online only */
  }
  const worker = await whenControlled();
  if (!worker)
    return;
  worker.postMessage({ type: 'warm', paths: loadedPaths(), page: window.location.pathname });
  if (navigator.onLine)
    worker.postMessage({ type: 'refresh' });
}

if (document.readyState === 'loading')
  document.addEventListener('DOMContentLoaded', start, { once: true });
else
  start();
