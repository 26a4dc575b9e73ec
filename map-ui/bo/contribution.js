/*
 * contribution.js — the decision on a resident's contribution to the directory, in the
 * request's page (request.js; docs/backoffice.md §7): for « Proposer un lieu » and « Signaler
 * une erreur », accept (with the agent's corrected values, the keys of the importer's
 * corrections), refuse (a motivation, shown to the resident) or forward to the communauté de
 * communes, sent to POST /api/bo/requests/{id}/contribution. Errors (checked here, then the
 * server's 400 naming its member) go to the form's summary, which takes the focus.
 */
import { h } from '../dom.js';
import { call, failure, field, showErrors, summaryBox } from './bo-api.js';

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
  const radios = DECISIONS.map(([value, label], i) => h('div', { class: 'choice' },
    h('input', { type: 'radio', name: 'decision', id: `decision-${i}`, value }),
    h('label', { for: `decision-${i}` }, label)));
  const inputs = new Map(VALUES.map(([key]) => [key, h('input', { type: 'text', name: key, maxlength: 2000 })]));
  const values = h('fieldset', { class: 'form-set', id: 'contrib-values', tabindex: '-1', hidden: true },
    h('legend', {}, 'Valeurs corrigées (facultatif)'),
    h('p', { class: 'help' }, d.form.id === 'proposer-lieu'
      ? 'Laissez un champ vide pour publier la valeur proposée.'
      : 'Indiquez les valeurs justes décrites par le signalement ; sans valeur, un lieu signalé fermé est masqué.'),
    ...VALUES.map(([key, label, help]) => field(`contrib-${key}`, label, inputs.get(key), help)));
  const motivation = h('textarea', { name: 'motivation', maxlength: 2000, rows: 3 });
  const form = h('form', { class: 'bo-action-form', novalidate: true }, summaryBox('contrib'),
    h('fieldset', { class: 'bo-moves', id: 'decision', tabindex: '-1', 'aria-describedby': 'decision-error' },
      h('legend', {}, 'Décision'), h('p', { class: 'field-error', id: 'decision-error', hidden: true }), ...radios),
    values,
    field('contrib-motivation', 'Motivation', motivation, 'Obligatoire pour un refus ; elle est communiquée au demandeur.'),
    h('p', {}, h('button', { type: 'submit', class: 'button-primary' }, 'Enregistrer la décision')));
  const chosen = () => (form.querySelector('input[name="decision"]:checked') || {}).value;
  form.addEventListener('change', () => { values.hidden = chosen() !== 'accept'; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const decision = chosen();
    const errors = [];
    if (!decision) errors.push(['decision', 'Choisissez la décision.']);
    if (decision === 'refuse' && !motivation.value.trim())
      errors.push(['contrib-motivation', 'Saisissez la motivation : elle est obligatoire pour un refus.']);
    if (errors.length) { showErrors(form, errors); return; }
    const body = { decision };
    if (motivation.value.trim()) body.motivation = motivation.value.trim();
    if (decision === 'accept') {
      const v = Object.fromEntries([...inputs].filter(([, el]) => el.value.trim()).map(([k, el]) => [k, el.value.trim()]));
      if (Object.keys(v).length) body.values = v;
    }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    const r = await call('POST', `/api/bo/requests/${d.id}/contribution`, body).catch(() => ({ status: 0, body: {} }));
    button.disabled = false;
    if (r.status === 200) {
      await reload(DECISIONS.find(([value]) => value === decision)[2]);
      return;
    }
    const p = r.body.parameter || '';
    const key = p === 'decision' ? 'decision' : p === 'motivation' ? 'contrib-motivation'
      : p.startsWith('values.') && inputs.has(p.slice(7)) ? `contrib-${p.slice(7)}` : p === 'values' ? 'contrib-values' : '';
    showErrors(form, [[key, r.status ? failure(r) : 'Le serveur ne répond pas. Réessayez.']]);
  });
  return form;
}
