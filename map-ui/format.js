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

/**
 * When a change happens, said from today in Paris: "à 18:00", "demain à 08:30",
 * "lundi à 08:30", "le 1er septembre à 10:00". iso is the API's local time with its offset
 * ("2026-07-15T18:00:00+02:00"): its date and time are already Paris wall-clock time.
 */
export function formatChangeTime(iso, now = Date.now()) {
  const m = typeof iso === 'string' ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso) : null;
  if (!m)
    return '';
  const time = `${m[4]}:${m[5]}`;
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

/**
 * The opening state of a place as the API gives it (open_state, next_change, next_state,
 * opening_hours_valid), in French: { state: 'open'|'closed'|'unknown', text } or null when the
 * place has no opening hours. "Ouvert maintenant · ferme à 18:00", "Fermé · ouvre lundi à 08:30".
 */
export function openStateText(props, now = Date.now()) {
  const p = props || {};
  if (typeof p.open_state !== 'string' || p.open_state === '')
    return null;
  if (p.opening_hours_valid === false)
    return { state: 'unknown', text: 'Horaires non reconnus (voir la fiche)' };
  const when = formatChangeTime(p.next_change, now);
  if (p.open_state === 'open') {
    if (when && p.next_state === 'closed')
      return { state: 'open', text: `Ouvert maintenant · ferme ${when}` };
    return { state: 'open', text: 'Ouvert maintenant' };
  }
  if (p.open_state === 'closed') {
    if (when && p.next_state === 'open')
      return { state: 'closed', text: `Fermé · ouvre ${when}` };
    return { state: 'closed', text: 'Fermé' };
  }
  return { state: 'unknown', text: 'Horaires à confirmer' };
}
