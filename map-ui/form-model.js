/*
 * form-model.js — what the form page knows about a definition (docs/forms.md §1) without
 * touching the DOM: which fields are shown (show_if, live), the path of each field
 * ("enfants[1].date_naissance"), the browser's checks with French messages that suggest a
 * correction (RGAA 11.11), the values sent to the server (hidden fields dropped, as the server
 * does), and the type of an attached file from its first bytes.
 *
 * The server checks everything again against the same definition: these checks only spare the
 * resident a round trip. State shape: values[id] for top-level fields; a repeat block's value is
 * an array of item objects, each with its own values and a stable "@uid" (files are keyed by it,
 * so removing an item does not mix up the attachments of the others).
 */

export const UID = '@uid';

export const FILE_TYPES = {
  pdf: { label: 'PDF', accept: ['.pdf', 'application/pdf'] },
  jpeg: { label: 'JPEG', accept: ['.jpg', '.jpeg', 'image/jpeg'] },
  png: { label: 'PNG', accept: ['.png', 'image/png'] },
};

export const DEFAULT_MAX_SIZE = 5 * 1024 * 1024;

/* Fields that hold no value. */
export function isInput(field) {
  return field.type !== 'section' && field.type !== 'info';
}

export function allFields(def) {
  return (def.pages || []).flatMap((p) => p.fields || []);
}

/* French text folded for matching: lower case, no accents, single spaces. */
export function fold(text) {
  return String(text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ').trim();
}

export function newUid() {
  return Math.random().toString(36).slice(2, 10);
}

/* --- dates ------------------------------------------------------------------------------- */

function isoOf(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/* "2019-03-15", "today", "today-3y", "today+6m", "today-10d" → "YYYY-MM-DD" (or null). */
export function resolveDate(spec, now = new Date()) {
  if (typeof spec !== 'string')
    return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(spec))
    return spec;
  const m = /^today(?:([+-])(\d+)([ymd]))?$/.exec(spec);
  if (!m)
    return null;
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  if (m[1]) {
    const n = Number(m[2]) * (m[1] === '-' ? -1 : 1);
    if (m[3] === 'y')
      d.setFullYear(d.getFullYear() + n);
    else if (m[3] === 'm')
      d.setMonth(d.getMonth() + n);
    else
      d.setDate(d.getDate() + n);
  }
  return isoOf(d);
}

/* "2019-03-15" → "15/03/2019". */
export function frenchDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso || ''));
  return m ? `${m[3]}/${m[2]}/${m[1]}` : String(iso || '');
}

/* "15/03/2019" (also 15.03.2019, 15-3-2019) → "2019-03-15" when it is a real date; otherwise the
 * text as typed (the check then asks for the format). */
export function parseFrenchDate(text) {
  const m = /^\s*(\d{1,2})[/.\s-](\d{1,2})[/.\s-](\d{4})\s*$/.exec(String(text || ''));
  if (!m)
    return String(text || '').trim();
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d)
    return String(text).trim();
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/* --- visibility -------------------------------------------------------------------------- */

/* A scope chain: [{ fields, values }, …], innermost first (a repeat item, then the top). */
function findInScopes(scopes, id) {
  for (let i = 0; i < scopes.length; i++) {
    const field = (scopes[i].fields || []).find((f) => f.id === id);
    if (field)
      return { field, scopes: scopes.slice(i) };
  }
  return null;
}

function isFilled(value) {
  if (value === undefined || value === null || value === '')
    return false;
  if (Array.isArray(value))
    return value.length > 0;
  return true;
}

/* The value of field id as the server sees it: nothing when that field is hidden. */
function effectiveValue(scopes, id) {
  const found = findInScopes(scopes, id);
  if (!found || !isShown(found.field, found.scopes))
    return undefined;
  return found.scopes[0].values[id];
}

export function conditionHolds(cond, scopes) {
  if (!cond || typeof cond !== 'object')
    return true;
  const value = effectiveValue(scopes, cond.field);
  const same = (want) => (Array.isArray(value) ? value.includes(want) : value === want);
  if (Object.prototype.hasOwnProperty.call(cond, 'equals'))
    return same(cond.equals);
  if (Array.isArray(cond.in))
    return cond.in.some(same);
  if (cond.filled === true)
    return isFilled(value);
  if (cond.filled === false)
    return !isFilled(value);
  return true;
}

export function isShown(field, scopes) {
  return conditionHolds(field.show_if, scopes);
}

/* --- checks ------------------------------------------------------------------------------ */

const MESSAGES = {
  required: 'Ce champ est obligatoire.',
  choose: 'Choisissez une réponse.',
  check: 'Cochez cette case pour continuer.',
  address: 'Choisissez une adresse dans la liste des suggestions (tapez le numéro et la rue).',
  place: 'Choisissez un lieu dans la liste.',
  file: 'Joignez un fichier.',
  email: 'Saisissez une adresse électronique valide, par exemple nom@exemple.fr.',
  phone: 'Saisissez un numéro de téléphone français de 10 chiffres, par exemple 06 12 34 56 78.',
  date: 'Saisissez une date valide au format jj/mm/aaaa, par exemple 15/03/2019.',
};

function plural(n, one, many) {
  return `${n} ${n > 1 ? many : one}`;
}

function checkText(field, value) {
  const n = Array.from(value).length;
  const max = Number.isInteger(field.max_length) ? field.max_length
    : (field.type === 'textarea' ? 4000 : 200);
  if (Number.isInteger(field.min_length) && n < field.min_length)
    return `Saisissez au moins ${plural(field.min_length, 'caractère', 'caractères')}.`;
  if (n > max)
    return `Saisissez au plus ${plural(max, 'caractère', 'caractères')} (actuellement ${n}).`;
  if (field.pattern) {
    let re = null;
    try {
      re = new RegExp(field.pattern, 'u');
    } catch {
      re = null;               /* an ERE JavaScript cannot read: the server decides */
    }
    if (re && !re.test(value))
      return field.pattern_message || 'Le format de ce champ n’est pas valide.';
  }
  return '';
}

export function normalisePhone(value) {
  const digits = String(value).replace(/[\s.-]/g, '');
  let national = null;
  if (/^0\d{9}$/.test(digits))
    national = digits;
  else if (/^\+33\d{9}$/.test(digits))
    national = `0${digits.slice(3)}`;
  return national ? national.replace(/(\d{2})(?=\d)/g, '$1 ') : null;
}

function checkEmail(value) {
  const at = value.indexOf('@');
  const ok = value.length <= 254 && at > 0 && at === value.lastIndexOf('@') &&
    /^[^\s@]+\.[^\s@.]+$/.test(value.slice(at + 1)) && !/\s/.test(value);
  return ok ? '' : MESSAGES.email;
}

function checkDate(field, value, now) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
    return MESSAGES.date;
  const min = resolveDate(field.min, now);
  const max = resolveDate(field.max, now);
  if ((min && value < min) || (max && value > max)) {
    if (min && max)
      return `La date doit être comprise entre le ${frenchDate(min)} et le ${frenchDate(max)}.`;
    return min ? `La date doit être le ${frenchDate(min)} ou après.`
      : `La date doit être le ${frenchDate(max)} ou avant.`;
  }
  return '';
}

function checkInteger(field, value) {
  const text = String(value).trim();
  const hasMin = Number.isFinite(field.min);
  const hasMax = Number.isFinite(field.max);
  const range = hasMin && hasMax ? ` entre ${field.min} et ${field.max}`
    : (hasMin ? ` supérieur ou égal à ${field.min}` : (hasMax ? ` inférieur ou égal à ${field.max}` : ''));
  if (!/^-?\d+$/.test(text))
    return `Saisissez un nombre entier${range}, en chiffres.`;
  const n = Number(text);
  if ((hasMin && n < field.min) || (hasMax && n > field.max))
    return `Saisissez un nombre entier${range}.`;
  return '';
}

function checkMulti(field, value) {
  const n = Array.isArray(value) ? value.length : 0;
  if (Number.isInteger(field.min_items) && n < field.min_items)
    return field.min_items === 1 ? 'Cochez au moins une réponse.'
      : `Cochez au moins ${field.min_items} réponses.`;
  if (Number.isInteger(field.max_items) && n > field.max_items)
    return `Cochez au plus ${plural(field.max_items, 'réponse', 'réponses')}.`;
  return '';
}

export function fileAccept(field) {
  const kinds = Array.isArray(field.accept) && field.accept.length ? field.accept : ['pdf', 'jpeg', 'png'];
  return kinds.filter((k) => FILE_TYPES[k]);
}

export function acceptText(field) {
  const labels = fileAccept(field).map((k) => FILE_TYPES[k].label);
  return labels.length > 1 ? `${labels.slice(0, -1).join(', ')} ou ${labels[labels.length - 1]}` : labels[0];
}

export function sizeText(bytes) {
  if (bytes >= 1024 * 1024)
    return `${(bytes / (1024 * 1024)).toLocaleString('fr-FR', { maximumFractionDigits: 1 })} Mo`;
  return `${Math.max(1, Math.round(bytes / 1024))} ko`;
}

/* files: [{ name, size, type (sniffed: pdf/jpeg/png/null) }]. */
function checkFiles(field, files) {
  const maxFiles = Number.isInteger(field.max_files) ? field.max_files : 1;
  const maxSize = Number.isInteger(field.max_size) ? field.max_size : DEFAULT_MAX_SIZE;
  if (files.length > maxFiles)
    return `Joignez au plus ${plural(maxFiles, 'fichier', 'fichiers')} (actuellement ${files.length}).`;
  for (const f of files) {
    if (!f.type || !fileAccept(field).includes(f.type))
      return `« ${f.name} » n’est pas un fichier ${acceptText(field)} : choisissez un fichier de ce type.`;
    if (f.size > maxSize)
      return `« ${f.name} » dépasse ${sizeText(maxSize)} (${sizeText(f.size)}) : réduisez-le ou scannez-le en qualité plus basse.`;
  }
  return '';
}

/* The message for one shown field ('' when it is fine). files: the field's attached files. */
export function checkField(field, value, files, now = new Date()) {
  const empty = !isFilled(value) || (typeof value === 'string' && value.trim() === '');
  switch (field.type) {
  case 'checkbox':
    return field.required && value !== true ? MESSAGES.check : '';
  case 'yesno':
  case 'choice':
    if (empty)
      return field.required ? MESSAGES.choose : '';
    return (field.options || []).some((o) => o.value === value) || field.type === 'yesno' ? '' : MESSAGES.choose;
  case 'multichoice':
    if (empty)
      return field.required ? 'Cochez au moins une réponse.' : '';
    return checkMulti(field, value);
  case 'address':
    if (!value || typeof value !== 'object' || !value.citycode)
      return field.required || value === false ? MESSAGES.address : '';
    return '';
  case 'place':
    return empty && field.required ? MESSAGES.place : '';
  case 'file':
    if (!files || files.length === 0)
      return field.required ? MESSAGES.file : '';
    return checkFiles(field, files);
  case 'repeat':
    return '';
  default:
    break;
  }
  if (empty)
    return field.required ? MESSAGES.required : '';
  const text = String(value).trim();
  switch (field.type) {
  case 'email':
    return checkEmail(text);
  case 'phone':
    return normalisePhone(text) ? '' : MESSAGES.phone;
  case 'date':
    return checkDate(field, text, now);
  case 'integer':
    return checkInteger(field, text);
  default:
    return checkText(field, text);
  }
}

export function repeatCountMessage(field, n) {
  const label = field.item_label || 'élément';
  if (Number.isInteger(field.min_items) && n < field.min_items)
    return `Ajoutez au moins ${field.min_items} bloc${field.min_items > 1 ? 's' : ''} « ${label} ».`;
  if (Number.isInteger(field.max_items) && n > field.max_items)
    return `Retirez des blocs « ${label} » : ${field.max_items} au plus.`;
  return '';
}

/* --- paths and walking ------------------------------------------------------------------- */

export function domId(path) {
  return `f-${path.replace(/[^A-Za-z0-9_]+/g, '-')}`;
}

/* Calls visit(field, { path, scopes, value, fileKey, item }) for every shown field of fields
 * (a page's, or all), descending into repeat items. scopeFields: the top-level fields that
 * conditions may name (all the form's, when fields is one page's). */
export function walk(fields, values, visit, scopeFields = fields) {
  const scopes = [{ fields: scopeFields, values }];
  for (const field of fields) {
    if (!isShown(field, scopes))
      continue;
    visit(field, { path: field.id, scopes, value: values[field.id], fileKey: field.id });
    if (field.type !== 'repeat')
      continue;
    const items = Array.isArray(values[field.id]) ? values[field.id] : [];
    items.forEach((item, i) => {
      const itemScopes = [{ fields: field.fields || [], values: item }, ...scopes];
      for (const sub of field.fields || []) {
        if (!isShown(sub, itemScopes))
          continue;
        visit(sub, { path: `${field.id}[${i}].${sub.id}`, scopes: itemScopes, value: item[sub.id],
                     fileKey: `${item[UID]}.${sub.id}`, item, repeat: field, index: i });
      }
    });
  }
}

/* Every error of the shown fields among fields: [{ path, field, message }]. */
export function checkFields(fields, values, filesOf, now = new Date(), scopeFields = fields) {
  const errors = [];
  walk(fields, values, (field, at) => {
    if (field.type === 'repeat') {
      const n = Array.isArray(at.value) ? at.value.length : 0;
      const message = repeatCountMessage(field, n);
      if (message)
        errors.push({ path: at.path, field, message });
      return;
    }
    if (!isInput(field))
      return;
    const message = checkField(field, at.value, filesOf(at.fileKey), now);
    if (message)
      errors.push({ path: at.path, field, message });
  }, scopeFields);
  return errors;
}

/* The value sent for one field (undefined: left out). */
function outputValue(field, value) {
  switch (field.type) {
  case 'checkbox':
    return value === true;
  case 'yesno':
    return typeof value === 'boolean' ? value : undefined;
  case 'integer':
    return isFilled(value) && /^-?\d+$/.test(String(value).trim()) ? Number(String(value).trim()) : undefined;
  case 'multichoice':
    return Array.isArray(value) && value.length ? value.slice() : undefined;
  case 'address':
    return value && typeof value === 'object' && value.citycode ? { ...value } : undefined;
  case 'phone': {
    if (!isFilled(value))
      return undefined;
    return normalisePhone(value) || String(value).trim();
  }
  default:
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  }
}

/* The "values" object of the submission: shown fields only, repeat items in order. */
export function submissionValues(def, values) {
  return buildValues(allFields(def), values, []);
}

function buildValues(fields, values, outer) {
  const out = {};
  const scopes = [{ fields, values }, ...outer];
  for (const field of fields) {
    if (!isInput(field) || field.type === 'file' || !isShown(field, scopes))
      continue;
    if (field.type === 'repeat') {
      const items = Array.isArray(values[field.id]) ? values[field.id] : [];
      out[field.id] = items.map((item) => buildValues(field.fields || [], item, scopes));
      continue;
    }
    const v = outputValue(field, values[field.id]);
    if (v !== undefined)
      out[field.id] = v;
  }
  return out;
}

/* The attached files to send: [{ path, file }] for shown file fields. */
export function submissionFiles(def, values, filesOf) {
  const out = [];
  walk(allFields(def), values, (field, at) => {
    if (field.type !== 'file')
      return;
    for (const f of filesOf(at.fileKey))
      out.push({ path: at.path, file: f.file });
  });
  return out;
}

/* The page index that holds a server error path ("enfants[1].nom" → the page of "enfants"). */
export function pageOfPath(def, path) {
  const top = String(path).split(/[[.]/)[0];
  const i = (def.pages || []).findIndex((p) => (p.fields || []).some((f) => f.id === top));
  return i;
}

/* --- files ------------------------------------------------------------------------------- */

/* "pdf", "jpeg", "png" or null, from the first bytes (as the server decides). */
export function sniffBytes(b) {
  if (b.length >= 5 && b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46 && b[4] === 0x2d)
    return 'pdf';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff)
    return 'jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (b.length >= 8 && png.every((v, i) => b[i] === v))
    return 'png';
  return null;
}

export async function sniffFile(file) {
  const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
  return sniffBytes(head);
}

/* --- the search box: which forms a text asks for ----------------------------------------- */

const STOP_WORDS = new Set(['de', 'du', 'des', 'la', 'le', 'les', 'un', 'une', 'l', 'd', 'a', 'au',
                            'aux', 'pour', 'mon', 'ma', 'mes', 'en', 'et', 'ou', 'sur']);
const GENERIC_WORDS = new Set(['demarche', 'demarches', 'formulaire', 'formulaires', 'ligne', 'procedure',
                               'procedures', 'teleservice', 'teleservices']);

function wordMatches(w, k) {
  return k === w || (w.length >= 3 && k.startsWith(w)) ||
    (k.length >= 4 && w.startsWith(k) && w.length - k.length <= 2);
}

/* The forms whose keywords or title match text (folded, word by word, the last word may be a
 * prefix, a plural matches its singular): { forms: the best ones (3 at most), all: true when the
 * text asks for procedures in general (« démarches », « formulaire »). */
export function matchForms(forms, text) {
  const words = fold(text).split(' ').filter((w) => w.length >= 2 && !STOP_WORDS.has(w));
  const all = words.some((w) => [...GENERIC_WORDS].some((g) => wordMatches(w, g) && w.length >= 4));
  const significant = words.filter((w) => ![...GENERIC_WORDS].some((g) => wordMatches(w, g)));
  if (significant.length === 0)
    return { forms: [], all };
  let best = 0;
  const scored = [];
  for (const form of Array.isArray(forms) ? forms : []) {
    const keys = [...(Array.isArray(form.keywords) ? form.keywords : []), form.title || '']
      .flatMap((k) => fold(k).split(' ')).filter(Boolean);
    const score = significant.filter((w) => keys.some((k) => wordMatches(w, k))).length;
    if (score > 0) {
      scored.push({ form, score });
      best = Math.max(best, score);
    }
  }
  return { forms: scored.filter((s) => s.score === best).slice(0, 3).map((s) => s.form), all };
}
