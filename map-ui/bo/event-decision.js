/*
 * event-decision.js — the decision on a « Proposer un événement » request in the request's page
 * (request.js; docs/vie-locale.md §4 and §7), like contribution.js for the directory: accept
 * (the event is published in the agenda, with the values the agent corrects: title, dates,
 * place, category, description) or refuse (a motivation, shown to the proposer), sent to
 * POST /api/bo/requests/{id}/event (the form: decision.js).
 */
import { h } from '../dom.js';
import { CATEGORIES } from '../life.js';
import { field } from './bo-api.js';
import { decisionForm } from './decision.js';

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
  const inputs = new Map(VALUES.map(([key, , attrs]) => [key, h('input', { name: key, ...attrs })]));
  const category = h('select', { name: 'category' }, h('option', { value: '' }, 'Celle proposée'),
    ...CATEGORIES.map(([v, l]) => h('option', { value: v }, l)));
  inputs.set('category', category);
  const values = h('fieldset', { class: 'form-set', id: 'event-values', tabindex: '-1', hidden: true },
    h('legend', {}, 'Valeurs corrigées (facultatif)'),
    h('p', { class: 'help' }, 'Laissez un champ vide pour publier la valeur proposée.'),
    ...VALUES.map(([key, label, , help]) => field(`event-${key}`, label, inputs.get(key), help)),
    field('event-category', 'Catégorie', category));
  return decisionForm({
    prefix: 'event', decisionId: 'event-decision', decisions: DECISIONS, inputs, values,
    motivationHelp: 'Obligatoire pour un refus\u00a0; elle est communiquée à la personne qui a proposé l’événement.',
    url: `/api/bo/requests/${d.id}/event`, reload,
  });
}
