/*
 * request.js — one request in the back office (request.html?id=N, docs/backoffice.md §3-5):
 * GET /api/bo/requests/{id} rendered as sections (facts, actions, fields as filed,
 * attachments, assignment, messages, internal comments, history, audit). The actions follow
 * the moves the server allows (`moves`): a motivation is required to refuse or close without
 * follow-up, documents and a deadline to ask for a complement; errors go to a summary that
 * takes the focus, each linked to its field (aria-invalid, aria-describedby). Every POST
 * answers the request's page again, which is rendered in place.
 */
import { h } from '../dom.js';
import { $, announce, call, failure, field, frDate, session, showErrors, summaryBox } from './bo-api.js';
import { CONTRIBUTION_FORMS, contributionForm } from './contribution.js';
import { EVENT_FORMS, eventDecisionForm } from './event-decision.js';

const id = new URLSearchParams(window.location.search).get('id');
const root = $('request-app');
const ACTORS = { resident: 'le demandeur', agent: 'un agent', system: 'le service' };
const ACTIONS = {
  view: 'Consultation', download: 'Téléchargement d’une pièce', transition: 'Changement de statut',
  comment: 'Commentaire interne', message: 'Message au demandeur', assign: 'Attribution',
  certificate: 'Certificat', export: 'Export',
};

function sizeText(n) {
  return n >= 1048576 ? `${(n / 1048576).toFixed(1).replace('.', ',')} Mo` : `${Math.max(1, Math.round(n / 1024))} ko`;
}

function section(key, title, ...content) {
  return h('section', { class: 'bo-section', 'aria-labelledby': `${key}-title` },
    h('h2', { id: `${key}-title`, tabindex: '-1' }, title), ...content);
}

/* Sends a POST of an action; renders the answer or shows its error in form. */
async function act(form, path, body, fieldOf, done) {
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const r = await call('POST', `/api/bo/requests/${id}/${path}`, body);
    if (r.status === 200) {
      render(r.body);
      announce(done);
      const t = $(form.dataset.focus || 'request-title');
      if (t) t.focus();
      return;
    }
    const key = r.body.parameter && fieldOf[r.body.parameter];
    showErrors(form, [[key || '', failure(r)]]);
  } catch {
    showErrors(form, [['', 'Le serveur ne répond pas. Réessayez.']]);
  } finally {
    button.disabled = false;
  }
}

/* ---- the status change ---- */

function movesForm(d) {
  const radios = d.moves.map((m, i) => h('div', { class: 'choice' },
    h('input', { type: 'radio', name: 'to', id: `move-${i}`, value: m.to }),
    h('label', { for: `move-${i}` }, m.label)));
  const motivation = h('textarea', { name: 'motivation', maxlength: 4000, rows: 4 });
  const documents = h('textarea', { name: 'documents', maxlength: 4000, rows: 3 });
  const deadline = h('input', { type: 'date', name: 'deadline' });
  const complement = h('div', { id: 'complement-block', hidden: true },
    field('documents', 'Pièces demandées (obligatoire)', documents, 'Une pièce par ligne. Le demandeur les voit sur sa page de suivi.'),
    field('deadline', 'Date limite (obligatoire)', deadline, 'Une date postérieure à aujourd’hui.'));
  const form = h('form', { class: 'bo-action-form', novalidate: true, 'data-focus': 'request-title' },
    summaryBox('move'),
    h('fieldset', { class: 'bo-moves', id: 'to', tabindex: '-1', 'aria-describedby': 'to-error' },
      h('legend', {}, 'Nouveau statut'), h('p', { class: 'field-error', id: 'to-error', hidden: true }), ...radios),
    field('motivation', 'Motivation', motivation, 'Obligatoire pour refuser ou classer sans suite ; elle est communiquée au demandeur.'),
    complement,
    h('p', {}, h('button', { type: 'submit', class: 'button-primary' }, 'Enregistrer le changement de statut')));
  const chosen = () => d.moves.find((m) => m.to === (form.querySelector('input[name="to"]:checked') || {}).value);
  form.addEventListener('change', () => {
    const m = chosen();
    complement.hidden = !(m && m.complement);
    motivation.required = Boolean(m && m.motivation_required);
    motivation.setAttribute('aria-required', String(Boolean(m && m.motivation_required)));
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const m = chosen();
    const errors = [];
    if (!m) errors.push(['to', 'Choisissez le nouveau statut.']);
    if (m && m.motivation_required && !motivation.value.trim())
      errors.push(['motivation', 'Saisissez la motivation : elle est obligatoire pour refuser ou classer sans suite.']);
    if (m && m.complement && !documents.value.trim()) errors.push(['documents', 'Indiquez les pièces demandées.']);
    if (m && m.complement && !deadline.value) errors.push(['deadline', 'Indiquez la date limite.']);
    if (errors.length) { showErrors(form, errors); return; }
    const body = { to: m.to };
    if (motivation.value.trim()) body.motivation = motivation.value.trim();
    if (m.complement) Object.assign(body, { documents: documents.value.trim(), deadline: deadline.value });
    act(form, 'transition', body, { to: 'to', motivation: 'motivation', documents: 'documents', deadline: 'deadline' },
        `Statut enregistré : ${m.label}.`);
  });
  return form;
}

/* ---- the other sections ---- */

function facts(d) {
  const rows = [
    ['Démarche', d.form.title || d.form.id], ['Statut', d.status_label],
    [d.commune ? 'Commune' : 'Service', d.commune_name || d.commune || d.service || '—'],
    ['Déposée le', frDate(d.created_at, true)], ['Mise à jour le', frDate(d.updated_at, true)],
    ['Agent chargé', d.assignee ? `${d.assignee.name || d.assignee.login}` : 'Personne'],
  ];
  if (d.closed_at) rows.push(['Close le', frDate(d.closed_at, true)]);
  return h('dl', { class: 'bo-facts' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function filed(d) {
  if (!d.fields.length) return h('p', {}, 'Aucun champ rempli.');
  return h('dl', { class: 'bo-facts' }, ...d.fields.flatMap((f) => [h('dt', {}, f.label), h('dd', {}, f.value || '—')]));
}

function attachments(d) {
  if (!d.attachments.length) return h('p', {}, 'Aucune pièce jointe.');
  return h('ul', {}, ...d.attachments.map((a) => h('li', {},
    h('a', { href: a.url, download: '' }, `${a.name || `Pièce ${a.n}`} (${a.type.toUpperCase()}, ${sizeText(a.size)})`),
    ` — ${a.field}, déposée le ${frDate(a.at, true)}`)));
}

function assignForm(d) {
  const select = h('select', { name: 'agent' }, h('option', { value: '' }, 'Personne'),
    ...d.agents.map((a) => h('option', { value: a.login, selected: Boolean(d.assignee && d.assignee.login === a.login) },
      `${a.name} (${a.login})`)));
  const form = h('form', { class: 'bo-inline-form', novalidate: true, 'data-focus': 'assign-title' }, summaryBox('assign'),
    field('assign-agent', 'Agent chargé de la demande', select),
    h('p', {}, h('button', { type: 'submit', class: 'button-secondary' }, 'Attribuer')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(form, 'assign', { agent: select.value || null }, { agent: 'assign-agent' },
        select.value ? 'Demande attribuée.' : 'Attribution retirée.');
  });
  return form;
}

function textForm(key, label, button, internal, done) {
  const text = h('textarea', { name: 'text', maxlength: 4000, rows: 3 });
  const form = h('form', { class: 'bo-action-form', novalidate: true, 'data-focus': `${key}-title` }, summaryBox(key),
    field(`${key}-text`, label, text), h('p', {}, h('button', { type: 'submit', class: 'button-secondary' }, button)));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!text.value.trim()) { showErrors(form, [[`${key}-text`, 'Saisissez un texte.']]); return; }
    act(form, 'comment', { text: text.value.trim(), internal }, { text: `${key}-text` }, done);
  });
  return form;
}

function messages(d) {
  if (!d.messages.length) return h('p', {}, 'Aucun message.');
  return h('ul', { class: 'messages' }, ...d.messages.map((m) => h('li', { class: 'message' },
    h('p', { class: 'message-meta' }, `${m.from === 'agent' ? 'Le service' : 'Le demandeur'}, le ${frDate(m.at, true)}`),
    h('p', {}, m.body))));
}

function comments(d) {
  if (!d.comments.length) return h('p', {}, 'Aucun commentaire interne.');
  return h('ul', { class: 'bo-comments' }, ...d.comments.map((c) => h('li', { class: 'bo-comment' },
    h('p', { class: 'message-meta' }, `${c.agent || 'Un agent'}, le ${frDate(c.at, true)}`), h('p', {}, c.text))));
}

function history(d) {
  return h('ol', { class: 'history' }, ...d.history.map((e) => h('li', {},
    `${frDate(e.at, true)} — ${e.status ? `« ${e.status_label} »` : 'événement'}, par ${e.agent || ACTORS[e.by] || e.by}`,
    e.message ? ` : ${e.message}` : '')));
}

async function audit() {
  const r = await call('GET', `/api/bo/requests/${id}/audit`);
  const rows = r.status === 200 ? r.body.audit : [];
  return h('div', { class: 'bo-table-wrap', role: 'region', 'aria-labelledby': 'audit-caption', tabindex: '0' },
    h('table', { class: 'bo-table' }, h('caption', { id: 'audit-caption' }, `Journal d’audit (${rows.length} entrées)`),
      h('thead', {}, h('tr', {}, ...['Date', 'Agent', 'Action', 'Avant', 'Après', 'Motivation'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...rows.map((a) => h('tr', {}, h('td', {}, frDate(a.at, true)), h('td', {}, a.actor),
        h('td', {}, ACTIONS[a.action] || a.action), h('td', {}, a.from || ''), h('td', {}, a.to || ''),
        h('td', {}, a.motivation || ''))))));
}

async function render(d) {
  document.title = `Demande ${d.code} — Guichet des agents`;
  const auditBox = h('div', {}, h('p', {}, 'Chargement…'));
  root.replaceChildren(
    h('h1', { id: 'request-title', tabindex: '-1' }, `Demande ${d.code}`),
    h('p', { class: 'form-description' }, d.form.title || d.form.id),
    facts(d),
    d.certificate ? h('p', {}, h('a', { href: `/api/bo/requests/${d.id}/certificate`, class: 'button-secondary' },
      'Certificat d’inscription (à imprimer)')) : null,
    section('moves', 'Changer le statut', d.moves.length ? movesForm(d) : h('p', {}, 'Aucun changement de statut possible.')),
    CONTRIBUTION_FORMS.includes(d.form.id) ? section('contribution', 'Décision sur la contribution à l’annuaire',
      contributionForm(d, reload)) : null,
    EVENT_FORMS.includes(d.form.id) ? section('event-proposal', 'Décision sur la proposition d’événement',
      eventDecisionForm(d, reload)) : null,
    section('fields', 'Informations déposées', filed(d)),
    section('attachments', 'Pièces jointes', attachments(d)),
    section('assign', 'Attribution', assignForm(d)),
    section('messages', 'Messages avec le demandeur', messages(d),
      textForm('message', 'Message au demandeur (il le voit sur sa page de suivi)', 'Envoyer le message', false, 'Message envoyé.')),
    section('comments', 'Commentaires internes', h('p', { class: 'help' }, 'Jamais visibles par le demandeur.'), comments(d),
      textForm('comment', 'Nouveau commentaire interne', 'Ajouter le commentaire', true, 'Commentaire ajouté.')),
    section('history', 'Historique', history(d)),
    section('audit', 'Journal d’audit', h('p', {}, h('a', { href: `/api/bo/requests/${d.id}/audit.csv`, download: '' },
      'Exporter le journal (CSV)')), auditBox));
  auditBox.replaceChildren(await audit());
}

/* The page again after a decision taken elsewhere than by act (the contribution). */
async function reload(done) {
  const r = await call('GET', `/api/bo/requests/${id}`);
  if (r.status !== 200) return;
  await render(r.body);
  announce(done);
  $('request-title').focus();
}

async function start() {
  if (!(await session())) return;
  if (!/^[0-9]{1,15}$/.test(id || '')) {
    root.replaceChildren(h('h1', {}, 'Demande introuvable'), h('p', {}, h('a', { href: 'queue.html' }, 'Retour aux demandes')));
    return;
  }
  const r = await call('GET', `/api/bo/requests/${id}`);
  if (r.status !== 200) {
    root.replaceChildren(h('h1', { id: 'request-title', tabindex: '-1' }, 'Demande introuvable'),
      h('p', {}, r.status === 404 ? 'Cette demande n’existe pas ou ne relève pas de votre rôle.' : failure(r)),
      h('p', {}, h('a', { href: 'queue.html' }, 'Retour aux demandes')));
    return;
  }
  await render(r.body);
  $('request-title').focus();
}

start();
