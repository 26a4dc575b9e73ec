/*
 * alerts.js — the alert banner of the resident pages (loaded by the shared head partials
 * _include/head.html and head-forms.html, like offline.js; docs/vie-locale.md §7): the alerts
 * valid now (/api/alerts) for the page's commune (/commune/<insee>, or ?commune= on the agenda
 * and news pages), else for the territory. Each alert says its severity in words
 * (« Alerte importante », « Vigilance », « Information ») before its title, not by colour only;
 * « Masquer » hides it for the rest of the browser session (sessionStorage, the alert's id and
 * version: a changed alert shows again); it leaves the page by itself when its validity ends.
 * Offline (navigator.onLine false) no banner is shown: a kept copy could be out of date.
 * The banner is a labelled region, not a live one: it is there when the page loads and is read
 * in the page's order (after the h1 of a page with a main column; after the header on the map
 * page). Nothing is shown (and nothing said) when the server has no alerts or no daily-life
 * content; the server's text reaches the DOM through life.js's rebuilt subset only.
 */
import { h } from './dom.js';
import { formatClock } from './format.js';
import { SEVERITIES, fetchAlerts, frenchDay, lifeEnabled, richText } from './life.js';

const KEY = 'geodir-alerts-hidden';
const DAY_MS = 86400000;

function hidden() {
  try {
    const list = JSON.parse(window.sessionStorage.getItem(KEY) || '[]');
    return new Set(Array.isArray(list) ? list : []);
  } catch {
    return new Set();
  }
}

function hide(token) {
  const set = hidden();
  set.add(token);
  try {
    window.sessionStorage.setItem(KEY, JSON.stringify([...set].slice(-100)));
  } catch {
    /* private mode: hidden for this page only */
  }
}

/* The page's commune: /commune/<insee> (the commune's page, not the French 404 page of an
 * unknown code), else ?commune=<insee>, else '' (the territory). */
export function pageCommune(loc = window.location) {
  const m = /^\/commune\/([0-9][0-9AB][0-9]{3})$/.exec(loc.pathname);
  if (m)
    return document.getElementById('commune-name') ? m[1] : '';
  const q = new URLSearchParams(loc.search).get('commune') || '';
  return /^[0-9][0-9AB][0-9]{3}$/.test(q) ? q : '';
}

function ensureStyles() {
  if (!document.querySelector('link[href="/life.css"]'))
    document.head.append(h('link', { rel: 'stylesheet', href: '/life.css' }));
}

/* Removes li from the banner (and the banner once empty); the focus goes to the next alert's
 * button, else to the main content, when it was inside. */
function drop(banner, li) {
  const hadFocus = li.contains(document.activeElement);
  const next = li.nextElementSibling || li.previousElementSibling;
  li.remove();
  if (!banner.querySelector('li'))
    banner.remove();
  if (hadFocus) {
    const target = next ? next.querySelector('button') : document.getElementById('main');
    if (target)
      target.focus();
  }
}

function alertItem(a, banner) {
  const token = `${a.id}@${a.updated_at || ''}`;
  const sev = SEVERITIES[a.severity] ? a.severity : 'info';
  const time = typeof a.valid_until === 'string' ? a.valid_until.slice(11, 16) : '';
  const until = a.valid_until ? `Jusqu’au ${frenchDay(a.valid_until)}${time ? ` à ${formatClock(time)}` : ''}.` : '';
  const button = h('button', { type: 'button', class: 'button-secondary alert-dismiss' }, 'Masquer',
    h('span', { class: 'visually-hidden' }, ` l’alerte «\u00a0${a.title}\u00a0»`));
  const li = h('li', { class: `alert-item severity-${sev}`, 'data-id': a.id },
    h('div', { class: 'alert-body' },
      h('h2', {}, h('span', { class: 'severity' }, `${SEVERITIES[sev]}\u00a0: `), a.title || ''),
      richText(a), until ? h('p', { class: 'alert-until' }, until) : null),
    button);
  button.addEventListener('click', () => { hide(token); drop(banner, li); });
  const left = Date.parse(a.valid_until) - Date.now();
  if (Number.isFinite(left) && left < DAY_MS)
    window.setTimeout(() => { if (li.isConnected) drop(banner, li); }, Math.max(left, 0) + 500);
  return { li, token };
}

async function main() {
  let answer;
  try {
    /* offline, an alert's copy could be stale: the banner shows only what the server says now */
    if (!navigator.onLine || !(await lifeEnabled()))
      throw new Error('no daily-life store, or offline');
    answer = await fetchAlerts(pageCommune());
  } catch {
    document.body.dataset.alerts = 'none';
    return;   /* no daily-life content on this server, or offline without a copy */
  }
  const off = hidden();
  const banner = h('section', { class: 'alert-banner', 'aria-label': 'Alertes en cours', id: 'alert-banner' });
  const list = h('ul', {});
  for (const a of Array.isArray(answer.items) ? answer.items : []) {
    if (Date.parse(a.valid_until) <= Date.now())
      continue;   /* a copy kept by a cache past its validity */
    const { li, token } = alertItem(a, banner);
    if (!off.has(token))
      list.append(li);
  }
  document.body.dataset.alerts = String(list.children.length);
  if (!list.children.length)
    return;
  ensureStyles();
  banner.append(list);
  const main = document.querySelector('main.forms-main');
  if (main) {
    const h1 = main.querySelector('h1');
    if (h1) h1.after(banner); else main.prepend(banner);
  } else {
    banner.classList.add('index-alerts');
    const header = document.querySelector('header.site-header');
    if (header) header.after(banner); else document.body.prepend(banner);
  }
}

if (document.readyState === 'loading')
  document.addEventListener('DOMContentLoaded', main, { once: true });
else
  main();
