/*
 * life.js (back office) — the « Vie locale » page (vie-locale.html; docs/vie-locale.md §7): the
 * session (bo-api.js), then either the list of the agent's items (GET /api/bo/life with the
 * filters kind, status, commune kept in the URL; each title a link to its editor) or the
 * editor (life-editor.js) of ?id=N or of a new item (?nouveau=event|news|alert). After an
 * action the editor is shown again with the saved item and the result announced.
 */
import { h } from '../dom.js';
import { $, announce, call, failure, frDate, session } from './bo-api.js';
import { KINDS, buildEditor, localDate, stateText } from './life-editor.js';

const NEW_TITLES = { event: 'Nouvel événement', news: 'Nouvelle actualité', alert: 'Nouvelle alerte' };

async function memberCommunes() {
  const r = await fetch('/api/communes').then((x) => x.json()).catch(() => ({ communes: [] }));
  return (r.communes || []).map((c) => ({ insee: c.insee, name: c.name }))
    .sort((a, b) => a.name.localeCompare(b.name, 'fr'));
}

function communeNames(item, names) {
  if (item.territory)
    return 'Tout le territoire';
  return (item.communes || []).map((c) => (typeof c === 'string' ? names.get(c) || c : c.name || c.insee)).join(', ');
}

function whenOf(item) {
  if (item.kind === 'event' && (item.start_local || item.start))
    return item.start_local ? localDate(item.start_local) : frDate(item.start, !item.all_day);
  return frDate(item.valid_until || item.updated_at || '', false);
}

async function showList(me, communes) {
  const q = new URLSearchParams(window.location.search);
  const names = new Map(communes.map((c) => [c.insee, c.name]));
  const mine = me.role === 'admin' ? communes : communes.filter((c) => (me.communes || []).includes(c.insee));
  $('l-commune').append(...mine.map((c) => h('option', { value: c.insee }, c.name)));
  for (const k of ['kind', 'status', 'commune']) {
    const v = q.get(k) || '';
    if ([...$(`l-${k}`).options].some((o) => o.value === v))
      $(`l-${k}`).value = v;
  }
  $('list-view').hidden = false;
  const params = new URLSearchParams();
  for (const k of ['kind', 'status', 'commune'])
    if ($(`l-${k}`).value) params.set(k, $(`l-${k}`).value);
  const r = await call('GET', `/api/bo/life${params.toString() ? `?${params}` : ''}`).catch(() => ({ status: 0, body: {} }));
  const tbody = $('life-items').querySelector('tbody');
  if (r.status !== 200) {
    $('life-status').textContent = r.status ? failure(r) : 'Le serveur ne répond pas. Réessayez.';
    return;
  }
  const items = Array.isArray(r.body.items) ? r.body.items : [];
  tbody.replaceChildren(...items.map((it) => h('tr', { 'data-id': it.id },
    h('th', { scope: 'row' }, h('a', { href: `vie-locale.html?id=${encodeURIComponent(it.id)}` }, it.title || '(sans titre)')),
    h('td', {}, KINDS[it.kind] || it.kind), h('td', {}, stateText(it)), h('td', {}, communeNames(it, names)),
    h('td', {}, whenOf(it)))));
  $('life-status').textContent = items.length
    ? `${items.length} ${items.length > 1 ? 'publications' : 'publication'}.` : 'Aucune publication ne correspond à ces filtres.';
}

async function showEditor(me, communes, id, kind, said) {
  let item = null;
  if (id) {
    const r = await call('GET', `/api/bo/life/${encodeURIComponent(id)}`).catch(() => ({ status: 0, body: {} }));
    if (r.status !== 200) {
      $('editor-view').hidden = false;
      $('editor-title').textContent = 'Publication introuvable';
      $('editor').replaceChildren(h('p', {}, r.status ? failure(r) : 'Le serveur ne répond pas. Réessayez.'));
      return;
    }
    item = r.body.item || r.body;
    kind = item.kind;
    if (kind === 'event' && item.rrule === undefined && item.status === 'published') {
      /* the back office's item has no rrule: the public item of a published event has it */
      const pub = await fetch(`/api/events/${encodeURIComponent(item.id)}`).then((x) => (x.ok ? x.json() : null)).catch(() => null);
      if (pub && pub.properties)
        item.rrule = pub.properties.rrule || null;
    }
  }
  $('editor-view').hidden = false;
  $('editor-title').textContent = item ? `${KINDS[kind]}\u00a0: ${item.title}` : NEW_TITLES[kind];
  document.title = `${$('editor-title').textContent} — Guichet des agents`;
  $('editor-state').textContent = item ? `État\u00a0: ${stateText(item)}${item.updated_at ? ` · modifié le ${frDate(item.updated_at, true)}` : ''}` : 'État\u00a0: nouveau, pas encore enregistré';
  const reload = async (savedId, sentence) => {
    if (String(savedId) !== String(id))
      window.history.replaceState(null, '', `vie-locale.html?id=${encodeURIComponent(savedId)}`);
    await showEditor(me, communes, savedId, kind, sentence);
  };
  $('editor').replaceChildren(buildEditor(me, communes, kind, item, reload));
  document.body.dataset.ready = `editor-${item ? item.id : 'new'}-${item ? item.status : 'draft'}`;
  if (said) {
    announce(said);
    $('editor-state').textContent += ` — ${said}`;
    $('editor-title').focus();
  }
}

async function main() {
  const me = await session();
  if (!me)
    return;
  const communes = await memberCommunes();
  $('loading').hidden = true;
  const q = new URLSearchParams(window.location.search);
  const id = q.get('id');
  const kind = q.get('nouveau');
  if (id && /^\d{1,12}$/.test(id))
    await showEditor(me, communes, id, null, '');
  else if (kind && KINDS[kind])
    await showEditor(me, communes, null, kind, '');
  else {
    await showList(me, communes);
    document.body.dataset.ready = 'list';
  }
}

main();
