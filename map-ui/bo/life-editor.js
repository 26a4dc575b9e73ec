/*
 * life-editor.js — the editor of one event, news item or alert in the back office's « Vie
 * locale » page (vie-locale.html, life.js; docs/vie-locale.md §1 and §7): title, text (the safe
 * subset explained), communes within the agent's scope (« Tout le territoire » for an
 * administrator), and by kind: the dates (all-day or with times), the recurrence builder
 * (rrule-builder.js), the place (a place of the directory in those communes, or an address), the
 * organiser (an association of the directory suggested), category, price or free,
 * accessibility, link, contact, image (JPEG, PNG or WebP of at most 2 Mio, checked by its first
 * bytes here and on the server); for an alert its severity and validity. Actions: save the
 * draft, publish now, schedule (a date and time), unpublish, each confirmed in a French panel
 * that takes the focus; the server's 400 naming its parameter is shown on that field in the
 * error summary. The body sent is built in one place (bodyOf) from the API's names.
 */
import { h } from '../dom.js';
import { CATEGORIES } from '../life.js';
import { $, call, failure, field, frDate, showErrors, summaryBox } from './bo-api.js';
import { DAYS, NTHS, buildRrule, describeSpec, emptySpec, parseRrule } from './rrule-builder.js';

export const KINDS = { event: 'Événement', news: 'Actualité', alert: 'Alerte' };
const SEVERITY_OPTIONS = [['info', 'Information'], ['warning', 'Vigilance'], ['critical', 'Alerte importante']];
const IMAGE_MAX = 2 * 1024 * 1024;

/** "12/12/2026" or "12/12/2026 à 08:00" of a local time "YYYY-MM-DD[THH:MM]" (no time zone:
 *  it is Paris time already, whatever the browser's zone). */
export function localDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}:\d{2}))?/.exec(s || '');
  return m ? `${m[3]}/${m[2]}/${m[1]}${m[4] ? ` à ${m[4]}` : ''}` : '';
}

/** The state of an item in words: « Brouillon », « Programmé pour le … », « Publié », « Dépublié ». */
export function stateText(item) {
  if (item.status === 'draft')
    return 'Brouillon';
  if (item.status === 'unpublished')
    return 'Dépublié';
  if (item.status === 'published' && item.publish_at && Date.parse(item.publish_at) > Date.now())
    return `Programmé pour le ${frDate(item.publish_at, true)}`;
  return item.status === 'published' ? 'Publié' : String(item.status || '');
}

const input = (name, attrs = {}) => h('input', { type: 'text', name, ...attrs });

function choice(type, name, value, label, id) {
  return h('div', { class: 'choice' }, h('input', { type, name, value, id }), h('label', { for: id }, label));
}

/* The recurrence builder's controls; returns { box, spec(), set(spec) }. */
function recurrenceBox() {
  const freq = h('select', { name: 'freq' },
    ...[['', 'Ne se répète pas'], ['DAILY', 'Chaque jour'], ['WEEKLY', 'Chaque semaine'],
        ['MONTHLY-NTH', 'Chaque mois, un jour de semaine (le premier mardi…)'],
        ['MONTHLY-DAY', 'Chaque mois, à date fixe (le 15…)'], ['YEARLY', 'Chaque année'],
        ['custom', 'Règle avancée (RRULE)']].map(([v, l]) => h('option', { value: v }, l)));
  const interval = input('interval', { type: 'number', min: 1, max: 366, value: 1, inputmode: 'numeric' });
  const days = h('fieldset', { class: 'rrule-days-set' }, h('legend', {}, 'Les jours'),
    h('div', { class: 'rrule-days' }, ...DAYS.map(([c, n]) => choice('checkbox', 'byday', c, n, `life-day-${c}`))));
  const nth = h('select', { name: 'nth' }, ...NTHS.map(([v, l]) => h('option', { value: v }, l)));
  const nthDay = h('select', { name: 'nthDay' }, ...DAYS.map(([c, n]) => h('option', { value: c }, n)));
  const monthDay = input('monthDay', { type: 'number', min: 1, max: 31, value: 1, inputmode: 'numeric' });
  const raw = input('raw', { maxlength: 256, spellcheck: 'false' });
  const ends = h('fieldset', {}, h('legend', {}, 'Fin de la répétition'),
    choice('radio', 'end', 'never', 'Sans fin', 'life-end-never'),
    choice('radio', 'end', 'until', 'Jusqu’à une date', 'life-end-until'),
    choice('radio', 'end', 'count', 'Un nombre de fois', 'life-end-count'));
  const until = input('until', { type: 'date' });
  const count = input('count', { type: 'number', min: 1, max: 1000, value: 10, inputmode: 'numeric' });
  const preview = h('p', { class: 'rrule-preview', id: 'life-rrule-preview', 'aria-live': 'polite' });
  const parts = {
    interval: field('life-interval', 'Intervalle (toutes les … semaines, mois…)', interval),
    days, nth: field('life-nth', 'Lequel', nth), nthDay: field('life-nthday', 'Jour de la semaine', nthDay),
    monthDay: field('life-monthday', 'Jour du mois', monthDay),
    raw: field('life-rrule', 'Règle RRULE', raw, 'Sous-ensemble de la RFC 5545, par exemple FREQ=WEEKLY;BYDAY=SA.'),
    ends, until: field('life-until', 'Dernière fois le', until), count: field('life-count', 'Nombre de fois', count),
  };
  const spec = () => ({
    ...emptySpec(), freq: freq.value, interval: interval.value, nth: nth.value, nthDay: nthDay.value,
    monthDay: monthDay.value, raw: raw.value.trim(), until: until.value, count: count.value,
    days: [...days.querySelectorAll('input:checked')].map((c) => c.value),
    end: (ends.querySelector('input:checked') || { value: 'never' }).value,
  });
  const sync = () => {
    const s = spec();
    const f = s.freq;
    parts.interval.hidden = !f || f === 'custom';
    days.hidden = f !== 'WEEKLY';
    parts.nth.hidden = parts.nthDay.hidden = f !== 'MONTHLY-NTH';
    parts.monthDay.hidden = f !== 'MONTHLY-DAY';
    parts.raw.hidden = f !== 'custom';
    ends.hidden = !f || f === 'custom';
    parts.until.hidden = ends.hidden || s.end !== 'until';
    parts.count.hidden = ends.hidden || s.end !== 'count';
    preview.textContent = `Récurrence\u00a0: ${describeSpec(s)}`;
  };
  const set = (s) => {
    freq.value = s.freq; interval.value = s.interval; nth.value = String(s.nth); nthDay.value = s.nthDay;
    monthDay.value = s.monthDay; raw.value = s.raw; until.value = s.until; count.value = s.count;
    for (const c of days.querySelectorAll('input')) c.checked = s.days.includes(c.value);
    for (const r of ends.querySelectorAll('input')) r.checked = r.value === s.end;
    sync();
  };
  const box = h('fieldset', { class: 'form-set', id: 'life-recurrence' }, h('legend', {}, 'Répétition'),
    field('life-freq', 'Se répète', freq), parts.interval, days, parts.nth, parts.nthDay, parts.monthDay,
    parts.raw, ends, parts.until, parts.count, preview);
  box.addEventListener('input', sync);
  box.addEventListener('change', sync);
  set(emptySpec());
  return { box, spec, set };
}

/* "YYYY-MM-DDTHH:MM" (or the date alone) of an API time "2026-12-12T08:00:00+01:00". */
const localOf = (iso) => (typeof iso === 'string' ? iso.slice(0, 16) : '');

/* The communes' checkboxes (the agent's scope; an administrator also « Tout le territoire »). */
function communesBox(me, communes) {
  const mine = me.role === 'admin' ? communes : communes.filter((c) => (me.communes || []).includes(c.insee));
  return h('fieldset', { class: 'form-set', id: 'life-communes', tabindex: '-1', 'aria-describedby': 'life-communes-error' },
    h('legend', {}, 'Communes concernées (obligatoire)'),
    h('p', { class: 'field-error', id: 'life-communes-error', hidden: true }),
    me.role === 'admin' ? choice('checkbox', 'territory', '1', 'Tout le territoire', 'life-territory') : null,
    ...mine.map((c) => choice('checkbox', 'commune', c.insee, c.name, `life-commune-${c.insee}`)));
}

/* The event's own fields: dates, recurrence, place, organiser, category, price… */
function eventFields(ctl) {
  const f = ctl.fields;
  f.all_day = h('input', { type: 'checkbox', name: 'all_day', id: 'life-all_day' });
  f.start_date = input('start_date', { type: 'date' });
  f.start_time = input('start_time', { type: 'time' });
  f.end_date = input('end_date', { type: 'date' });
  f.end_time = input('end_time', { type: 'time' });
  ctl.recurrence = recurrenceBox();
  f.place = h('select', { name: 'place' }, h('option', { value: '' }, 'Aucun (indiquer une adresse)'));
  f.address = input('address', { maxlength: 300, autocomplete: 'off' });
  f.organiser = input('organiser', { maxlength: 200, list: 'life-associations', autocomplete: 'off' });
  f.category = h('select', { name: 'category' }, ...CATEGORIES.map(([v, l]) => h('option', { value: v }, l)));
  f.free = h('input', { type: 'checkbox', name: 'free', id: 'life-free' });
  f.price = input('price', { maxlength: 200 });
  f.accessibility = input('accessibility', { maxlength: 500 });
  f.url = input('url', { type: 'url', maxlength: 500 });
  f.contact_email = input('contact_email', { type: 'email', maxlength: 200 });
  f.contact_phone = input('contact_phone', { type: 'tel', maxlength: 40 });
  f.image = h('input', { type: 'file', name: 'image', accept: 'image/jpeg,image/png,image/webp' });
  const times = [field('life-start_time', 'Heure de début', f.start_time), field('life-end_time', 'Heure de fin', f.end_time)];
  const sync = () => { for (const t of times) t.hidden = f.all_day.checked; };
  f.all_day.addEventListener('change', sync);
  ctl.syncTimes = sync;
  return h('div', { id: 'life-event-fields' },
    h('fieldset', { class: 'form-set' }, h('legend', {}, 'Date et heure'),
      h('div', { class: 'choice' }, f.all_day, h('label', { for: 'life-all_day' }, 'Toute la journée')),
      h('div', { class: 'inline-fields' }, field('life-start_date', 'Date de début (obligatoire)', f.start_date), times[0]),
      h('div', { class: 'inline-fields' }, field('life-end_date', 'Date de fin', f.end_date, 'Vide\u00a0: le même jour.'), times[1])),
    ctl.recurrence.box,
    h('fieldset', { class: 'form-set' }, h('legend', {}, 'Lieu'),
      field('life-place_id', 'Lieu de l’annuaire', f.place, 'Les lieux des communes cochées.'),
      field('life-address', 'Ou adresse', f.address, 'Par exemple « Place de la mairie, Vaubecourt »\u00a0: le serveur la situe.')),
    field('life-organiser', 'Organisateur', f.organiser, 'Les associations de l’annuaire sont suggérées.'),
    h('datalist', { id: 'life-associations' }),
    field('life-category', 'Catégorie', f.category),
    h('div', { class: 'choice' }, f.free, h('label', { for: 'life-free' }, 'Gratuit')),
    field('life-price', 'Tarif', f.price, 'Par exemple « 5 €, gratuit pour les moins de 12 ans ».'),
    field('life-accessibility', 'Accessibilité', f.accessibility, 'Par exemple « Accessible en fauteuil roulant, boucle magnétique ».'),
    field('life-url', 'Lien (site web)', f.url),
    field('life-contact-email', 'Adresse électronique de contact', f.contact_email),
    field('life-contact-phone', 'Téléphone de contact', f.contact_phone),
    field('life-image', 'Image', f.image, 'JPEG, PNG ou WebP, 2 Mio au plus\u00a0; envoyée à l’enregistrement.'));
}

/* The alert's and news item's validity, the alert's severity. */
function validityFields(ctl, kind) {
  const f = ctl.fields;
  f.severity = h('select', { name: 'severity' }, ...SEVERITY_OPTIONS.map(([v, l]) => h('option', { value: v }, l)));
  f.valid_from = input('valid_from', { type: 'datetime-local' });
  f.valid_until = input('valid_until', { type: 'datetime-local' });
  return h('fieldset', { class: 'form-set', id: 'life-validity' }, h('legend', {}, kind === 'alert' ? 'Gravité et validité' : 'Validité'),
    kind === 'alert' ? field('life-severity', 'Gravité', f.severity, 'Dite en toutes lettres dans le bandeau\u00a0: « Information », « Vigilance », « Alerte importante ».') : null,
    field('life-valid_from', 'Visible à partir du', f.valid_from, 'Vide\u00a0: dès la publication.'),
    field('life-valid_until', kind === 'alert' ? 'Jusqu’au (obligatoire)' : 'Jusqu’au', f.valid_until,
      kind === 'alert' ? 'Le bandeau disparaît à cette date et heure.' : 'Vide\u00a0: sans fin.'));
}

/* The places of the checked communes in the place picker, the associations as suggestions. */
async function loadPlaces(ctl, insees) {
  const f = ctl.fields;
  const keep = f.place.value || ctl.placeId || '';
  const all = [];
  for (const insee of insees.slice(0, 10)) {
    const r = await fetch(`/api/places?commune=${encodeURIComponent(insee)}&sort=name&limit=500`, { headers: { Accept: 'application/geo+json' } })
      .then((x) => (x.ok ? x.json() : { features: [] })).catch(() => ({ features: [] }));
    all.push(...(r.features || []).map((p) => ({ id: p.id, ...p.properties })));
  }
  f.place.replaceChildren(h('option', { value: '' }, 'Aucun (indiquer une adresse)'),
    ...all.map((p) => h('option', { value: p.id }, `${p.name}${p.commune ? ` (${p.commune})` : ''}`)));
  f.place.value = all.some((p) => p.id === keep) ? keep : '';
  ctl.associations = all.filter((p) => p.category === 'association');
  $('life-associations').replaceChildren(...ctl.associations.map((p) => h('option', { value: p.name })));
}

/** The body of POST /api/bo/life[/{id}] from the form (the API's member names). */
function bodyOf(ctl) {
  const f = ctl.fields;
  const communes = [...ctl.form.querySelectorAll('input[name="commune"]:checked')].map((c) => c.value);
  const territory = !!ctl.form.querySelector('input[name="territory"]:checked');
  const body = { kind: ctl.kind, title: f.title.value.trim(), text: f.text.value, communes, territory };
  if (ctl.kind === 'event') {
    const allDay = f.all_day.checked;   /* all day: start and end are dates alone */
    body.start = f.start_date.value ? (allDay ? f.start_date.value : `${f.start_date.value}T${f.start_time.value || '00:00'}`) : '';
    const endDate = f.end_date.value || (!allDay && f.end_time.value ? f.start_date.value : '');
    body.end = endDate ? (allDay ? endDate : `${endDate}T${f.end_time.value || '23:59'}`) : null;
    body.rrule = buildRrule(ctl.recurrence.spec()) || null;
    body.place_id = f.place.value || null;
    body.address = f.address.value.trim();
    const assoc = (ctl.associations || []).find((p) => p.name === f.organiser.value.trim());
    body.organiser = { name: f.organiser.value.trim(), place_id: assoc ? assoc.id : null };
    body.category = f.category.value;
    body.free = f.free.checked;
    body.price = f.price.value.trim();
    body.accessibility = f.accessibility.value.trim();
    body.url = f.url.value.trim();
    body.contact = { email: f.contact_email.value.trim(), phone: f.contact_phone.value.trim() };
  } else {
    if (ctl.kind === 'alert')
      body.severity = f.severity.value;
    body.valid_from = f.valid_from.value || null;
    body.valid_until = f.valid_until.value || null;
  }
  return body;
}

/* Fills the form from an item of GET /api/bo/life/{id}. */
function fill(ctl, item) {
  const f = ctl.fields;
  f.title.value = item.title || '';
  f.text.value = item.text_source || item.text || '';
  const ins = new Set((item.communes || []).map((c) => (typeof c === 'string' ? c : c.insee)));
  for (const c of ctl.form.querySelectorAll('input[name="commune"]')) c.checked = ins.has(c.value);
  const t = ctl.form.querySelector('input[name="territory"]');
  if (t) t.checked = !!item.territory;
  if (ctl.kind === 'event') {
    const start = localOf(item.start_local || item.start);   /* the back office's local times */
    const end = localOf(item.end_local || item.end);
    const allDay = typeof item.all_day === 'boolean' ? item.all_day : start.length === 10;
    f.all_day.checked = allDay;
    f.start_date.value = start.slice(0, 10);
    f.start_time.value = allDay ? '' : start.slice(11, 16);
    f.end_date.value = end.slice(0, 10);
    f.end_time.value = allDay ? '' : end.slice(11, 16);
    ctl.recurrence.set(parseRrule(item.rrule));
    ctl.placeId = item.place ? item.place.id : item.place_id || '';
    f.address.value = item.address || '';
    f.organiser.value = (item.organiser && item.organiser.name) || '';
    f.category.value = item.category || 'autre';
    f.free.checked = !!item.free;
    f.price.value = item.price || '';
    f.accessibility.value = item.accessibility || '';
    f.url.value = item.url || '';
    f.contact_email.value = (item.contact && item.contact.email) || '';
    f.contact_phone.value = (item.contact && item.contact.phone) || '';
    ctl.syncTimes();
  } else {
    if (ctl.kind === 'alert') f.severity.value = item.severity || 'info';
    f.valid_from.value = localOf(item.valid_from);
    f.valid_until.value = localOf(item.valid_until);
  }
}

/* The page's checks before anything is sent: [[field id, text]]. */
function check(ctl, body) {
  const errors = [];
  if (!body.title) errors.push(['life-title', 'Saisissez le titre.']);
  if (!body.communes.length && !body.territory) errors.push(['life-communes', 'Cochez au moins une commune.']);
  if (ctl.kind === 'event') {
    if (!body.start) errors.push(['life-start_date', 'Indiquez la date de début.']);
    if (body.end && body.start && body.end < body.start) errors.push(['life-end_date', 'La fin précède le début\u00a0: corrigez la date de fin.']);
    try { buildRrule(ctl.recurrence.spec()); } catch (e) { errors.push(['life-freq', e.message]); }
    const file = ctl.fields.image.files[0];
    if (file && file.size > IMAGE_MAX) errors.push(['life-image', 'L’image dépasse 2 Mio\u00a0: choisissez un fichier plus léger.']);
  }
  if (ctl.kind === 'alert' && !body.valid_until) errors.push(['life-valid_until', 'Indiquez jusqu’à quand l’alerte est valable.']);
  if (body.valid_until && body.valid_from && body.valid_until < body.valid_from)
    errors.push(['life-valid_until', 'La fin de validité précède son début.']);
  return errors;
}

/* The field id of an API parameter (its 400 names it). */
function fieldOfParam(p) {
  const map = { start: 'life-start_date', end: 'life-end_date', rrule: 'life-freq', communes: 'life-communes',
                territory: 'life-communes', 'contact.email': 'life-contact-email', 'contact.phone': 'life-contact-phone',
                'organiser.name': 'life-organiser', organiser: 'life-organiser', image: 'life-image', at: 'life-publish-at' };
  if (map[p]) return map[p];
  return p && $(`life-${p}`) ? `life-${p}` : '';
}

/* The first bytes of a JPEG, PNG or WebP file. */
async function isImage(file) {
  const b = new Uint8Array(await file.slice(0, 12).arrayBuffer());
  const jpeg = b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
  const png = b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
  const webp = String.fromCharCode(...b.slice(0, 4)) === 'RIFF' && String.fromCharCode(...b.slice(8, 12)) === 'WEBP';
  return jpeg || png || webp;
}

/* Saves the form (create or update) then sends the image: { ok, id } or the errors shown. */
async function save(ctl) {
  const body = bodyOf(ctl);
  const errors = check(ctl, body);
  if (errors.length) { showErrors(ctl.form, errors); return { ok: false }; }
  const file = ctl.kind === 'event' ? ctl.fields.image.files[0] : null;
  if (file && !(await isImage(file))) {
    showErrors(ctl.form, [['life-image', 'Ce fichier n’est pas une image JPEG, PNG ou WebP.']]);
    return { ok: false };
  }
  const r = await call('POST', ctl.id ? `/api/bo/life/${ctl.id}` : '/api/bo/life', body).catch(() => ({ status: 0, body: {} }));
  if (r.status !== 200 && r.status !== 201) {
    showErrors(ctl.form, [[fieldOfParam(r.body.parameter || ''), r.status ? failure(r) : 'Le serveur ne répond pas. Réessayez.']]);
    return { ok: false };
  }
  ctl.id = ctl.id || r.body.id;
  if (file) {
    const data = new FormData();
    data.append('image', file);
    const up = await call('POST', `/api/bo/life/${ctl.id}/image`, data).catch(() => ({ status: 0, body: {} }));
    if (up.status !== 200 && up.status !== 201) {
      showErrors(ctl.form, [['life-image', `L’élément est enregistré, mais pas l’image : ${up.status ? failure(up) : 'le serveur ne répond pas.'}`]]);
      return { ok: false, id: ctl.id };
    }
  }
  showErrors(ctl.form, []);
  return { ok: true, id: ctl.id };
}

/* The French confirmation panel of an action: resolves true (« Confirmer ») or false. */
function confirmPanel(ctl, title, text, yes) {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'button', class: 'button-primary', id: 'life-confirm-yes' }, yes);
    const no = h('button', { type: 'button', class: 'button-secondary', id: 'life-confirm-no' }, 'Annuler');
    const panel = h('div', { class: 'life-confirm', role: 'group', 'aria-labelledby': 'life-confirm-title', tabindex: '-1', id: 'life-confirm' },
      h('h2', { id: 'life-confirm-title' }, title), h('p', {}, text), h('p', { class: 'life-actions' }, ok, no));
    ctl.confirmBox.replaceChildren(panel);
    panel.focus();
    const done = (v) => { ctl.confirmBox.replaceChildren(); resolve(v); };
    ok.addEventListener('click', () => done(true));
    no.addEventListener('click', () => { done(false); ctl.lastButton?.focus(); });
  });
}

const WHAT = { event: 'L’événement', news: 'L’actualité', alert: 'L’alerte' };

/* One action (draft, publish, schedule, unpublish): confirm, save, then the state change. */
async function act(ctl, action) {
  const name = `«\u00a0${ctl.fields.title.value.trim() || 'sans titre'}\u00a0»`;
  const at = ctl.publishAt.value;
  if (action === 'schedule' && !at) {
    showErrors(ctl.form, [['life-publish-at', 'Indiquez la date et l’heure de publication.']]);
    return;
  }
  const asks = {
    draft: null,
    publish: ['Publier maintenant\u00a0?', `${WHAT[ctl.kind]} ${name} sera visible de tous dès maintenant, dans l’agenda, les fils et les pages des communes.`, 'Confirmer la publication'],
    schedule: ['Programmer la publication\u00a0?', `${WHAT[ctl.kind]} ${name} sera visible de tous à partir du ${localDate(at)}.`, 'Confirmer la programmation'],
    unpublish: ['Dépublier\u00a0?', `${WHAT[ctl.kind]} ${name} ne sera plus visible des habitants\u00a0; vous pourrez le publier de nouveau.`, 'Confirmer le retrait'],
  };
  if (action !== 'unpublish') {
    const errors = check(ctl, bodyOf(ctl));
    if (errors.length) { showErrors(ctl.form, errors); return; }
  }
  if (asks[action] && !(await confirmPanel(ctl, ...asks[action])))
    return;
  const saved = action === 'unpublish' ? { ok: true, id: ctl.id } : await save(ctl);
  if (!saved.ok)
    return;
  let r = { status: 200, body: {} };
  if (action === 'publish' || action === 'schedule')
    r = await call('POST', `/api/bo/life/${saved.id}/publish`, action === 'schedule' ? { at } : {}).catch(() => ({ status: 0, body: {} }));
  else if (action === 'unpublish')
    r = await call('POST', `/api/bo/life/${saved.id}/unpublish`, {}).catch(() => ({ status: 0, body: {} }));
  if (r.status !== 200) {
    showErrors(ctl.form, [[fieldOfParam(r.body.parameter || ''), r.status ? failure(r) : 'Le serveur ne répond pas. Réessayez.']]);
    return;
  }
  const said = { draft: 'Brouillon enregistré.', publish: 'Publié\u00a0: visible par les habitants.',
                 schedule: `Publication programmée pour le ${localDate(at)}.`, unpublish: 'Dépublié\u00a0: il n’est plus visible des habitants.' };
  await ctl.reload(saved.id, said[action]);
}

/**
 * The editor of an item (null: a new one of kind) for agent me (GET /api/bo/me) among the
 * member communes; reload(id, sentence) shows the saved item again with the sentence announced.
 */
export function buildEditor(me, communes, kind, item, reload) {
  const ctl = { kind, id: item ? item.id : null, fields: {}, reload };
  const f = ctl.fields;
  f.title = input('title', { maxlength: 200, required: true });
  f.text = h('textarea', { name: 'text', rows: 8, maxlength: 20000 });
  ctl.publishAt = input('publish_at', { type: 'datetime-local' });
  ctl.confirmBox = h('div', { id: 'life-confirm-box' });
  const status = item ? item.status : 'draft';
  const buttons = [
    ['draft', status === 'published' ? 'Enregistrer les modifications' : 'Enregistrer le brouillon', 'button-secondary'],
    status !== 'published' || (item && item.publish_at && Date.parse(item.publish_at) > Date.now()) ? ['publish', 'Publier maintenant', 'button-primary'] : null,
    ['schedule', 'Programmer la publication', 'button-secondary'],
    status === 'published' ? ['unpublish', 'Dépublier', 'button-secondary'] : null,
  ].filter(Boolean).map(([action, label, cls]) => {
    const b = h('button', { type: 'button', class: cls, 'data-action': action }, label);
    b.addEventListener('click', () => { ctl.lastButton = b; act(ctl, action); });
    return b;
  });
  ctl.form = h('form', { class: 'bo-action-form life-editor', novalidate: true }, summaryBox('life'),
    field('life-title', 'Titre (obligatoire)', f.title),
    field('life-text', kind === 'event' ? 'Description' : 'Texte', f.text,
      'Texte simple\u00a0: une ligne vide sépare deux paragraphes, une ligne commençant par « - » est un élément de liste, '
      + 'une adresse https://… devient un lien. Les balises p, br, a, ul, ol, li, strong, em sont acceptées\u00a0; '
      + 'tout le reste (scripts, styles, images, attributs) est retiré par le serveur.'),
    communesBox(me, communes),
    kind === 'event' ? eventFields(ctl) : validityFields(ctl, kind),
    field('life-publish-at', 'Date et heure de publication programmée', ctl.publishAt, 'Pour « Programmer la publication » seulement.'),
    h('p', { class: 'life-actions' }, ...buttons), ctl.confirmBox);
  ctl.form.addEventListener('submit', (e) => { e.preventDefault(); act(ctl, 'draft'); });
  if (item)
    fill(ctl, item);
  else if (me.role !== 'admin' && (me.communes || []).length === 1) {
    const only = ctl.form.querySelector('input[name="commune"]');
    if (only) only.checked = true;
  }
  if (kind === 'event') {
    ctl.syncTimes();
    const refresh = () => loadPlaces(ctl, [...ctl.form.querySelectorAll('input[name="commune"]:checked')].map((c) => c.value));
    ctl.form.addEventListener('change', (e) => { if (e.target.name === 'commune') refresh(); });
    refresh();
  }
  return ctl.form;
}
