/*
 * decision.js — the decision form of a request that changes published content, shared by
 * contribution.js (a place proposed or an error reported: the directory, docs/backoffice.md
 * §7) and event-decision.js (an event proposed: the agenda, docs/vie-locale.md §4): the
 * decisions as radio buttons, the agent's corrected values (shown for « accept » only), the
 * motivation (required to refuse), the POST to the request's decision endpoint, and the errors
 * (checked here, then the server's 400 naming its member: decision, motivation, values.<key>)
 * in the form's summary, which takes the focus.
 */
import { h } from '../dom.js';
import { call, failure, field, showErrors, summaryBox } from './bo-api.js';

/**
 * The form. spec: { prefix (ids: <prefix>-motivation, <prefix>-values, <prefix>-<key>),
 * decisionId (the fieldset's id, also the radios' name), decisions [[value, label, said]],
 * inputs (Map key -> control), values (the fieldset of the corrected values, id
 * <prefix>-values), motivationHelp, url (the POST), reload(said) }.
 */
export function decisionForm(spec) {
  const { prefix, decisionId, decisions, inputs, values, url, reload } = spec;
  const radios = decisions.map(([value, label], i) => h('div', { class: 'choice' },
    h('input', { type: 'radio', name: decisionId, id: `${decisionId}-${i}`, value }),
    h('label', { for: `${decisionId}-${i}` }, label)));
  const motivation = h('textarea', { name: 'motivation', maxlength: 2000, rows: 3 });
  const form = h('form', { class: 'bo-action-form', novalidate: true }, summaryBox(prefix),
    h('fieldset', { class: 'bo-moves', id: decisionId, tabindex: '-1', 'aria-describedby': `${decisionId}-error` },
      h('legend', {}, 'Décision'), h('p', { class: 'field-error', id: `${decisionId}-error`, hidden: true }), ...radios),
    values,
    field(`${prefix}-motivation`, 'Motivation', motivation, spec.motivationHelp),
    h('p', {}, h('button', { type: 'submit', class: 'button-primary' }, 'Enregistrer la décision')));
  const chosen = () => (form.querySelector(`input[name="${decisionId}"]:checked`) || {}).value;
  form.addEventListener('change', () => { values.hidden = chosen() !== 'accept'; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const decision = chosen();
    const errors = [];
    if (!decision) errors.push([decisionId, 'Choisissez la décision.']);
    if (decision === 'refuse' && !motivation.value.trim())
      errors.push([`${prefix}-motivation`, 'Saisissez la motivation\u00a0: elle est obligatoire pour un refus.']);
    if (errors.length) { showErrors(form, errors); return; }
    const body = { decision };
    if (motivation.value.trim()) body.motivation = motivation.value.trim();
    if (decision === 'accept') {
      const v = Object.fromEntries([...inputs].filter(([, el]) => el.value.trim()).map(([k, el]) => [k, el.value.trim()]));
      if (Object.keys(v).length) body.values = v;
    }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    const r = await call('POST', url, body).catch(() => ({ status: 0, body: {} }));
    button.disabled = false;
    if (r.status === 200 || r.status === 201) {
      await reload(decisions.find(([value]) => value === decision)[2]);
      return;
    }
    const p = r.body.parameter || '';
    const key = p === 'decision' ? decisionId : p === 'motivation' ? `${prefix}-motivation`
      : p.startsWith('values.') && inputs.has(p.slice(7)) ? `${prefix}-${p.slice(7)}` : p === 'values' ? `${prefix}-values` : '';
    showErrors(form, [[key, r.status ? failure(r) : 'Le serveur ne répond pas. Réessayez.']]);
  });
  return form;
}
