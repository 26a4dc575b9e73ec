/*
 * suivi.js — following a request without an account (suivi.html, docs/forms.md §2): with the
 * tracking code and the secret link (suivi.html#CODE/TOKEN), the request's status, history and
 * messages; answering a request for documents (upload); withdrawing it while it is `deposee`.
 * Without a fragment, a form asks for the code and the link. The token is never put in the page
 * title, a status message or a query string.
 */
import { ApiError } from './api.js';
import { h } from './dom.js';
import { fetchForm, fetchRequest, failureText, sendComplement, withdrawRequest, attachmentUrl } from './forms-api.js';
import { sizeText, sniffFile } from './form-model.js';
import { announce, frenchDateTime, loadTerritory, shortName, statusLabel } from './site.js';

const root = document.getElementById('follow-app');
const CODE_RE = /^[A-Z]{8}$/;
const TOKEN_RE = /^[A-Za-z0-9_-]{22}$/;
const ACTORS = { resident: 'vous', agent: 'un agent', system: 'le service' };
let territory = null;

function fromHash(hash) {
  const m = /^#?([A-Za-z]{8})\/([A-Za-z0-9_-]{22})$/.exec(hash || '');
  return m ? { code: m[1].toUpperCase(), token: m[2] } : null;
}

function setTitle(text) {
  document.title = `${text} — ${shortName(territory)}`;
}

/* An error summary (role=alert is not used: the focus moves to it). */
function summary(id, title, items) {
  return h('div', { class: 'error-summary', id, tabindex: '-1', role: 'group', 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title` }, title),
    h('ul', {}, ...items.map(([href, text]) => h('li', {}, href ? h('a', { href }, text) : text))));
}

/* --- asking for the code and the link ------------------------------------------------------ */

function renderLookup(problem) {
  const code = h('input', { id: 'code', name: 'code', type: 'text', maxlength: 8, autocomplete: 'off',
                            spellcheck: 'false', 'aria-describedby': 'code-help', required: true,
                            autocapitalize: 'characters' });
  const link = h('input', { id: 'link', name: 'link', type: 'url', autocomplete: 'off', spellcheck: 'false',
                            'aria-describedby': 'link-help', required: true });
  const form = h('form', { class: 'form-step', novalidate: true, 'aria-labelledby': 'lookup-title' },
    h('h2', { id: 'lookup-title' }, 'Votre code et votre lien de suivi'),
    h('div', { class: 'form-field' },
      h('label', { for: 'code' }, 'Code de suivi', h('span', { class: 'required' }, ' (obligatoire)')),
      h('p', { class: 'help', id: 'code-help' }, '8 lettres, par exemple KQZTRBMA, donné sur l’accusé de réception.'),
      h('p', { class: 'field-error', id: 'code-error', hidden: true }), code),
    h('div', { class: 'form-field' },
      h('label', { for: 'link' }, 'Lien de suivi', h('span', { class: 'required' }, ' (obligatoire)')),
      h('p', { class: 'help', id: 'link-help' }, `Collez le lien reçu avec le code : il commence par ${window.location.origin}/suivi.html#.`),
      h('p', { class: 'field-error', id: 'link-error', hidden: true }), link),
    h('div', { class: 'form-nav' }, h('button', { type: 'submit', class: 'button-primary' }, 'Afficher ma demande')));
  const box = h('div', { id: 'lookup-errors' });
  root.replaceChildren(h('h1', {}, 'Suivre une demande'),
    problem ? h('p', { class: 'form-warning', role: 'alert' }, problem) : null, box, form);
  setTitle('Suivre une demande');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const c = code.value.trim().toUpperCase();
    const fromLink = fromHash(link.value.trim().split('#')[1] || '');
    const errors = [];
    if (!CODE_RE.test(c))
      errors.push(['code', 'Le code de suivi compte 8 lettres, par exemple KQZTRBMA.']);
    if (!fromLink)
      errors.push(['link', 'Collez le lien de suivi en entier, tel qu’il figure sur l’accusé de réception.']);
    else if (CODE_RE.test(c) && fromLink.code !== c)
      errors.push(['link', 'Ce lien ne correspond pas à ce code : vérifiez l’un et l’autre.']);
    for (const id of ['code', 'link']) {
      const p = document.getElementById(`${id}-error`);
      const err = errors.find((x) => x[0] === id);
      p.hidden = !err;
      p.textContent = err ? `Erreur : ${err[1]}` : '';
      const input = document.getElementById(id);
      input.setAttribute('aria-describedby', err ? `${id}-error ${id}-help` : `${id}-help`);
      if (err)
        input.setAttribute('aria-invalid', 'true');
      else
        input.removeAttribute('aria-invalid');
    }
    if (errors.length) {
      const s = summary('lookup-summary', errors.length > 1 ? `${errors.length} erreurs` : '1 erreur',
                        errors.map(([id, text]) => [`#${id}`, text]));
      box.replaceChildren(s);
      setTitle('Erreur : Suivre une demande');
      s.focus();
      return;
    }
    window.location.hash = `${c}/${fromLink.token}`;
  });
}

/* --- the request ------------------------------------------------------------------------- */

function historyList(request, def) {
  const items = (Array.isArray(request.history) ? request.history : []).map((e) => h('li', {},
    h('span', { class: 'history-date' }, frenchDateTime(e.at)), ' — ',
    h('strong', {}, statusLabel(e.status, def)),
    e.by && ACTORS[e.by] ? ` (par ${ACTORS[e.by]})` : '',
    e.message ? h('span', { class: 'history-message' }, ` : ${e.message}`) : ''));
  return items.length ? h('ol', { class: 'history' }, ...items) : h('p', {}, 'Aucun événement pour le moment.');
}

function messageList(request) {
  const items = (Array.isArray(request.messages) ? request.messages : []).map((m) => h('li', { class: 'message' },
    h('p', { class: 'message-meta' }, `${frenchDateTime(m.at)}${m.from ? ` — ${m.from}` : ''}`),
    h('p', { class: 'multiline' }, m.body || '')));
  return items.length ? h('ul', { class: 'messages' }, ...items) : h('p', {}, 'Aucun message.');
}

function attachmentList(request, ids) {
  const items = (Array.isArray(request.attachments) ? request.attachments : []).map((a) => h('li', {},
    h('a', { href: attachmentUrl(ids.code, ids.token, a.n), rel: 'noreferrer' }, a.name || `Document ${a.n}`),
    ` (${String(a.type || '').toUpperCase()}, ${sizeText(Number(a.size) || 0)})`));
  return items.length ? h('ul', {}, ...items) : h('p', {}, 'Aucun document.');
}

function complementForm(request, ids, def) {
  const files = [];
  const input = h('input', { type: 'file', id: 'complement-files', multiple: true,
                             accept: '.pdf,application/pdf,.jpg,.jpeg,image/jpeg,.png,image/png',
                             'aria-describedby': 'complement-help' });
  const list = h('ul', { class: 'file-list', 'aria-label': 'Documents à envoyer' });
  const message = h('textarea', { id: 'complement-message', rows: 4, maxlength: 4000 });
  const error = h('p', { class: 'field-error', id: 'complement-error', hidden: true });
  const draw = () => {
    list.replaceChildren(...files.map((f, i) => {
      const b = h('button', { type: 'button', class: 'button-link' }, `Retirer « ${f.name} »`);
      b.addEventListener('click', () => { files.splice(i, 1); draw(); input.focus(); });
      return h('li', {}, `${f.name} (${sizeText(f.size)}) `, b);
    }));
  };
  input.addEventListener('change', async () => {
    const refused = [];
    for (const f of Array.from(input.files || [])) {
      if (await sniffFile(f))
        files.push(f);
      else
        refused.push(f.name);
    }
    input.value = '';
    draw();
    error.hidden = refused.length === 0;
    error.textContent = refused.length ? `Erreur : ${refused.join(', ')} : le fichier doit être un PDF, une image JPEG ou PNG.` : '';
    announce(`${files.length} document${files.length > 1 ? 's' : ''} prêt${files.length > 1 ? 's' : ''} à envoyer.`);
  });
  const form = h('form', { class: 'form-step', novalidate: true, 'aria-labelledby': 'complement-title' },
    h('h2', { id: 'complement-title' }, 'Répondre à la demande de documents'),
    request.documents_requested ? h('p', { class: 'documents-requested' }, `Documents demandés : ${request.documents_requested}`) : null,
    h('div', { class: 'form-field' },
      h('label', { for: 'complement-files' }, 'Documents'),
      h('p', { class: 'help', id: 'complement-help' }, 'PDF, JPEG ou PNG. Vous pouvez en choisir plusieurs.'),
      error, input, list),
    h('div', { class: 'form-field' },
      h('label', { for: 'complement-message' }, 'Message (facultatif)'), message),
    h('div', { class: 'form-nav' }, h('button', { type: 'submit', class: 'button-primary', id: 'complement-send' }, 'Envoyer les documents')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (files.length === 0 && message.value.trim() === '') {
      error.hidden = false;
      error.textContent = 'Erreur : joignez au moins un document ou écrivez un message.';
      input.setAttribute('aria-describedby', 'complement-error complement-help');
      input.focus();
      return;
    }
    await act(() => sendComplement(ids.code, ids.token, message.value.trim(), files), ids, def,
              'Vos documents ont été envoyés.');
  });
  return form;
}

function withdrawBlock(ids, def) {
  const start = h('button', { type: 'button', class: 'button-secondary', id: 'withdraw' }, 'Retirer ma demande');
  const confirmBox = h('div', { class: 'confirm', hidden: true, id: 'withdraw-confirm', tabindex: '-1',
                                'aria-labelledby': 'withdraw-question', role: 'group' },
    h('p', { id: 'withdraw-question' }, 'Voulez-vous vraiment retirer cette demande ? Elle ne sera pas traitée et ne pourra pas être reprise.'));
  const yes = h('button', { type: 'button', class: 'button-primary', id: 'withdraw-yes' }, 'Oui, retirer ma demande');
  const no = h('button', { type: 'button', class: 'button-secondary', id: 'withdraw-no' }, 'Non, la garder');
  confirmBox.append(h('div', { class: 'form-nav' }, yes, no));
  start.addEventListener('click', () => { confirmBox.hidden = false; start.hidden = true; confirmBox.focus(); });
  no.addEventListener('click', () => { confirmBox.hidden = true; start.hidden = false; start.focus(); });
  yes.addEventListener('click', () => act(() => withdrawRequest(ids.code, ids.token), ids, def,
                                          'Votre demande a été retirée.'));
  return h('section', { class: 'withdraw', 'aria-labelledby': 'withdraw-title' },
    h('h2', { id: 'withdraw-title' }, 'Retirer la demande'),
    h('p', {}, 'Tant que la demande n’est pas en cours d’instruction, vous pouvez la retirer.'), start, confirmBox);
}

/* Runs a POST and shows the request again with the outcome. */
async function act(run, ids, def, done) {
  let answer;
  try {
    answer = await run();
  } catch (e) {
    answer = { status: 0, body: { error: e instanceof ApiError ? e.message : 'L’envoi a échoué.' } };
  }
  if (answer.status === 200 || answer.status === 201) {
    renderRequest(answer.body, ids, def, done);
    return;
  }
  const box = document.getElementById('action-errors');
  const s = summary('action-summary', 'L’opération n’a pas abouti', [[null, failureText(answer.status, answer.body)]]);
  box.replaceChildren(s);
  s.focus();
}

function renderRequest(request, ids, def, done) {
  const status = String(request.status || '');
  const form = request.form || {};
  const title = form.title || (def && def.title) || 'Demande';
  root.replaceChildren(...[
    h('h1', { id: 'request-title', tabindex: '-1' }, `Suivi de votre demande : ${title}`),
    done ? h('p', { class: 'receipt-ok' }, done) : null,
    h('div', { id: 'action-errors' }),
    h('dl', { class: 'receipt-facts' },
      h('dt', {}, 'Code de suivi'), h('dd', {}, h('strong', { class: 'tracking-code' }, request.code || ids.code)),
      h('dt', {}, 'Déposée le'), h('dd', {}, frenchDateTime(request.created_at)),
      h('dt', {}, 'État'), h('dd', {}, h('strong', { id: 'request-status', 'data-status': status }, statusLabel(status, def)))),
    request.can_complement || status === 'complement_demande' ? complementForm(request, ids, def) : null,
    h('section', { 'aria-labelledby': 'history-title' }, h('h2', { id: 'history-title' }, 'Historique'), historyList(request, def)),
    h('section', { 'aria-labelledby': 'messages-title' }, h('h2', { id: 'messages-title' }, 'Messages du service'), messageList(request)),
    h('section', { 'aria-labelledby': 'documents-title' }, h('h2', { id: 'documents-title' }, 'Vos documents'), attachmentList(request, ids)),
    request.can_withdraw || (request.can_withdraw === undefined && status === 'deposee') ? withdrawBlock(ids, def) : null,
  ].filter(Boolean));
  setTitle(`Suivi de votre demande : ${title}`);
  if (done) {
    announce(done);
    document.getElementById('request-title').focus();
  }
}

async function load() {
  const ids = fromHash(window.location.hash);
  if (!ids) {
    renderLookup(window.location.hash.length > 1 ? 'Ce lien de suivi est incomplet : saisissez votre code et collez le lien.' : '');
    document.body.dataset.ready = 'true';
    return;
  }
  root.replaceChildren(h('p', {}, 'Chargement de votre demande…'));
  let answer;
  try {
    answer = await fetchRequest(ids.code, ids.token);
  } catch (e) {
    answer = { status: 0, body: { error: e.message } };
  }
  if (answer.status !== 200) {
    renderLookup(answer.status === 404
      ? 'Aucune demande ne correspond à ce code et à ce lien : vérifiez-les.'
      : failureText(answer.status, answer.body));
    document.body.dataset.ready = 'true';
    return;
  }
  let def = null;
  if (answer.body.form && answer.body.form.id) {
    try {
      def = await fetchForm(answer.body.form.id);
    } catch {
      def = null;                        /* common status labels only */
    }
  }
  renderRequest(answer.body, ids, def, '');
  document.body.dataset.ready = 'true';
}

async function main() {
  territory = await loadTerritory();
  window.addEventListener('hashchange', () => {
    document.body.dataset.ready = 'false';
    load().then(() => {
      const t = document.getElementById('request-title');
      if (t)
        t.focus();
    });
  });
  await load();
}

main();
