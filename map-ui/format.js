/*
 * format.js — French formatting of what the page shows (distances, counts, licences, dates) and
 * the checks that turn server strings into safe link targets. Pure functions, no DOM writes,
 * except sanitizeAttribution which parses HTML in an inert document.
 */

/** French number formats with at most one decimal and with none (also used by opendata.js). */
export const NUMBER_1 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
export const NUMBER_0 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });

/** 850 -> "850 m", 1234 -> "1,2 km", 12000 -> "12 km" (French decimal comma). */
export function formatDistance(metres) {
  if (!Number.isFinite(metres) || metres < 0)
    return '';
  if (metres < 1000)
    return `${NUMBER_0.format(Math.round(metres))} m`;
  return `${NUMBER_1.format(metres / 1000)} km`;
}

/** 1 -> "1 lieu", 3 -> "3 lieux" (0 -> "aucun lieu"). */
export function formatPlaces(n) {
  if (n === 0)
    return 'aucun lieu';
  return `${NUMBER_0.format(n)} ${n > 1 ? 'lieux' : 'lieu'}`;
}

/* Licence codes used by the importer (SPDX-like, lower or upper case) -> French label and URL. */
const LICENCES = {
  'etalab-2.0': ['Licence Ouverte 2.0', 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/'],
  'etalab-1.0': ['Licence Ouverte 1.0', 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/'],
  'lo-2.0': ['Licence Ouverte 2.0', 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/'],
  'odbl-1.0': ['ODbL 1.0', 'https://opendatacommons.org/licenses/odbl/1-0/'],
  'cc-by-4.0': ['CC BY 4.0', 'https://creativecommons.org/licenses/by/4.0/deed.fr'],
  'cc-by-sa-4.0': ['CC BY-SA 4.0', 'https://creativecommons.org/licenses/by-sa/4.0/deed.fr'],
  'cc0-1.0': ['CC0 1.0', 'https://creativecommons.org/publicdomain/zero/1.0/deed.fr'],
};

/**
 * The licence to show for a code: { label, url }. An unknown code is shown as it is; a missing
 * one says so, because a licence line is always displayed.
 */
export function licenceInfo(code) {
  if (typeof code !== 'string' || code.trim() === '')
    return { label: 'licence non précisée', url: '' };
  const known = LICENCES[code.trim().toLowerCase()];
  if (known)
    return { label: known[0], url: known[1] };
  return { label: code.trim(), url: '' };
}

const DATE_FR = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', year: 'numeric',
                                                   timeZone: 'UTC' });

/** "2022-01-07" -> "7 janvier 2022"; anything else is returned unchanged. */
export function formatDate(iso) {
  if (typeof iso !== 'string')
    return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m)
    return iso;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (Number.isNaN(d.getTime()))
    return iso;
  const text = DATE_FR.format(d);
  return d.getUTCDate() === 1 ? text.replace(/^1 /, '1er ') : text;   /* "1er novembre" */
}

/** An http(s) URL string for an href, or '' when the value is not one (no javascript: etc.). */
export function safeHttpUrl(value) {
  if (typeof value !== 'string' || value.trim() === '')
    return '';
  let text = value.trim();
  if (!/^[a-z][a-z0-9+.-]*:/i.test(text))
    text = `https://${text}`;            /* "www.example.fr" as sources often write it */
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '';
  } catch {
    return '';
  }
}

/** "03 29 70 69 80" -> "tel:0329706980"; '' when it does not look like a phone number. */
export function telHref(phone) {
  if (typeof phone !== 'string')
    return '';
  const digits = phone.replace(/[\s.\-()/]/g, '');
  return /^\+?\d{3,15}$/.test(digits) ? `tel:${digits}` : '';
}

/** "mailto:…" for a plausible address, else ''. */
export function mailtoHref(email) {
  if (typeof email !== 'string')
    return '';
  const text = email.trim();
  return /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(text) ? `mailto:${text}` : '';
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;',
                                            "'": '&#39;' }[c]));
}

/* Elements of an attribution whose text is kept; any other element is dropped with its content
 * (so a <script> or <style> leaves nothing behind). */
const ATTRIBUTION_INLINE = new Set(['A', 'ABBR', 'B', 'EM', 'I', 'SMALL', 'SPAN', 'STRONG']);

/**
 * Leaflet's attribution control takes HTML. The territory's tile attribution is configuration,
 * not trusted markup: keep its text and its http(s) links only, everything else escaped.
 */
export function sanitizeAttribution(html) {
  if (typeof html !== 'string' || html === '')
    return '';
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  const walk = (node) => {
    let out = '';
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) {
        out += escapeHtml(child.textContent);
      } else if (child.nodeType === Node.ELEMENT_NODE && ATTRIBUTION_INLINE.has(child.tagName)) {
        const inner = walk(child);
        const href = child.tagName === 'A' ? safeHttpUrl(child.getAttribute('href') || '') : '';
        out += href ? `<a href="${escapeHtml(href)}" rel="noopener">${inner}</a>` : inner;
      }
    }
    return out;
  };
  return walk(doc.body);
}

const WEEKDAYS = ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'];
const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août',
                'septembre', 'octobre', 'novembre', 'décembre'];
const PARIS_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric',
                                                      month: '2-digit', day: '2-digit' });

/* Days since 1970-01-01 of a Y-M-D date (calendar arithmetic only). */
function dayNumber(y, m, d) {
  return Math.round(Date.UTC(y, m - 1, d) / 86400000);
}

/** "08:30" -> "8 h 30", "12:00" -> "12 h" (French typography, no-break spaces). */
export function formatClock(hhmm) {
  const m = typeof hhmm === 'string' ? /^(\d{1,2}):(\d{2})$/.exec(hhmm) : null;
  if (!m)
    return typeof hhmm === 'string' ? hhmm : '';
  const hours = String(Number(m[1]));
  return m[2] === '00' ? `${hours}\u00a0h` : `${hours}\u00a0h\u00a0${m[2]}`;
}

/**
 * When a change happens, said from today in Paris: "à 18 h", "demain à 8 h 30",
 * "lundi à 8 h 30", "le 1er septembre à 10 h". iso is the API's local time with its offset
 * ("2026-07-15T18:00:00+02:00"): its date and time are already Paris wall-clock time.
 */
export function formatChangeTime(iso, now = Date.now()) {
  const m = typeof iso === 'string' ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso) : null;
  if (!m)
    return '';
  const time = formatClock(`${m[4]}:${m[5]}`);
  const [ty, tm, td] = PARIS_DATE.format(new Date(now)).split('-').map(Number);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const diff = dayNumber(y, mo, d) - dayNumber(ty, tm, td);
  if (diff === 0)
    return `à ${time}`;
  if (diff === 1)
    return `demain à ${time}`;
  if (diff > 1 && diff < 7)
    return `${WEEKDAYS[new Date(Date.UTC(y, mo - 1, d)).getUTCDay()]} à ${time}`;
  return `le ${d === 1 ? '1er' : d} ${MONTHS[mo - 1]}${y !== ty ? ` ${y}` : ''} à ${time}`;
}

/** What the page says of a place whose hours nobody published. */
export const HOURS_UNKNOWN = 'Horaires non renseignés';

/**
 * The opening state of a place as the API gives it (open_state, next_change, next_state,
 * opening_hours_valid), in French: { state: 'open'|'closed'|'unknown'|'none', text }.
 * "Ouvert · ferme à 12 h 15", "Fermé · ouvre mardi à 16 h 30", "Horaires non renseignés".
 */
export function openStateText(props, now = Date.now()) {
  const p = props || {};
  if (typeof p.open_state !== 'string' || p.open_state === '')
    return { state: 'none', text: HOURS_UNKNOWN };
  if (p.opening_hours_valid === false)
    return { state: 'unknown', text: 'Horaires non reconnus (voir la fiche)' };
  const when = formatChangeTime(p.next_change, now);
  if (p.open_state === 'open') {
    if (when && p.next_state === 'closed')
      return { state: 'open', text: `Ouvert · ferme ${when}` };
    if (typeof p.opening_hours === 'string' && p.opening_hours.trim() === '24/7')
      return { state: 'open', text: 'Ouvert 24\u00a0h/24, 7\u00a0j/7' };
    return { state: 'open', text: 'Ouvert' };
  }
  if (p.open_state === 'closed') {
    if (when && p.next_state === 'open')
      return { state: 'closed', text: `Fermé · ouvre ${when}` };
    return { state: 'closed', text: 'Fermé' };
  }
  return { state: 'unknown', text: 'Horaires à confirmer' };
}

/* --- the week table: the simple, common opening_hours syntax only ---------------------------- */

const OSM_DAYS = ['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'];
export const WEEK_DAYS_FR = ['Lundi', 'Mardi', 'Mercredi', 'Jeudi', 'Vendredi', 'Samedi',
                             'Dimanche'];
const TIME_RANGE = /^([01]?\d|2[0-4]):([0-5]\d)-([01]?\d|2[0-4]):([0-5]\d)$/;

/* "Mo-Fr,Su,PH" -> { days: [0..6 indexes], ph: bool } or null when not of that simple form. */
function parseDaySelector(selector) {
  const days = [];
  let ph = false;
  for (const part of selector.split(',')) {
    if (part === 'PH') {
      ph = true;
      continue;
    }
    const range = /^([A-Z][a-z])(?:-([A-Z][a-z]))?$/.exec(part);
    if (!range)
      return null;
    const from = OSM_DAYS.indexOf(range[1]);
    const to = range[2] ? OSM_DAYS.indexOf(range[2]) : from;
    if (from < 0 || to < 0)
      return null;
    for (let i = from; ; i = (i + 1) % 7) {     /* "Sa-Mo" wraps over the week's end */
      days.push(i);
      if (i === to)
        break;
    }
  }
  return { days, ph };
}

/* "09:00-12:00,14:00-19:00" -> ["9 h – 12 h", "14 h – 19 h"]; "off"/"closed" -> []; else null. */
function parseTimes(times) {
  if (times === 'off' || times === 'closed')
    return [];
  const out = [];
  for (const range of times.split(',')) {
    const m = TIME_RANGE.exec(range);
    if (!m)
      return null;
    out.push(`${formatClock(`${m[1]}:${m[2]}`)} – ${formatClock(`${m[3]}:${m[4]}`)}`);
  }
  return out;
}

/**
 * The week of a raw opening_hours value, for the place card: { days: [{ day: 'Lundi', ranges:
 * ['9 h – 12 h', …] }, …7], holidays: null|[] |[…ranges] } where an empty ranges list is a closed
 * day; null when the value uses more than the simple syntax of "Mo-Fr 09:00-12:00,14:00-19:00;
 * Sa 09:00-12:00; PH off" or "24/7" (months, weeks, sunrise…): the card then shows the raw text.
 * A later rule replaces the earlier ones for the days it names, as in OSM.
 */
export function weekTable(raw) {
  if (typeof raw !== 'string' || raw.trim() === '' || raw.length > 500)
    return null;
  const week = Array.from({ length: 7 }, () => []);
  let holidays = null;
  if (raw.trim() === '24/7') {
    week.forEach((_, i) => { week[i] = ['24\u00a0h/24']; });
    return { days: week.map((ranges, i) => ({ day: WEEK_DAYS_FR[i], ranges })), holidays: null };
  }
  for (const rule of raw.split(';').map((r) => r.trim()).filter(Boolean)) {
    const m = /^(\S+)\s+(\S+)$/.exec(rule.replace(/,\s+/g, ','));
    if (!m)
      return null;
    const selector = parseDaySelector(m[1]);
    const ranges = parseTimes(m[2]);
    if (!selector || !ranges)
      return null;
    for (const d of selector.days)
      week[d] = ranges;
    if (selector.ph)
      holidays = ranges;
  }
  return { days: week.map((ranges, i) => ({ day: WEEK_DAYS_FR[i], ranges })), holidays };
}
