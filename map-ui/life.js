/*
 * life.js — what the daily-life pages share (agenda.js, actualites.js, alerts.js, commune.js,
 * installation.js; docs/vie-locale.md §7): the calls to /api/events, /api/news, /api/alerts and
 * /api/waste, the French dates of an event (« Samedi 12 décembre », « 8 h 30 – 12 h »), an event
 * or a news item as a list item, the severity of an alert in words, the waste collection block
 * with its « Ajouter à mon agenda » link, and the subscribe links (webcal:// and https). The
 * server's sanitised text_html is rebuilt here from an inert document, keeping only the safe
 * subset (paragraphs, lists, line breaks, emphasis, http(s)/mailto links): nothing from the
 * server is ever given to innerHTML.
 */
import { getJson } from './api.js';
import { h } from './dom.js';
import { formatClock, licenceInfo, mailtoHref, openStateText, safeHttpUrl, telHref } from './format.js';

export const CATEGORIES = [
  ['fete', 'Fête, animation'], ['marche', 'Marché'], ['sport', 'Sport'],
  ['culture', 'Culture, spectacle'], ['reunion', 'Réunion publique'], ['permanence', 'Permanence'],
  ['nature', 'Nature, randonnée'], ['solidarite', 'Solidarité'], ['autre', 'Autre'],
];

/* Severity of an alert: the words said before its title (never the colour alone). */
export const SEVERITIES = { critical: 'Alerte importante', warning: 'Vigilance', info: 'Information' };

let enabled = null;

/**
 * Whether this server has the daily-life store: it is opened with the online procedures
 * (forms_dir), whose list /api/forms answers empty (never 404) on a server without them. The
 * pages that only add daily-life sections (the banner, the commune page, « Je m'installe »)
 * ask first, so that a directory-only server gets no request that it would refuse.
 */
export function lifeEnabled() {
  if (!enabled)
    enabled = getJson('/api/forms').then((b) => (Array.isArray(b) ? b : b.forms || []).length > 0, () => false);
  return enabled;
}

export function fetchEvents(query, signal) {
  return getJson('/api/events', query, signal, 'application/geo+json');
}
export function fetchNews(query, signal) {
  return getJson('/api/news', query, signal);
}
export function fetchAlerts(commune, signal) {
  return getJson('/api/alerts', { commune }, signal);
}
export function fetchWaste(query, signal) {
  return getJson('/api/waste', query, signal);
}

const WEEKDAYS = ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'];
const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août',
                'septembre', 'octobre', 'novembre', 'décembre'];
const PARIS_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric',
                                                     month: '2-digit', day: '2-digit' });

/** Today in Paris, "YYYY-MM-DD" (plus days). */
export function parisToday(days = 0, now = Date.now()) {
  return PARIS_DAY.format(new Date(now + days * 86400000));
}

/* The wall-clock parts of the API's local time "2026-12-12T08:00:00+01:00" (or a date alone). */
function parts(iso) {
  const m = typeof iso === 'string' ? /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(iso) : null;
  if (!m)
    return null;
  return { y: +m[1], mo: +m[2], d: +m[3], date: `${m[1]}-${m[2]}-${m[3]}`,
           time: m[4] ? `${m[4]}:${m[5]}` : '' };
}

/** « samedi 12 décembre » (« 1er », the year when it is not this year's); capital with cap. */
export function frenchDay(iso, { cap = false, now = Date.now() } = {}) {
  const p = parts(iso);
  if (!p)
    return '';
  const wd = WEEKDAYS[new Date(Date.UTC(p.y, p.mo - 1, p.d)).getUTCDay()];
  const year = p.y !== Number(parisToday(0, now).slice(0, 4)) ? ` ${p.y}` : '';
  const text = `${wd} ${p.d === 1 ? '1er' : p.d}\u00a0${MONTHS[p.mo - 1]}${year}`;
  return cap ? text[0].toUpperCase() + text.slice(1) : text;
}

/** The day key (YYYY-MM-DD, Paris) of an API local time. */
export function dayOf(iso) {
  const p = parts(iso);
  return p ? p.date : '';
}

/** When an occurrence happens, within its day: « Toute la journée », « 8 h 30 – 12 h »,
 *  « 20 h », « jusqu’au dimanche 13 décembre » for several days. */
export function eventWhen(props, now = Date.now()) {
  const s = parts(props.start);
  const e = parts(props.end);
  if (!s)
    return '';
  const several = e && e.date !== s.date && !(props.all_day && e.time === '00:00' &&
    Date.UTC(e.y, e.mo - 1, e.d) - Date.UTC(s.y, s.mo - 1, s.d) === 86400000);
  if (props.all_day)
    return several ? `Toute la journée, jusqu’au ${frenchDay(props.end, { now })}` : 'Toute la journée';
  const from = formatClock(s.time);
  if (!e)
    return from;
  if (several)
    return `${from}, jusqu’au ${frenchDay(props.end, { now })} à ${formatClock(e.time)}`;
  return e.time === s.time ? from : `${from}\u00a0–\u00a0${formatClock(e.time)}`;
}

/* The tags and attributes the safe subset may hold (docs/vie-locale.md §2). */
const KEEP = new Set(['P', 'UL', 'OL', 'LI', 'BR', 'STRONG', 'EM', 'B', 'I', 'A']);

function rebuild(node) {
  const out = [];
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) {
      out.push(document.createTextNode(child.textContent));
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const kids = rebuild(child);
      if (!KEEP.has(child.tagName)) {
        out.push(...kids);
        continue;
      }
      let el;
      if (child.tagName === 'A') {
        const raw = child.getAttribute('href') || '';
        const href = raw.startsWith('mailto:') ? mailtoHref(raw.slice(7)) : safeHttpUrl(raw);
        if (!href) {
          out.push(...kids);
          continue;
        }
        el = h('a', { href, rel: 'noopener nofollow' });
      } else {
        el = document.createElement(child.tagName.toLowerCase());
      }
      el.append(...kids);
      out.push(el);
    }
  }
  return out;
}

/** The item's text as DOM nodes: text_html rebuilt from an inert document, else the plain text. */
export function richText(item) {
  const box = h('div', { class: 'life-text' });
  if (typeof item.text_html === 'string' && item.text_html !== '') {
    const doc = new DOMParser().parseFromString(item.text_html, 'text/html');
    box.append(...rebuild(doc.body));
  } else if (item.text) {
    box.append(h('p', {}, item.text));
  }
  return box;
}

/* One labelled fact of an event (« Lieu : … »), or null without a value. */
function fact(label, value) {
  if (value === null || value === undefined || value === '')
    return null;
  return h('li', {}, h('span', { class: 'fact-label' }, `${label}\u00a0: `), value);
}

function communeNames(props) {
  if (props.territory)
    return 'Tout le territoire';
  return (Array.isArray(props.communes) ? props.communes : []).map((c) => c.name || c.insee).join(', ');
}

function priceText(props) {
  if (props.free)
    return 'Gratuit';
  return props.price || '';
}

/** The provenance line of an item: publisher, licence, source. */
export function provenance(item) {
  const lic = licenceInfo(item.licence);
  const licence = lic.url ? h('a', { href: lic.url, rel: 'license noopener' }, lic.label) : lic.label;
  return h('p', { class: 'life-source' }, `Publié par ${item.publisher || 'la collectivité'}`,
    item.source ? ` (${item.source})` : '', ' — ', licence);
}

/**
 * The next events of a commune (brief items, headings at level) and a link to its agenda: a
 * DOM node (a sentence when there is none or they cannot be loaded).
 */
export async function nextEvents(insee, communeName, level = 3, limit = 5) {
  if (!(await lifeEnabled()))
    return h('p', { class: 'none' }, 'L’agenda n’est pas disponible sur ce serveur.');
  let features;
  try {
    const answer = await fetchEvents({ commune: insee, limit });
    features = Array.isArray(answer.features) ? answer.features : [];
  } catch (e) {
    if (e && e.status === 404)
      return h('p', { class: 'none' }, 'L’agenda n’est pas disponible sur ce serveur.');
    return h('p', { class: 'none' }, 'Les événements n’ont pas pu être chargés.');
  }
  const link = h('p', {}, h('a', { href: `/agenda?commune=${encodeURIComponent(insee)}` },
    `Tout l’agenda de ${communeName}`));
  if (!features.length)
    return h('div', {}, h('p', { class: 'none' }, `Aucun événement prévu à ${communeName} dans les trois prochains mois.`), link);
  return h('div', {}, h('ul', { class: 'events' }, ...features.map((f) => eventItem(f, { level, brief: true }))), link);
}

/** The alerts valid now for a commune (with the territory's) as a list, or a sentence. */
export async function currentAlerts(insee, communeName, level = 3) {
  if (!(await lifeEnabled()))
    return h('p', { class: 'none' }, `Aucune alerte en cours pour ${communeName}.`);
  let items;
  try {
    items = (await fetchAlerts(insee)).items;
  } catch {
    return h('p', { class: 'none' }, 'Les alertes n’ont pas pu être chargées.');
  }
  if (!Array.isArray(items) || !items.length)
    return h('p', { class: 'none' }, `Aucune alerte en cours pour ${communeName}.`);
  return h('ul', { class: 'news-list' }, ...items.map((a) => newsItem({ kind: 'alert', ...a }, { level })));
}

/** The waste collection of a commune or an address (query: { commune } or { lat, lon }). */
export async function wasteSection(query, level = 3) {
  try {
    return wasteBlock(await fetchWaste(query), query, level);
  } catch (e) {
    if (e && e.status === 404)
      return h('p', { class: 'none' }, 'Le calendrier de collecte des déchets n’est pas disponible ici.');
    return h('p', { class: 'none' }, 'Le calendrier de collecte n’a pas pu être chargé.');
  }
}

/**
 * One occurrence of /api/events as an <li> (its heading at level), with time, place, communes,
 * organiser, price, accessibility, recurrence, link and contact. n numbers it like its marker.
 */
export function eventItem(feature, { level = 3, n = 0, brief = false, now = Date.now() } = {}) {
  const p = feature.properties || {};
  const link = safeHttpUrl(p.url);
  const tel = p.contact ? telHref(p.contact.phone) : '';
  const mail = p.contact ? mailtoHref(p.contact.email) : '';
  const where = [p.place && p.place.name, p.address].filter(Boolean).join(', ');
  const title = h(`h${level}`, { class: 'event-title' }, n ? h('span', { class: 'event-n' }, `${n}. `) : null, p.title || '');
  const when = brief ? `${frenchDay(p.start, { cap: true, now })}, ${eventWhen(p, now)}` : eventWhen(p, now);
  const facts = h('ul', { class: 'event-facts' },
    fact('Quand', when),
    fact('Lieu', where),
    fact('Commune', communeNames(p)),
    brief ? null : fact('Organisateur', p.organiser && p.organiser.name),
    fact('Catégorie', p.category_label),
    fact('Tarif', priceText(p)),
    brief ? null : fact('Accessibilité', p.accessibility),
    fact('Récurrence', p.recurrence));
  const more = brief ? null : h('p', { class: 'event-links' },
    link ? h('a', { href: link, rel: 'noopener' }, 'Plus d’informations', h('span', { class: 'visually-hidden' }, ` sur ${p.title}`)) : null,
    tel ? h('a', { href: tel }, `Téléphone\u00a0: ${p.contact.phone}`) : null,
    mail ? h('a', { href: mail }, `Écrire à l’organisateur`) : null);
  const image = !brief && typeof p.image_url === 'string' && /^\/api\/life\/\d+\/image$/.test(p.image_url)
    ? h('img', { class: 'event-image', src: p.image_url, alt: '', loading: 'lazy' }) : null;   /* illustration */
  return h('li', { class: 'event-item', 'data-id': feature.id || '', 'data-item': p.item || '' },
    title, facts, image, brief ? null : richText(p), more && more.childNodes.length ? more : null,
    brief ? null : provenance(p));
}

/** A news item or an alert of /api/news as an <li>. */
export function newsItem(item, { level = 3 } = {}) {
  const sev = item.kind === 'alert' ? SEVERITIES[item.severity] || SEVERITIES.info : '';
  const dates = item.kind === 'alert' && item.valid_until
    ? `Jusqu’au ${frenchDay(item.valid_until)} à ${formatClock(parts(item.valid_until).time)}`
    : item.published_at ? `Publié le ${frenchDay(item.published_at)}` : '';
  return h('li', { class: `news-item${sev ? ` severity-${item.severity || 'info'}` : ''}`, 'data-id': item.id },
    h(`h${level}`, {}, sev ? h('span', { class: 'severity' }, `${sev}\u00a0: `) : null, item.title || ''),
    dates ? h('p', { class: 'news-date' }, dates) : null,
    h('p', { class: 'news-where' }, `Concerne\u00a0: ${communeNames(item)}`),
    richText(item), provenance(item));
}

/** https and webcal:// URLs of a feed path of this server (query: its parameters). */
export function feedUrls(path, query = {}) {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(query))
    if (v)
      url.searchParams.set(k, v);
  return { https: url.href, webcal: url.href.replace(/^https?:/, 'webcal:') };
}

/** The subscribe links of a calendar (path: a path of this server, whose own query stays, plus
 *  query): « Ajouter à mon agenda » as webcal:// (the calendar apps open it and follow it) and
 *  the https address to copy into a calendar that asks for one; what: « les collectes »,
 *  « l’agenda de Vaubecourt », said to screen readers after the first link's words. */
export function calendarLinks(path, query, what) {
  const u = feedUrls(path, query);
  return h('ul', { class: 'subscribe-links' },
    h('li', {}, h('a', { href: u.webcal, class: 'subscribe-webcal' }, 'Ajouter à mon agenda',
      h('span', { class: 'visually-hidden' }, ` ${what}`))),
    h('li', {}, h('a', { href: u.https, class: 'subscribe-https', type: 'text/calendar' },
      `Adresse du calendrier (iCalendar) pour ${what}`)));
}

/* « Vendredi 11 décembre », or with its shift in words: « Samedi 26 décembre (Noël : collecte
 * reportée au samedi 26 décembre) ». */
function collectionDay(n) {
  const day = frenchDay(n.date);
  if (!n.shifted_from)
    return day;
  return `${day} (${n.reason || `au lieu du ${frenchDay(n.shifted_from)}`})`;
}

/* A déchèterie of the answer as an <li>: name, where, its opening state in words (format.js). */
function decheterie(d) {
  const state = typeof d.open_now === 'boolean'
    ? openStateText({ open_state: d.open_now ? 'open' : 'closed', next_change: d.next_change,
                      next_state: d.open_now ? 'closed' : 'open' }) : openStateText({});
  const where = [d.address, [d.postcode, d.commune].filter(Boolean).join(' ')].filter(Boolean).join(', ');
  return h('li', { class: 'place-item' }, h('span', { class: 'place-name' }, d.name),
    where ? h('span', { class: 'place-where' }, where) : null,
    h('span', { class: `place-hours hours-${state.state}` }, state.text));
}

/**
 * The waste collection of an /api/waste answer: per stream its next days, « Quand sortir mon
 * bac ? » answered, the déchèteries with their opening state, and « Ajouter à mon agenda »
 * (the answer's ical_url; else /api/waste.ics with query).
 */
export function wasteBlock(w, query, level = 3) {
  const streams = Array.isArray(w.streams) ? w.streams : [];
  if (!streams.length)
    return h('p', { class: 'none' }, 'Aucune collecte n’est renseignée pour cette adresse.');
  const list = h('ul', { class: 'waste-streams' }, ...streams.map((s) => h('li', { class: 'waste-stream', 'data-stream': s.id },
    h(`h${level}`, {}, h('span', { class: 'waste-swatch', 'data-colour': s.colour || '' }), s.label),
    Array.isArray(s.next) && s.next.length
      ? h('p', {}, 'Prochaines collectes\u00a0: ', s.next.slice(0, 3).map(collectionDay).join('\u00a0; '), '.')
      : h('p', { class: 'none' }, 'Pas de collecte prévue dans les prochaines semaines.'),
    s.answer || s.put_out ? h('p', { class: 'waste-put-out' }, h('span', { class: 'fact-label' }, 'Quand sortir mon bac\u00a0? '),
      s.answer || `${s.put_out[0].toUpperCase()}${s.put_out.slice(1)}.`) : null,
    s.accepts ? h('p', { class: 'waste-accepts' }, s.accepts) : null)));
  for (const sw of list.querySelectorAll('.waste-swatch[data-colour]'))
    if (/^#[0-9a-fA-F]{3,6}$/.test(sw.dataset.colour))
      sw.style.backgroundColor = sw.dataset.colour;    /* CSSOM, allowed by the CSP */
  const dech = Array.isArray(w.decheteries) ? w.decheteries : [];
  const ical = typeof w.ical_url === 'string' && /^\/api\/waste\.ics\?/.test(w.ical_url) ? w.ical_url : '';
  return h('div', { class: 'waste' },
    w.zone && w.zone.label ? h('p', {}, `Secteur de collecte\u00a0: ${w.zone.label}${w.example ? ' (exemple)' : ''}.`) : null,
    list,
    dech.length ? h('div', {}, h(`h${level}`, {}, dech.length > 1 ? 'Les déchèteries' : 'La déchèterie'),
      h('ul', { class: 'places' }, ...dech.map(decheterie))) : null,
    ical ? calendarLinks(ical, {}, 'les collectes') : calendarLinks('/api/waste.ics', query, 'les collectes'),
    provenance({ publisher: w.publisher, source: w.source, licence: w.licence }));
}
