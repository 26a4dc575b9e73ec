/*
 * event-decision.js — the decision on a « Proposer un événement » request in the request's page
 * (request.js; docs/vie-locale.md §4 and §7), like contribution.js for the directory: accept
 * (the event is published in the agenda, with the values the agent corrects: title, dates,
 * place, category, description) or refuse (a motivation, shown to the proposer), sent to
 * POST /api/bo/requests/{id}/event. Errors (checked here, then the server's 400 naming its
 * member) go to the form's summary, which takes the focus.
 */
import { h } from '../dom.js';
import { CATEGORIES } from '../life.js';
import { call, failure, field, showErrors, summaryBox } from './bo-api.js';

export const EVENT_FORMS = ['proposer-evenement'];
const OPEN = ['deposee', 'en_instruction', 'complement_recu'];
const DECISIONS = [
  ['accept', 'Accepter et publier dans l’agenda', 'Proposition acceptée\u00a0: l’événement est publié dans l’agenda.'],
  ['refuse', 'Refuser', 'Proposition refusée.'],
];
/* The values an agent may correct: key, label, control attributes, help. */
const VALUES = [
  ['title', 'Titre', { type: 'text', maxlength: 200 }],
  ['start', 'Début', { type: 'datetime-local' }, 'Date et heure (heure de Paris).'],
  ['end', 'Fin', { type: 'datetime-local' }],
  ['address', 'Adresse du lieu', { type: 'text', maxlength: 300 }],
  ['text', 'Description', { type: 'text', maxlength: 20000 }],
];

/* The form, or a notice once the request is closed. reload(text) shows the page again. */
export function eventDecisionForm(d, reload) {
  if (!OPEN.includes(d.status))
    return h('p', {}, 'La proposition a déjà été traitée\u00a0: voir l’historique.');
  const radios = DECISIONS.map(([value, label], i) => h('div', { class: 'choice' },
    h('input', { type: 'radio', name: 'event-decision', id: `event-decision-${i}`, value }),
    h('label', { for: `event-decision-${i}` }, label)));
  const inputs = new Map(VALUES.map(([key, , attrs]) => [key, h('input', { name: key, ...attrs })]));
  const category = h('select', { name: 'category' }, h('option', { value: '' }, 'Celle proposée'),
    ...CATEGORIES.map(([v, l]) => h('option', { value: v }, l)));
  inputs.set('category', category);
  const values = h('fieldset', { class: 'form-set', id: 'event-values', tabindex: '-1', hidden: true },
    h('legend', {}, 'Valeurs corrigées (facultatif)'),
    h('p', { class: 'help' }, 'Laissez un champ vide pour publier la valeur proposée.'),
    ...VALUES.map(([key, label, , help]) => field(`event-${key}`, label, inputs.get(key), help)),
    field('event-category', 'Catégorie', category));
  const motivation = h('textarea', { name: 'motivation', maxlength: 2000, rows: 3 });
  const form = h('form', { class: 'bo-action-form', novalidate: true }, summaryBox('event'),
    h('fieldset', { class: 'bo-moves', id: 'event-decision', tabindex: '-1', 'aria-describedby': 'event-decision-error' },
      h('legend', {}, 'Décision'), h('p', { class: 'field-error', id: 'event-decision-error', hidden: true }), ...radios),
    values,
    field('event-motivation', 'Motivation', motivation, 'Obligatoire pour un refus\u00a0; elle est communiquée à la personne qui a proposé l’événement.'),
    h('p', {}, h('button', { type: 'submit', class: 'button-primary' }, 'Enregistrer la décision')));
  const chosen = () => (form.querySelector('input[name="event-decision"]:checked') || {}).value;
  form.addEventListener('change', () => { values.hidden = chosen() !== 'accept'; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const decision = chosen();
    const errors = [];
    if (!decision) errors.push(['event-decision', 'Choisissez la décision.']);
    if (decision === 'refuse' && !motivation.value.trim())
      errors.push(['event-motivation', 'Saisissez la motivation\u00a0: elle est obligatoire pour un refus.']);
    if (errors.length) { showErrors(form, errors); return; }
    const body = { decision };
    if (motivation.value.trim()) body.motivation = motivation.value.trim();
    if (decision === 'accept') {
      const v = Object.fromEntries([...inputs].filter(([, el]) => el.value.trim()).map(([k, el]) => [k, el.value.trim()]));
      if (Object.keys(v).length) body.values = v;
    }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    const r = await call('POST', `/api/bo/requests/${d.id}/event`, body).catch(() => ({ status: 0, body: {} }));
    button.disabled = false;
    if (r.status === 200 || r.status === 201) {
      await reload(DECISIONS.find(([value]) => value === decision)[2]);
      return;
    }
    const p = r.body.parameter || '';
    const key = p === 'decision' ? 'event-decision' : p === 'motivation' ? 'event-motivation'
      : p.startsWith('values.') && inputs.has(p.slice(7)) ? `event-${p.slice(7)}` : p === 'values' ? 'event-values' : '';
    showErrors(form, [[key, r.status ? failure(r) : 'Le serveur ne répond pas. Réessayez.']]);
  });
  return form;
}
