/*
 * actualites.js — the news page (actualites.html at /actualites; docs/vie-locale.md §7): the
 * commune chosen (commune= in the URL; none: the whole territory), its alerts valid now
 * (/api/news?kind=alert), its news (/api/news?kind=news), and the Atom and RSS feeds of the
 * same choice (/api/news.atom, /api/news.rss).
 */
import { h } from './dom.js';
import { feedUrls, fetchNews, newsItem } from './life.js';
import { loadCommunes, markReady } from './resident.js';
import { loadTerritory, shortName } from './site.js';

const el = (id) => document.getElementById(id);

function communeOf(search) {
  const v = new URLSearchParams(search).get('commune') || '';
  return /^[0-9][0-9AB][0-9]{3}$/.test(v) ? v : '';
}

async function list(kind, commune, none) {
  try {
    const { items } = await fetchNews({ kind, commune, limit: 50 });
    return Array.isArray(items) && items.length
      ? h('ul', { class: 'news-list' }, ...items.map((it) => newsItem(it, { level: 3 })))
      : h('p', { class: 'none' }, none);
  } catch {
    return h('p', { class: 'none' }, 'Cette information n’a pas pu être chargée.');
  }
}

function feeds(commune, name) {
  const of = name ? ` de ${name}` : ' du territoire';
  const atom = feedUrls('/api/news.atom', { commune });
  const rss = feedUrls('/api/news.rss', { commune });
  const alerts = feedUrls('/api/news.atom', { commune, kind: 'alert' });
  return [
    h('li', {}, h('a', { href: atom.https, type: 'application/atom+xml' }, `Actualités et alertes${of} (Atom)`)),
    h('li', {}, h('a', { href: rss.https, type: 'application/rss+xml' }, `Actualités et alertes${of} (RSS)`)),
    h('li', {}, h('a', { href: alerts.https, type: 'application/atom+xml' }, `Les alertes seules${of} (Atom)`)),
  ];
}

async function show(commune, communes, territory) {
  const name = commune ? (communes.get(commune) || {}).name || commune : '';
  el('news-title').textContent = name ? `Actualités de ${name}` : 'Actualités';
  document.title = `${el('news-title').textContent} — ${shortName(territory)}`;
  el('feeds').replaceChildren(...feeds(commune, name));
  const where = name ? ` pour ${name}` : '';
  const [alerts, news] = await Promise.all([
    list('alert', commune, `Aucune alerte en cours${where}.`),
    list('news', commune, `Aucune actualité${where}.`),
  ]);
  el('alerts').replaceChildren(alerts);
  el('news').replaceChildren(news);
  for (const id of ['alerts', 'news'])
    el(id).setAttribute('aria-busy', 'false');
  const n = news.querySelectorAll ? news.querySelectorAll('li.news-item').length : 0;
  const a = alerts.querySelectorAll ? alerts.querySelectorAll('li.news-item').length : 0;
  el('news-status').textContent = `${n} ${n > 1 ? 'actualités' : 'actualité'} et ${a} ${a > 1 ? 'alertes' : 'alerte'} en cours${where}.`;
  markReady(`news-${commune || 'all'}`);
}

async function main() {
  const territory = await loadTerritory();
  let communes = new Map();
  try {
    communes = new Map((await loadCommunes()).map((c) => [c.insee, c]));
  } catch {
    /* the territory only */
  }
  el('n-commune').append(...[...communes.values()].map((c) => h('option', { value: c.insee }, c.name)));
  const commune = communeOf(window.location.search);
  el('n-commune').value = commune;
  el('news-filter').addEventListener('submit', (e) => {
    e.preventDefault();
    const next = el('n-commune').value;
    window.history.pushState(null, '', `${window.location.pathname}${next ? `?commune=${next}` : ''}`);
    show(next, communes, territory);
  });
  window.addEventListener('popstate', () => {
    const back = communeOf(window.location.search);
    el('n-commune').value = back;
    show(back, communes, territory);
  });
  await show(commune, communes, territory);
}

main();
