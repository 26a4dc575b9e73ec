/*
 * bo-api.js — what the back office's queue and request pages share (queue.js, request.js):
 * the session (GET /api/bo/me; without one, the login page index.html), JSON calls with the
 * session's X-CSRF-Token on every POST, the polite announcer, French dates, the logout
 * button of the header (and its « Agents » entry for an administrator), and the error
 * summary of a form. Same-origin only; nothing is stored in the browser.
 */
import { h } from '../dom.js';
import { markCurrentLink } from '../site.js';

export const $ = (id) => document.getElementById(id);
let me = null;

/* A JSON call: { status, body }; POST bodies as JSON (a FormData as multipart) with the
 * session's CSRF token. */
export async function call(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.body = body instanceof FormData ? body : JSON.stringify(body);
    if (!(body instanceof FormData))
      init.headers['Content-Type'] = 'application/json';
    init.headers['X-CSRF-Token'] = me ? me.csrf : '';
  }
  const r = await fetch(path, init);
  let data = null;
  try { data = await r.json(); } catch { data = null; }
  if (r.status === 401)
    window.location.assign('index.html');
  return { status: r.status, body: data || {} };
}

/* The agent of the session, or the login page; an administrator's header gets « Agents ». */
export async function session() {
  const r = await call('GET', '/api/bo/me');
  if (r.status !== 200)
    return null;
  me = r.body;
  const who = $('whoami');
  if (who)
    who.textContent = `${me.name} (${me.login})`;
  const nav = document.querySelector('.site-nav ul');
  if (nav && me.role === 'admin' && !$('nav-agents'))
    nav.firstElementChild.after(h('li', {}, h('a', { href: 'agents.html', id: 'nav-agents' }, 'Agents')));
  markCurrentLink();
  const out = $('logout');
  if (out)
    out.addEventListener('click', async () => {
      await call('POST', '/api/bo/logout', {}).catch(() => null);
      window.location.assign('index.html');
    });
  return me;
}

export function announce(text) {
  $('announce').textContent = '';
  window.setTimeout(() => { $('announce').textContent = text; }, 50);
}

/* "12/03/2026" or "12/03/2026 à 10:42" (Europe/Paris) from an ISO date-time. */
export function frDate(iso, withTime = false) {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime()))
    return '';
  const date = d.toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' });
  if (!withTime)
    return date;
  return `${date} à ${d.toLocaleTimeString('fr-FR', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' })}`;
}

/* The text of a failed answer. */
export function failure(r) {
  if (r.body && r.body.description && r.status < 500)
    return r.body.description;
  return 'Le service est momentanément indisponible. Réessayez plus tard.';
}

/* A form field: its label, help, error line and control (given the id key). */
export function field(key, label, control, help) {
  control.id = key;
  const described = [help ? `${key}-help` : '', `${key}-error`].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  return h('div', { class: 'form-field', id: `${key}-field` }, h('label', { for: key }, label),
    help ? h('p', { class: 'help', id: `${key}-help` }, help) : null,
    h('p', { class: 'field-error', id: `${key}-error`, hidden: true }), control);
}

/* Shows errors [[field id or '', text]] in the form's summary, which takes the focus. */
export function showErrors(form, errors) {
  for (const el of form.querySelectorAll('.field-error')) el.hidden = true;
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const box = form.querySelector('.error-summary');
  if (!errors.length) { box.hidden = true; return; }
  box.querySelector('ul').replaceChildren(...errors.map(([key, text]) => h('li', {},
    key ? h('a', { href: `#${key}` }, text) : text)));
  for (const [key, text] of errors) {
    if (!key) continue;
    const err = $(`${key}-error`);
    if (err) { err.textContent = text; err.hidden = false; }
    const input = $(key);
    if (input) input.setAttribute('aria-invalid', 'true');
  }
  box.hidden = false;
  box.focus();
}

export function summaryBox(key) {
  return h('div', { class: 'error-summary', tabindex: '-1', role: 'group', 'aria-labelledby': `${key}-summary`, hidden: true },
    h('h3', { id: `${key}-summary` }, 'Corrigez le formulaire'), h('ul', {}));
}
