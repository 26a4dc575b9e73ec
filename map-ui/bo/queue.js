/*
 * queue.js — the agents' queue (queue.html, docs/backoffice.md §3): GET /api/bo/requests with
 * the filters of the form (kept in the page's query string, so that back, forward and links
 * work), the counts per status, the table sorted by its column buttons (aria-sort), the pager,
 * the export links of the same filters, and the saved views (GET / POST /api/bo/views).
 */
import { h } from '../dom.js';
import { $, announce, call, failure, frDate, session } from './bo-api.js';

const FILTERS = ['form', 'commune', 'status', 'q', 'from', 'to', 'sort'];
const STATUSES = [
  ['deposee', 'Déposée'], ['en_instruction', 'En cours d’instruction'],
  ['complement_demande', 'Complément demandé'], ['complement_recu', 'Complément reçu'],
  ['acceptee', 'Acceptée'], ['refusee', 'Refusée'], ['sans_suite', 'Classée sans suite'],
  ['retiree', 'Retirée'],
];
const labels = new Map(STATUSES);
let formsLoaded = false;

/* The filters of the page's query string, with the page number. */
function current() {
  const p = new URLSearchParams(window.location.search);
  const out = new URLSearchParams();
  for (const k of [...FILTERS, 'page'])
    if (p.get(k)) out.set(k, p.get(k));
  return out;
}

function fillControls(p) {
  for (const k of FILTERS) {
    const el = $(`f-${k}`);
    if (el) el.value = p.get(k) || (k === 'sort' ? '-created' : '');
  }
}

function fromControls() {
  const p = new URLSearchParams();
  for (const k of FILTERS) {
    const v = $(`f-${k}`).value.trim();
    if (v && !(k === 'sort' && v === '-created')) p.set(k, v);
  }
  return p;
}

function addOptions(select, items) {
  for (const [value, text] of items)
    if (![...select.options].some((o) => o.value === value))
      select.append(h('option', { value }, text));
}

async function loadCommunes(me) {
  const r = await fetch('/api/communes').then((x) => x.json()).catch(() => ({ communes: [] }));
  const all = (r.communes || []).map((c) => [c.insee, c.name]);
  const mine = me.role === 'commune' ? all.filter(([insee]) => me.communes.includes(insee)) : all;
  addOptions($('f-commune'), mine.sort((a, b) => a[1].localeCompare(b[1], 'fr')));
}

function loadForms(forms) {
  if (formsLoaded) return;
  formsLoaded = true;
  addOptions($('f-form'), forms.map((f) => [f.id, f.title]));
  const own = forms.flatMap((f) => f.statuses.map((s) => [s.id, s.label]));
  for (const [id, label] of own) labels.set(id, label);
  addOptions($('f-status'), [...STATUSES, ...own]);
}

function renderCounts(counts, p) {
  const items = Object.entries(counts || {});
  const list = items.map(([status, n]) => {
    const q = new URLSearchParams(p);
    q.set('status', status);
    q.delete('page');
    return h('li', {}, h('a', { href: `queue.html?${q}` }, `${labels.get(status) || status} : ${n}`));
  });
  $('counts').replaceChildren(...(list.length ? list : [h('li', {}, 'Aucune demande.')]));
}

function row(r) {
  return h('tr', {},
    h('th', { scope: 'row' }, h('a', { href: `request.html?id=${r.id}` }, r.code)),
    h('td', {}, r.form_title || r.form),
    h('td', {}, r.commune_name || r.commune || r.service || ''),
    h('td', {}, r.requester || '—'),
    h('td', {}, h('span', { class: `bo-status bo-status-${r.status}` }, r.status_label)),
    h('td', {}, r.assignee || '—'),
    h('td', {}, frDate(r.created_at)));
}

function renderSortHeaders(sort) {
  for (const th of document.querySelectorAll('#requests th[data-sort]')) {
    const key = th.dataset.sort;
    const s = sort || '-created';
    if (s === key) th.setAttribute('aria-sort', 'ascending');
    else if (s === `-${key}`) th.setAttribute('aria-sort', 'descending');
    else th.removeAttribute('aria-sort');
  }
}

function renderPager(d, p) {
  const links = [];
  const to = (page) => { const q = new URLSearchParams(p); q.set('page', page); return `queue.html?${q}`; };
  if (d.page > 1) links.push(h('a', { href: to(d.page - 1), rel: 'prev' }, 'Page précédente'));
  if (d.pages > 1) links.push(h('span', {}, `Page ${d.page} sur ${d.pages}`));
  if (d.page < d.pages) links.push(h('a', { href: to(d.page + 1), rel: 'next' }, 'Page suivante'));
  $('pager').replaceChildren(...links);
  $('pager').hidden = links.length === 0;
}

async function load(focusTitle) {
  const p = current();
  fillControls(p);
  renderSortHeaders(p.get('sort'));
  $('list-status').textContent = 'Chargement…';
  const r = await call('GET', `/api/bo/requests?${p}`);
  if (r.status !== 200) {
    $('list-status').textContent = failure(r);
    return;
  }
  const d = r.body;
  loadForms(d.forms || []);
  fillControls(p);
  renderCounts(d.counts, p);
  const q = new URLSearchParams(p);
  q.delete('page');
  $('export-csv').href = `/api/bo/requests.csv?${q}`;
  $('export-xlsx').href = `/api/bo/requests.xlsx?${q}`;
  $('requests').querySelector('tbody').replaceChildren(...d.requests.map(row));
  const n = `${d.total} demande${d.total > 1 ? 's' : ''}`;
  $('requests-caption').textContent = d.pages > 1 ? `${n}, page ${d.page} sur ${d.pages}` : n;
  $('table-wrap').hidden = d.requests.length === 0;
  $('list-status').textContent = d.requests.length ? '' : 'Aucune demande ne correspond à ces filtres.';
  renderPager(d, p);
  announce(`${n} trouvée${d.total > 1 ? 's' : ''}.`);
  if (focusTitle) $('list-title').focus();
}

function go(p, focus) {
  window.history.pushState(null, '', `queue.html${p.toString() ? `?${p}` : ''}`);
  load(focus);
}

/* A column's button: the date toggles newest / oldest first; the others sort ascending. */
function sortBy(key) {
  const p = current();
  const s = p.get('sort') || '-created';
  p.set('sort', key === 'created' ? (s === '-created' ? 'created' : '-created') : key);
  p.delete('page');
  go(p, false);
}

/* ---- saved views ---- */

function renderViews(views) {
  $('views').replaceChildren(...(views.length ? views.map((v) => h('li', {},
    h('a', { href: `queue.html${v.query ? `?${v.query}` : ''}` }, v.name), ' ',
    (() => {
      const b = h('button', { type: 'button', class: 'button-link' }, 'Supprimer',
        h('span', { class: 'visually-hidden' }, ` la vue ${v.name}`));
      b.addEventListener('click', async () => {
        const r = await call('POST', '/api/bo/views', { name: v.name, query: null });
        if (r.status === 200) { renderViews(r.body.views); announce(`Vue ${v.name} supprimée.`); $('views-title').focus(); }
      });
      return b;
    })())) : [h('li', {}, 'Aucune vue enregistrée.')]));
}

async function saveView(e) {
  e.preventDefault();
  const name = $('view-name').value.trim();
  const err = $('view-name-error');
  if (!name) {
    err.textContent = 'Donnez un nom à la vue.';
    err.hidden = false;
    $('view-name').setAttribute('aria-invalid', 'true');
    $('view-name').setAttribute('aria-describedby', 'view-name-error view-help');
    $('view-name').focus();
    return;
  }
  const q = current();
  q.delete('page');
  const r = await call('POST', '/api/bo/views', { name, query: q.toString() });
  if (r.status === 200) {
    err.hidden = true;
    $('view-name').removeAttribute('aria-invalid');
    $('view-name').setAttribute('aria-describedby', 'view-help');
    $('view-name').value = '';
    renderViews(r.body.views);
    announce(`Vue ${name} enregistrée.`);
  } else {
    err.textContent = failure(r);
    err.hidden = false;
  }
}

async function start() {
  const me = await session();
  if (!me) return;
  await loadCommunes(me);
  $('filters').addEventListener('submit', (e) => { e.preventDefault(); go(fromControls(), true); });
  for (const th of document.querySelectorAll('#requests th[data-sort]'))
    th.querySelector('button').addEventListener('click', () => sortBy(th.dataset.sort));
  window.addEventListener('popstate', () => load(false));
  $('save-view').addEventListener('submit', saveView);
  const v = await call('GET', '/api/bo/views');
  renderViews(v.status === 200 ? v.body.views : []);
  await load(false);
}

start();
