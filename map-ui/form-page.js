/*
 * form-page.js — the controller of demarche.html?id=<form>: one page per step of the
 * definition with its progress (« Étape 2 sur 5 »), the RGPD notice at the top of every step,
 * the browser's checks before moving on, an error summary that takes the focus and links to
 * each field (after the browser's checks and after a 400 from the server, whose errors[].field
 * paths are mapped back to the inputs, on whatever step they are), a recap step where every
 * answer can be changed before sending (RGAA 11.12), the draft kept in sessionStorage, the
 * multipart submission with its CSRF token, and the printable receipt with the tracking code
 * and the follow link (/suivi.html#CODE/TOKEN: the token stays in the fragment, which no
 * server sees).
 *
 * Without a network (navigator.onLine false, or the server unreachable) the request is queued on
 * the device (form-draft.js) and the page says it will be sent when the network returns; it is
 * sent on the `online` event or when the page is opened again, still validated by the server
 * (a 400 brings the recap back with its errors), one tab at a time (docs/forms.md §1.6).
 *
 * demarche.html?id=signaler-erreur&lieu=<place id> preselects that place (links of the map's
 * place cards).
 */
import { ApiError } from './api.js';
import { h } from './dom.js';
import { fetchForm, failureText, submitForm } from './forms-api.js';
import {
  UID, allFields, checkFields, domId, frenchDate, isInput, newUid, pageOfPath,
  sizeText, submissionFiles, submissionValues, walk,
} from './form-model.js';
import {
  clearDraft, clearQueued, clearReceipt, ensureUids, loadDraft, loadQueued, loadReceipt, markSending, queueSubmission,
  queuedFiles, saveDraft, saveReceipt, withSendLock,
} from './form-draft.js';
import { FormRenderer, focusTarget, showFieldError } from './form-render.js';
import { announce, frenchDateTime, loadTerritory, shortName } from './site.js';

const root = document.getElementById('form-app');
const params = new URLSearchParams(window.location.search);

const app = {
  def: null,
  territory: null,
  state: { step: 0, values: {}, files: {} },
  renderer: null,
  serverErrors: [],          /* [{ path, message }] of the last 400 */
  lost: [],                  /* names of draft files that must be attached again */
  saveTimer: null,
  sending: false,
  filed: false,              /* the request was filed: no more draft */
};

const filesOf = (key) => app.state.files[key] || [];
const RETRY_MS = 30000;

function stepCount() {
  return app.def.pages.length + 1;            /* the pages, then the recap */
}

function setTitle(stepTitle, hasErrors) {
  document.title = `${hasErrors ? 'Erreur : ' : ''}${stepTitle} — ${app.def.title} — ${shortName(app.territory)}`;
}

/* The draft is written while the request is not filed (a late write would bring it back). */
function persist() {
  window.clearTimeout(app.saveTimer);
  if (!app.filed)
    saveDraft(app.def, app.state, () => !app.filed);
}

function scheduleSave() {
  window.clearTimeout(app.saveTimer);
  app.saveTimer = window.setTimeout(persist, 250);
}

/* --- the notice, the progress, the error summary -------------------------------------------- */

function noticeBlock() {
  const n = app.def.notice || {};
  const rows = [
    ['Responsable du traitement', n.controller], ['Finalité', n.purpose], ['Base légale', n.legal_basis],
    ['Destinataires', n.recipients], ['Durée de conservation', n.retention], ['Vos droits', n.rights],
    ['Contact', n.contact],
  ].filter(([, v]) => v);
  const list = h('dl', { class: 'notice-list' });
  for (const [term, value] of rows)
    list.append(h('dt', {}, term), h('dd', {}, value));
  const details = h('details', { class: 'notice' },
    h('summary', {}, 'Vos données personnelles : qui les traite, pourquoi, combien de temps, vos droits'), list);
  return h('div', { class: 'notice-box' },
    n.purpose ? h('p', {}, `Vos données servent à : ${n.purpose.charAt(0).toLowerCase()}${n.purpose.slice(1)}`) : null,
    details);
}

function progress(index, title) {
  const total = stepCount();
  return [
    h('h2', { id: 'step-title', class: 'step-title', tabindex: '-1' },
      h('span', { class: 'step-count' }, `Étape ${index + 1} sur ${total}`), ` : ${title}`),
    h('progress', { class: 'step-progress', max: String(total), value: String(index + 1), 'aria-hidden': 'true' }),
  ];
}

/* The label of the field at a server path, with its repeat item ("Date de naissance (Enfant 2)"). */
function labelOfPath(path) {
  const m = /^([a-z0-9_]+)(?:\[(\d+)\]\.([a-z0-9_]+))?/.exec(String(path));
  if (!m)
    return '';
  const top = allFields(app.def).find((f) => f.id === m[1]);
  if (!top)
    return '';
  if (m[2] === undefined)
    return top.label || '';
  const sub = (top.fields || []).find((f) => f.id === m[3]);
  return `${sub ? sub.label : m[3]} (${top.item_label || top.label} ${Number(m[2]) + 1})`;
}

/* Shows the error summary at the top of the step and moves the focus to it. errors:
 * [{ path, message }]; those of other steps link to their step. */
function showSummary(errors, intro) {
  const box = document.getElementById('error-summary');
  const items = errors.map((e) => {
    const label = labelOfPath(e.path);
    const text = label ? `${label} : ${e.message}` : e.message;
    if (!e.path)
      return h('li', {}, text);
    const page = pageOfPath(app.def, e.path);
    const link = h('a', { href: `#${domId(e.path)}` },
      page >= 0 && page !== app.state.step ? `Étape ${page + 1} — ${text}` : text);
    link.addEventListener('click', (ev) => {
      ev.preventDefault();
      goToField(e.path);
    });
    return h('li', {}, link);
  });
  const n = errors.length;
  box.replaceChildren(
    h('h2', { id: 'error-summary-title' },
      intro || (n > 1 ? `Le formulaire contient ${n} erreurs` : 'Le formulaire contient 1 erreur')),
    h('ul', {}, ...items));
  box.hidden = false;
  box.focus();
}

function clearSummary() {
  const box = document.getElementById('error-summary');
  if (box) {
    box.hidden = true;
    box.replaceChildren();
  }
}

function goToField(path) {
  const page = pageOfPath(app.def, path);
  if (page >= 0 && page !== app.state.step) {
    app.state.step = page;
    renderStep({ focus: false });
  }
  const target = focusTarget(root, path);
  if (target) {
    target.focus();
    target.scrollIntoView({ block: 'center' });
  }
}

/* --- one step of fields ---------------------------------------------------------------------- */

function stepShell(index, title) {
  return [
    h('h1', {}, app.def.title),
    app.def.description && index === 0 ? h('p', { class: 'form-description' }, app.def.description) : null,
    ...progress(index, title),
    h('div', { id: 'error-summary', class: 'error-summary', tabindex: '-1', role: 'group',
               'aria-labelledby': 'error-summary-title', hidden: true }),
    noticeBlock(),
  ];
}

function renderStep({ focus = true } = {}) {
  const index = app.state.step;
  if (index >= app.def.pages.length) {
    renderRecap(focus);
    return;
  }
  const page = app.def.pages[index];
  const fieldsBox = h('div', { class: 'form-fields' });
  const form = h('form', { class: 'form-step', novalidate: true, 'aria-labelledby': 'step-title' },
    h('p', { class: 'help required-help' }, 'Les champs suivis de « (obligatoire) » doivent être remplis.'),
    app.lost.length ? h('p', { class: 'form-warning' },
      `Après le rechargement de la page, joignez à nouveau : ${app.lost.join(', ')}.`) : null,
    fieldsBox,
    h('div', { class: 'form-nav' },
      index > 0 ? h('button', { type: 'button', class: 'button-secondary', id: 'step-prev' }, 'Étape précédente') : null,
      h('button', { type: 'submit', class: 'button-primary', id: 'step-next' },
        index + 1 === app.def.pages.length ? 'Vérifier ma demande' : 'Étape suivante')));
  root.replaceChildren(...stepShell(index, page.title || `Étape ${index + 1}`), form);
  app.renderer.render(page.fields || [], fieldsBox);
  const onThisStep = app.serverErrors.filter((e) => pageOfPath(app.def, e.path) === index);
  for (const e of onThisStep)
    showFieldError(root, e.path, e.message);
  setTitle(`Étape ${index + 1} sur ${stepCount()} : ${page.title}`, onThisStep.length > 0);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    next();
  });
  const prev = document.getElementById('step-prev');
  if (prev)
    prev.addEventListener('click', () => move(index - 1));
  if (focus)
    document.getElementById('step-title').focus();
}

function move(step) {
  app.state.step = step;
  persist();
  clearSummary();
  renderStep();
  window.scrollTo(0, 0);
}

/* Checks the fields of the current step; shows the errors or goes on. */
function next() {
  const page = app.def.pages[app.state.step];
  const errors = checkFields(page.fields || [], app.state.values, filesOf, new Date(), allFields(app.def));
  root.querySelectorAll('.field-error').forEach((p) => {
    const path = p.closest('[data-path]') && p.closest('[data-path]').dataset.path;
    if (path)
      showFieldError(root, path, '');
  });
  if (errors.length) {
    for (const e of errors)
      showFieldError(root, e.path, e.message);
    setTitle(`Étape ${app.state.step + 1} sur ${stepCount()} : ${page.title}`, true);
    showSummary(errors);
    return;
  }
  const ids = new Set((page.fields || []).map((f) => f.id));
  app.serverErrors = app.serverErrors.filter((e) => !ids.has(String(e.path).split(/[[.]/)[0]));
  move(app.state.step + 1);
}

/* --- the recap -------------------------------------------------------------------------------- */

function displayValue(field, value, fileKey) {
  const none = h('span', { class: 'recap-empty' }, 'Non renseigné');
  switch (field.type) {
  case 'choice': {
    const o = (field.options || []).find((p) => p.value === value);
    return o ? o.label : none;
  }
  case 'multichoice': {
    const labels = (field.options || []).filter((o) => Array.isArray(value) && value.includes(o.value)).map((o) => o.label);
    return labels.length ? labels.join(', ') : none;
  }
  case 'yesno':
    return value === true ? 'Oui' : (value === false ? 'Non' : none);
  case 'checkbox':
    return value === true ? 'Oui' : 'Non';
  case 'address':
    return value && value.label ? value.label : none;
  case 'place':
    return value ? placeName(field, value) : none;
  case 'date':
    return value ? frenchDate(value) : none;
  case 'file': {
    const files = filesOf(fileKey);
    return files.length ? files.map((f) => `${f.name} (${sizeText(f.size)})`).join(', ') : none;
  }
  default:
    return value === undefined || value === null || String(value).trim() === '' ? none : String(value).trim();
  }
}

/* The name of a chosen place, from the list the renderer loaded (or the API). */
function placeName(field, id) {
  const span = h('span', {}, id);
  const fill = (f) => {
    if (f && f.properties)
      span.textContent = [f.properties.name, f.properties.commune].filter(Boolean).join(' — ');
  };
  if (field.category) {
    app.renderer.places(field.category).then((list) => fill(list.find((f) => String(f.id) === id)));
  } else {
    fetch(`/api/places/${encodeURIComponent(id)}`, { headers: { Accept: 'application/geo+json' } })
      .then((r) => (r.ok ? r.json() : null)).then(fill).catch(() => {});
  }
  return span;
}

function recapPage(page, index) {
  const list = h('dl', { class: 'recap-list' });
  let repeatList = null;
  walk(page.fields || [], app.state.values, (field, at) => {
    if (field.type === 'repeat') {
      list.append(h('dt', { class: 'recap-repeat' }, field.label),
                  h('dd', {}, `${(at.value || []).length} bloc${(at.value || []).length > 1 ? 's' : ''}`));
      return;
    }
    if (!isInput(field))
      return;
    const target = at.repeat ? (repeatList = repeatList || list) : list;
    const label = at.repeat ? `${field.label} (${at.repeat.item_label || at.repeat.label} ${at.index + 1})` : field.label;
    target.append(h('dt', {}, label), h('dd', {}, displayValue(field, at.value, at.fileKey)));
  }, allFields(app.def));
  const edit = h('button', { type: 'button', class: 'button-secondary recap-edit' },
    `Modifier « ${page.title} »`);
  edit.addEventListener('click', () => move(index));
  return h('section', { class: 'recap-section', 'aria-labelledby': `recap-${index}` },
    h('h3', { id: `recap-${index}` }, `Étape ${index + 1} : ${page.title}`), list, edit);
}

function renderRecap(focus) {
  const index = app.def.pages.length;
  const title = 'Vérifiez votre demande';
  const send = h('button', { type: 'submit', class: 'button-primary', id: 'send' }, 'Envoyer la demande');
  const form = h('form', { class: 'form-step', novalidate: true, 'aria-labelledby': 'step-title' },
    h('p', {}, 'Relisez vos réponses. Vous pouvez modifier chaque étape avant d’envoyer la demande.'),
    ...app.def.pages.map(recapPage),
    h('div', { class: 'hp', 'aria-hidden': 'true' },
      h('label', { for: 'website' }, 'Ne pas remplir ce champ'),
      h('input', { id: 'website', name: 'website', type: 'text', tabindex: '-1', autocomplete: 'off' })),
    h('p', { id: 'send-status', class: 'status', role: 'status', 'aria-live': 'polite' }),
    h('div', { class: 'form-nav' },
      h('button', { type: 'button', class: 'button-secondary', id: 'step-prev' }, 'Étape précédente'), send));
  root.replaceChildren(...stepShell(index, title), form);
  setTitle(`Étape ${index + 1} sur ${stepCount()} : ${title}`, false);
  document.getElementById('step-prev').addEventListener('click', () => move(index - 1));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    send_();
  });
  if (app.serverErrors.length)
    showSummary(app.serverErrors);
  else if (focus)
    document.getElementById('step-title').focus();
}

/* --- sending, the receipt ------------------------------------------------------------------- */

async function send_() {
  if (app.sending)
    return;
  const status = document.getElementById('send-status');
  const button = document.getElementById('send');
  /* Every step again: a value may have been changed by a condition since. */
  const all = checkFields(allFields(app.def), app.state.values, filesOf, new Date());
  if (all.length) {
    app.serverErrors = all.map((e) => ({ path: e.path, message: e.message }));
    setTitle(`Étape ${stepCount()} sur ${stepCount()} : Vérifiez votre demande`, true);
    showSummary(app.serverErrors);
    return;
  }
  const values = submissionValues(app.def, app.state.values);
  const files = submissionFiles(app.def, app.state.values, filesOf);
  if (!navigator.onLine) {
    await queueOffline(values, files);
    return;
  }
  app.sending = true;
  button.disabled = true;
  status.textContent = 'Envoi de la demande en cours…';
  let answer;
  try {
    answer = await submitForm(app.def.id, values, files);
  } catch (e) {
    answer = { status: 0, unreachable: e instanceof ApiError && e.unreachable,
               body: { error: e instanceof ApiError ? e.message : 'L’envoi a échoué.' } };
  }
  app.sending = false;
  button.disabled = false;
  status.textContent = '';
  if (answer.unreachable)
    await queueOffline(values, files);
  else
    handleAnswer(answer);
}

/* The server's answer to a submission: the receipt, the field errors on the recap, or why not. */
function handleAnswer(answer) {
  if (answer.status === 201 || answer.status === 200) {
    const receipt = { code: answer.body.code, token: answer.body.token, at: new Date().toISOString(),
                      title: app.def.title };
    app.filed = true;
    window.clearTimeout(app.saveTimer);
    saveReceipt(app.def.id, receipt);
    clearDraft(app.def.id);
    renderReceipt(receipt);
    return;
  }
  if (!document.getElementById('send')) {
    app.state.step = app.def.pages.length;
    renderRecap(false);
  }
  if (answer.status === 400 && Array.isArray(answer.body.errors) && answer.body.errors.length) {
    app.serverErrors = answer.body.errors.map((e) => ({ path: String(e.field || ''), message: String(e.message || '') }));
    setTitle(`Étape ${stepCount()} sur ${stepCount()} : Vérifiez votre demande`, true);
    showSummary(app.serverErrors, answer.body.error || undefined);
    return;
  }
  showSummary([{ path: '', message: failureText(answer.status, answer.body) }],
              'La demande n’a pas pu être envoyée');
}

/* --- sending when the network returns (docs/forms.md §1.6) ---------------------------------- */

/* No network: the request waits on this device, and the page says so. */
async function queueOffline(values, files) {
  persist();
  if (!(await queueSubmission(app.def, values, files, app.state.values))) {
    showSummary([{ path: '', message: 'Vous êtes hors connexion et votre demande n’a pas pu être gardée sur cet appareil '
      + '(fichiers joints trop volumineux ou stockage plein). Envoyez-la quand la connexion sera revenue.' }],
    'La demande n’a pas pu être envoyée');
    return;
  }
  renderPending(loadQueued(app.def.id), true);
}

function renderPending(entry, focus) {
  const now = h('button', { type: 'button', class: 'button-primary', id: 'send-now' }, 'Envoyer maintenant');
  now.addEventListener('click', () => flushQueued(true));
  const edit = h('button', { type: 'button', class: 'button-secondary', id: 'edit-queued' }, 'Modifier ma demande');
  edit.addEventListener('click', () => {
    if (app.sending)
      return;
    clearQueued(app.def.id);
    app.state.step = app.def.pages.length;
    renderRecap(true);
  });
  root.replaceChildren(
    h('h1', { id: 'pending-title', tabindex: '-1' }, `Demande en attente d’envoi : ${entry.title || app.def.title}`),
    h('p', { class: 'form-warning', id: 'pending-note' },
      `Vous êtes hors connexion. Votre demande est enregistrée sur cet appareil depuis le ${frenchDateTime(entry.queued_at)}. `
      + 'Elle sera envoyée automatiquement dès le retour du réseau, si cette page est ouverte ou quand vous la rouvrirez. '
      + 'Le service vérifiera alors vos réponses et vous donnera votre code de suivi.'),
    entry.sending ? h('p', { class: 'form-warning', id: 'pending-unknown' },
      `Un envoi commencé le ${frenchDateTime(entry.sending)} est resté sans réponse : la demande est peut-être `
      + 'déjà arrivée. Elle ne sera pas renvoyée d’elle-même. Si vous avez reçu un code de suivi ou l’e-mail d’accusé de '
      + 'réception, ne l’envoyez pas une seconde fois ; sinon, choisissez « Envoyer maintenant ».') : null,
    h('p', { id: 'send-status', class: 'status', role: 'status', 'aria-live': 'polite' }),
    h('p', { class: 'form-nav no-print' }, now, edit));
  document.title = `Demande en attente d’envoi — ${app.def.title} — ${shortName(app.territory)}`;
  if (focus) {
    document.getElementById('pending-title').focus();
    announce('Vous êtes hors connexion : votre demande sera envoyée au retour du réseau.');
  }
}

function pendingStatus(text) {
  const status = document.getElementById('send-status');
  if (status)
    status.textContent = text;
}

/* Sends the queued request once (one tab at a time); the queue is emptied only when the server
 * answered (201, or a refusal that sending again would not change). A sending whose outcome is
 * unknown (the page closed during the POST, or no answer in time) is not sent again by itself:
 * the page says the request may have arrived and waits for « Envoyer maintenant » (manual). */
async function flushQueued(manual = false) {
  const waiting = loadQueued(app.def.id);
  if (app.sending || !waiting || (waiting.sending && !manual))
    return;
  await withSendLock(app.def.id, async () => {
    const entry = loadQueued(app.def.id);
    if (!entry || app.sending)
      return;                                 /* sent meanwhile by another tab */
    app.sending = true;
    pendingStatus('Envoi de la demande en cours…');
    markSending(app.def.id, new Date().toISOString());
    let answer;
    try {
      answer = await submitForm(app.def.id, entry.values, queuedFiles(entry));
    } catch (e) {
      answer = { status: 0, unreachable: e instanceof ApiError && e.unreachable,
                 body: { error: e instanceof ApiError ? e.message : 'L’envoi a échoué.' } };
    }
    app.sending = false;
    if (answer.unreachable || [429, 502, 503, 504].includes(answer.status)) {
      markSending(app.def.id, null);          /* not received: sent again by itself */
      pendingStatus(answer.unreachable ? 'Toujours hors connexion : la demande sera envoyée au retour du réseau.'
        : `${failureText(answer.status, answer.body)} La demande sera envoyée plus tard.`);
      return;
    }
    if (answer.status === 0) {                /* no answer in time: it may have arrived */
      renderPending(loadQueued(app.def.id), true);
      return;
    }
    clearQueued(app.def.id);
    handleAnswer(answer);
  });
}

function followUrl(receipt) {
  return `${window.location.origin}/suivi.html#${receipt.code}/${receipt.token}`;
}

function renderReceipt(receipt) {
  const url = followUrl(receipt);
  const print = h('button', { type: 'button', class: 'button-secondary no-print', id: 'print' },
    'Imprimer cet accusé de réception');
  print.addEventListener('click', () => window.print());
  const again = h('button', { type: 'button', class: 'button-secondary no-print', id: 'again' },
    'Faire une nouvelle demande');
  again.addEventListener('click', () => {
    clearReceipt(app.def.id);
    app.filed = false;
    app.state = { step: 0, values: {}, files: {} };
    app.serverErrors = [];
    startRenderer();
    renderStep();
  });
  root.replaceChildren(
    h('h1', { id: 'receipt-title', tabindex: '-1' }, `Accusé de réception : ${receipt.title || app.def.title}`),
    h('p', { class: 'receipt-ok' }, `Votre demande a bien été enregistrée le ${frenchDateTime(receipt.at)}.`),
    app.def.receipt ? h('p', {}, app.def.receipt) : null,
    h('dl', { class: 'receipt-facts' },
      h('dt', {}, 'Code de suivi'), h('dd', {}, h('strong', { class: 'tracking-code', id: 'tracking-code' }, receipt.code)),
      h('dt', {}, 'Lien de suivi'), h('dd', {}, h('a', { href: url, id: 'follow-link', class: 'follow-link' }, url))),
    h('p', {}, 'Conservez ce code et ce lien : sans compte, ils vous permettent de suivre votre demande, ',
      'de répondre si des pièces vous sont demandées ou de la retirer. Ne les communiquez qu’à des personnes de confiance.'),
    h('p', { class: 'form-nav no-print' }, print, again));
  document.title = `Demande envoyée — ${app.def.title} — ${shortName(app.territory)}`;
  document.getElementById('receipt-title').focus();
  announce('Votre demande a été envoyée.');
}

/* --- start-up -------------------------------------------------------------------------------- */

function startRenderer() {
  app.renderer = new FormRenderer({
    state: app.state,
    topFields: allFields(app.def),
    announce,
    onChange: (fileError) => {
      if (fileError && fileError.path)
        showFieldError(root, fileError.path, fileError.message);
      scheduleSave();
    },
  });
}

/* ?lieu=<id>: the first place field that may hold it gets it (in the first repeat item if
 * the field is in a repeat block), when the draft has none. */
async function prefillPlace(id) {
  let place;
  try {
    const r = await fetch(`/api/places/${encodeURIComponent(id)}`, { headers: { Accept: 'application/geo+json' } });
    place = r.ok ? await r.json() : null;
  } catch {
    place = null;
  }
  if (!place || !place.properties)
    return;
  const fits = (f) => f.type === 'place' && (!f.category || f.category === place.properties.category ||
                                             f.category === place.properties.parent_category);
  for (const field of allFields(app.def)) {
    if (fits(field)) {
      if (!app.state.values[field.id])
        app.state.values[field.id] = String(place.id);
      return;
    }
    if (field.type === 'repeat' && (field.fields || []).some(fits)) {
      const items = app.state.values[field.id] || (app.state.values[field.id] = []);
      if (items.length === 0)
        items.push({ [UID]: newUid() });
      const sub = field.fields.find(fits);
      if (!items[0][sub.id])
        items[0][sub.id] = String(place.id);
      return;
    }
  }
}

async function main() {
  const id = params.get('id') || '';
  app.territory = await loadTerritory();
  if (!/^[a-z0-9-]{1,40}$/.test(id)) {
    showMissing('Aucune démarche n’a été choisie.');
    return;
  }
  try {
    app.def = await fetchForm(id);
  } catch (e) {
    showMissing(e instanceof ApiError && e.status === 404 ? 'Cette démarche n’existe pas ou n’est plus proposée.'
      : (e.message || 'La démarche n’a pas pu être chargée.'));
    return;
  }
  app.def.pages = Array.isArray(app.def.pages) ? app.def.pages : [];
  const receipt = loadReceipt(app.def.id);
  const draft = loadDraft(app.def);
  if (draft) {
    app.state = { step: Math.min(draft.step, app.def.pages.length), values: draft.values, files: draft.files };
    app.lost = draft.lost;
  }
  const queued = loadQueued(app.def.id);
  if (queued && !draft && queued.draft_values)
    app.state = { step: app.def.pages.length, values: queued.draft_values, files: {} };
  ensureUids(allFields(app.def), app.state.values, newUid);
  startRenderer();
  window.addEventListener('online', () => flushQueued());
  /* The browser may say it is online while the server cannot be reached (a weak signal):
   * a waiting request is tried again every RETRY_MS meanwhile. */
  window.setInterval(() => {
    if (navigator.onLine && document.visibilityState === 'visible' && loadQueued(app.def.id))
      flushQueued();
  }, RETRY_MS);
  if (queued) {
    renderPending(queued, false);
    if (navigator.onLine)
      flushQueued();
  } else if (receipt && !draft) {
    renderReceipt(receipt);
  } else {
    if (params.get('lieu'))
      await prefillPlace(params.get('lieu'));
    renderStep({ focus: false });
  }
  app.filed = Boolean(receipt && !draft);
  window.addEventListener('pagehide', persist);
  document.body.dataset.ready = 'true';
}

function showMissing(message) {
  root.replaceChildren(h('h1', {}, 'Démarche introuvable'), h('p', {}, message),
    h('p', {}, h('a', { href: 'demarches.html' }, 'Voir la liste des démarches en ligne')));
  document.title = `Démarche introuvable — ${shortName(app.territory)}`;
  document.body.dataset.ready = 'true';
}

main();
