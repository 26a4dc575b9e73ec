/*
 * agents.js — the agents' page of the back office (agents.html, docs/backoffice.md §1), for
 * the CC's administrators: GET /api/bo/agents as a table with a « Désactiver » / « Réactiver »
 * button per agent, the creation form (role, communes of /api/communes, forms of /api/forms,
 * initial password typed twice) and the new password form, both POST /api/bo/agents. Errors
 * (checked here first, then the server's 400 naming its field) go to the form's summary,
 * which takes the focus. Another agent gets the notice: the server answers them 403.
 */
import { h } from '../dom.js';
import { $, announce, call, failure, session, showErrors } from './bo-api.js';

const ROLES = { admin: 'Administrateur', commune: 'Agent communal', service: 'Agent de service' };
/* The server's parameter -> the field of the creation form. */
const FIELDS = {
  login: 'new-login', name: 'new-name', email: 'new-email', role: 'new-role',
  password: 'new-password', commune: 'new-communes', communes: 'new-communes',
  form: 'new-forms', forms: 'new-forms',
};
const communeNames = new Map();
const formTitles = new Map();
let me = null;

/* The French half of the server's bilingual messages (« … / English »). */
const french = (text) => text.split(' / ')[0];

function scopeText(a) {
  const parts = [];
  if (a.communes.length)
    parts.push(`Communes : ${a.communes.map((c) => communeNames.get(c) || c).join(', ')}`);
  if (a.forms.length)
    parts.push(`Démarches : ${a.forms.map((f) => formTitles.get(f) || f).join(', ')}`);
  return a.role === 'admin' ? 'Toutes les demandes' : parts.join(' ; ');
}

function toggleButton(a) {
  if (a.login === me.login) return '—';   /* the server refuses to disable oneself */
  const b = h('button', { type: 'button', class: 'button-secondary' }, a.disabled ? 'Réactiver' : 'Désactiver',
    h('span', { class: 'visually-hidden' }, ` le compte ${a.login}`));
  b.addEventListener('click', async () => {
    b.disabled = true;
    const r = await call('POST', '/api/bo/agents', { action: a.disabled ? 'enable' : 'disable', login: a.login });
    if (r.status === 200) {
      await loadAgents();
      announce(`Compte ${a.login} ${r.body.disabled ? 'désactivé' : 'réactivé'}.`);
      $('list-title').focus();
    } else {
      b.disabled = false;
      $('list-status').textContent = french(failure(r));
    }
  });
  return b;
}

function row(a) {
  return h('tr', {},
    h('th', { scope: 'row' }, a.login), h('td', {}, a.name), h('td', {}, a.email),
    h('td', {}, ROLES[a.role] || a.role), h('td', {}, scopeText(a)),
    h('td', {}, a.totp ? 'Oui' : 'Non'), h('td', {}, a.disabled ? 'Désactivé' : 'Actif'),
    h('td', {}, toggleButton(a)));
}

async function loadAgents() {
  const r = await call('GET', '/api/bo/agents');
  if (r.status !== 200) {
    $('list-status').textContent = french(failure(r));
    return r.status;
  }
  const agents = r.body.agents;
  $('agents').querySelector('tbody').replaceChildren(...agents.map(row));
  $('agents-caption').textContent = `${agents.length} agent${agents.length > 1 ? 's' : ''}`;
  $('list-status').textContent = '';
  const keep = $('reset-login').value;
  $('reset-login').replaceChildren(...agents.map((a) => h('option', { value: a.login }, `${a.name} (${a.login})`)));
  if (keep) $('reset-login').value = keep;
  return 200;
}

/* Checkboxes named name for items [[value, text]] into the list el. */
function checkboxes(el, name, items) {
  el.replaceChildren(...items.map(([value, text], i) => h('div', { class: 'choice' },
    h('input', { type: 'checkbox', id: `${name}-${i}`, name, value }),
    h('label', { for: `${name}-${i}` }, text))));
}

async function loadChoices() {
  const [c, f] = await Promise.all([
    fetch('/api/communes').then((x) => x.json()).catch(() => ({ communes: [] })),
    fetch('/api/forms').then((x) => x.json()).catch(() => ({ forms: [] })),
  ]);
  const communes = (c.communes || []).map((x) => [x.insee, x.name]).sort((a, b) => a[1].localeCompare(b[1], 'fr'));
  for (const [insee, name] of communes) communeNames.set(insee, name);
  for (const x of f.forms || []) formTitles.set(x.id, x.title);
  checkboxes($('new-communes-list'), 'communes', communes.map(([insee, name]) => [insee, `${name} (${insee})`]));
  checkboxes($('new-forms-list'), 'forms', [...formTitles.entries()]);
}

const checked = (form, name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((x) => x.value);

/* The creation form's own checks: [[field id, text]]. */
function createErrors(form, body) {
  const errors = [];
  if (!body.login) errors.push(['new-login', 'Saisissez l’identifiant.']);
  if (!body.name) errors.push(['new-name', 'Saisissez le nom de l’agent.']);
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(body.email)) errors.push(['new-email', 'Saisissez une adresse électronique valide, par exemple nom@mairie.fr.']);
  if (body.role === 'commune' && !body.communes.length) errors.push(['new-communes', 'Cochez au moins une commune pour un agent communal.']);
  if (body.role === 'service' && !body.forms.length) errors.push(['new-forms', 'Cochez au moins une démarche pour un agent de service.']);
  if ([...body.password].length < 12) errors.push(['new-password', 'Le mot de passe doit compter au moins 12 caractères.']);
  else if (body.password !== $('new-password2').value) errors.push(['new-password2', 'Les deux mots de passe ne sont pas identiques.']);
  return errors;
}

async function create(e) {
  e.preventDefault();
  const form = e.target;
  const body = {
    action: 'create', login: $('new-login').value.trim(), name: $('new-name').value.trim(),
    email: $('new-email').value.trim(), role: $('new-role').value, communes: checked(form, 'communes'),
    forms: checked(form, 'forms'), password: $('new-password').value,
  };
  const errors = createErrors(form, body);
  if (errors.length) { showErrors(form, errors); return; }
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  const r = await call('POST', '/api/bo/agents', body);
  button.disabled = false;
  if (r.status === 201) {
    showErrors(form, []);
    form.reset();
    await loadAgents();
    announce(`Agent ${r.body.login} créé.`);
    $('list-title').focus();
  } else {
    showErrors(form, [[FIELDS[r.body.parameter] || '', french(failure(r))]]);
  }
}

async function reset(e) {
  e.preventDefault();
  const form = e.target;
  const login = $('reset-login').value;
  const password = $('reset-password').value;
  const errors = [];
  if (!login) errors.push(['reset-login', 'Choisissez l’agent.']);
  if ([...password].length < 12) errors.push(['reset-password', 'Le mot de passe doit compter au moins 12 caractères.']);
  else if (password !== $('reset-password2').value) errors.push(['reset-password2', 'Les deux mots de passe ne sont pas identiques.']);
  if (errors.length) { showErrors(form, errors); return; }
  const r = await call('POST', '/api/bo/agents', { action: 'reset', login, password });
  if (r.status === 200) {
    showErrors(form, []);
    $('reset-password').value = '';
    $('reset-password2').value = '';
    announce(`Nouveau mot de passe enregistré pour ${login}.`);
    $('reset-title').focus();
  } else {
    showErrors(form, [[r.body.parameter === 'password' ? 'reset-password' : 'reset-login', french(failure(r))]]);
  }
}

async function start() {
  me = await session();
  if (!me) return;
  $('loading').hidden = true;
  if (me.role !== 'admin') {
    $('nav-agents')?.parentElement.remove();
    $('forbidden').hidden = false;
    return;
  }
  await loadChoices();
  if (await loadAgents() !== 200) return;
  $('admin-view').hidden = false;
  $('create-form').addEventListener('submit', create);
  $('reset-form').addEventListener('submit', reset);
}

start();
