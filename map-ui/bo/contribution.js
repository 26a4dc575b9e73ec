/*
 * contribution.js — the decision on a resident's contribution to the directory, in the
 * request's page (request.js; docs/backoffice.md §7): for « Proposer un lieu » and « Signaler
 * une erreur », accept (with the agent's corrected values, the keys of the importer's
 * corrections), refuse (a motivation, shown to the resident) or forward to the communauté de
 * communes, sent to POST /api/bo/requests/{id}/contribution (the form: decision.js).
 */
import { h } from '../dom.js';
import { field } from './bo-api.js';
import { decisionForm } from './decision.js';

export const CONTRIBUTION_FORMS = ['proposer-lieu', 'signaler-erreur'];
const OPEN = ['deposee', 'en_instruction', 'complement_recu'];
const DECISIONS = [
  ['accept', 'Accepter et publier dans l’annuaire', 'Contribution acceptée : l’annuaire est mis à jour dans quelques secondes.'],
  ['refuse', 'Refuser', 'Contribution refusée.'],
  ['forward', 'Transmettre à la communauté de communes', 'Contribution transmise à la communauté de communes.'],
];
/* The values an agent may correct: key of the corrections, label, help. */
const VALUES = [
  ['name', 'Nom du lieu'], ['address', 'Adresse (numéro et rue)'], ['phone', 'Téléphone'],
  ['email', 'Adresse électronique du lieu'], ['website', 'Site web'],
  ['opening_hours', 'Horaires d’ouverture', 'Au format d’OpenStreetMap, par exemple Tu-Sa 08:00-12:30 : traduisez ceux que le demandeur a écrits en toutes lettres.'],
  ['description', 'Description'],
];

/* The form, or a notice once the request is closed. reload(text) shows the page again. */
export function contributionForm(d, reload) {
  if (!OPEN.includes(d.status))
    return h('p', {}, 'La contribution a déjà été traitée : voir l’historique.');
  const inputs = new Map(VALUES.map(([key]) => [key, h('input', { type: 'text', name: key, maxlength: 2000 })]));
  const values = h('fieldset', { class: 'form-set', id: 'contrib-values', tabindex: '-1', hidden: true },
    h('legend', {}, 'Valeurs corrigées (facultatif)'),
    h('p', { class: 'help' }, d.form.id === 'proposer-lieu'
      ? 'Laissez un champ vide pour publier la valeur proposée.'
      : 'Indiquez les valeurs justes décrites par le signalement ; sans valeur, un lieu signalé fermé est masqué.'),
    ...VALUES.map(([key, label, help]) => field(`contrib-${key}`, label, inputs.get(key), help)));
  return decisionForm({
    prefix: 'contrib', decisionId: 'decision', decisions: DECISIONS, inputs, values,
    motivationHelp: 'Obligatoire pour un refus ; elle est communiquée au demandeur.',
    url: `/api/bo/requests/${d.id}/contribution`, reload,
  });
}
