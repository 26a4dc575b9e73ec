/*
 * place-card.js — the card of one place (shown by app.js in the page's place sheet): name,
 * category, address, contacts, hours in plain French (the opening state now, the week as a
 * table when the source uses the common opening_hours syntax, else the raw value labelled as
 * OSM's format, « Horaires non renseignés » without hours), the distance, how the position was
 * obtained, provenance (source, publisher, licence, date), a permanent link to the place and the
 * links to the procedures about it. Server strings reach the DOM through text nodes only.
 */
import { h } from './dom.js';
import {
  HOURS_UNKNOWN, formatDate, formatDistance, licenceInfo, mailtoHref, openStateText,
  safeHttpUrl, telHref, weekTable,
} from './format.js';

function text(value) {
  return typeof value === 'string' ? value.trim() : '';
}

function detailRow(list, term, value) {
  if (value === null || value === undefined || value === '')
    return;
  list.append(h('dt', {}, term), h('dd', {}, value));
}

/* A place placed by geodir from its address (geocode_precision, geocode_score): said in
 * words, so that nobody takes the marker for the place's exact position. */
const GEOCODE_PRECISION = {
  housenumber: 'numéro',
  street: 'rue',
  locality: 'lieu-dit',
  municipality: 'commune',
};

function geocodeText(p) {
  const level = GEOCODE_PRECISION[text(p.geocode_precision)];
  if (!level)
    return '';
  let sentence = `Position approximative : calculée à partir de l'adresse (${level})`;
  if (Number.isFinite(p.geocode_score))
    sentence += `, concordance ${Math.round(p.geocode_score * 100)}\u00a0%`;
  return `${sentence}.`;
}

/* Links of a card to the procedures about this place (when the territory offers them). */
const SCHOOL_CATEGORIES = new Set(['primary-school']);

function cardActions(feature, p, forms) {
  const formLink = (id) => (forms.some((f) => f.id === id)
    ? `demarche.html?id=${encodeURIComponent(id)}` : '');
  const place = `&lieu=${encodeURIComponent(String(feature.id))}`;
  const links = [];
  const enrol = formLink('inscription-scolaire');
  if (enrol && SCHOOL_CATEGORIES.has(text(p.category)))
    links.push(h('a', { href: enrol + place, class: 'place-action' }, 'Inscrire un enfant dans cette école'));
  const report = formLink('signaler-erreur');
  if (report)
    links.push(h('a', { href: report + place, class: 'place-action' }, 'Signaler une erreur sur ce lieu'));
  return links.length ? h('ul', { class: 'place-actions' }, ...links.map((a) => h('li', {}, a))) : null;
}

/* The week as a table (Lundi … Dimanche, « fermé »), a line for public holidays when the
 * source says; the raw value labelled « horaires (format OSM) » when it is not the simple
 * syntax weekTable reads. */
export function hoursBlock(p) {
  const raw = text(p.opening_hours);
  if (!raw)
    return h('p', { class: 'place-hours-none' }, HOURS_UNKNOWN);
  const week = p.opening_hours_valid === false ? null : weekTable(raw);
  if (!week) {
    return h('p', { class: 'place-hours-raw' }, 'Horaires (format OSM) : ',
             h('span', { class: 'multiline' }, raw));
  }
  const rows = week.days.map(({ day, ranges }) => h('tr', {},
    h('th', { scope: 'row' }, day),
    h('td', {}, ranges.length > 0 ? ranges.join(', ') : 'fermé')));
  const table = h('table', { class: 'week' },
                  h('caption', {}, 'Horaires de la semaine'), h('tbody', {}, ...rows));
  const block = h('div', { class: 'place-week' }, table);
  if (week.holidays)
    block.append(h('p', { class: 'place-holidays' }, 'Jours fériés : ',
                   week.holidays.length > 0 ? week.holidays.join(', ') : 'fermé'));
  return block;
}

function contactRows(facts, p) {
  const addressLines = text(p.address).split('\n').map((l) => l.trim()).filter(Boolean);
  const town = [text(p.postcode), text(p.commune)].filter(Boolean).join(' ');
  if (town)
    addressLines.push(town);
  if (addressLines.length > 0)
    detailRow(facts, 'Adresse', h('span', { class: 'multiline' }, addressLines.join('\n')));
  const phone = text(p.phone);
  if (phone)
    detailRow(facts, 'Téléphone', telHref(phone) ? h('a', { href: telHref(phone) }, phone) : phone);
  const email = text(p.email);
  if (email)
    detailRow(facts, 'Courriel', mailtoHref(email) ? h('a', { href: mailtoHref(email) }, email) : email);
  const website = text(p.website);
  if (website) {
    const href = safeHttpUrl(website);
    detailRow(facts, 'Site web', href ? h('a', { href, rel: 'noopener' }, website) : website);
  }
}

function provenance(card, p, defaultLicence) {
  /* The licence is always shown, falling back to the territory's default. */
  const licence = licenceInfo(text(p.licence) || text(defaultLicence));
  const publisher = text(p.publisher) || text(p.source_title) || text(p.source) || 'non précisée';
  card.append(h('p', { class: 'place-source' }, `Source : ${publisher} — `,
                licence.url ? h('a', { href: licence.url, rel: 'noopener' }, licence.label)
                            : licence.label));
  const dataset = [text(p.source_title)];
  if (text(p.source_date))
    dataset.push(`données du ${formatDate(text(p.source_date))}`);
  if (dataset.filter(Boolean).length > 0)
    card.append(h('p', { class: 'place-dataset' }, dataset.filter(Boolean).join(', ')));
  /* A resident's contribution validated by the commune (docs/backoffice.md §7). */
  const contribution = text(p.contribution);
  if (contribution) {
    const when = text(p.contribution_date) ? ` le ${formatDate(text(p.contribution_date))}` : '';
    card.append(h('p', { class: 'place-dataset place-contribution' },
                  `${contribution.charAt(0).toUpperCase()}${contribution.slice(1)}${when}`));
  }
}

/* « Lien vers ce lieu »: copies the place's permanent link (the page's URL with ?lieu=). */
function permalink(link) {
  const status = h('span', { class: 'place-link-status', role: 'status' });
  const button = h('button', { type: 'button', class: 'place-link' }, 'Lien vers ce lieu');
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(link);
      status.textContent = 'Lien copié.';
    } catch {
      status.textContent = `Copiez ce lien : ${link}`;
    }
  });
  return h('p', { class: 'place-permalink' }, button, ' ', status);
}

/*
 * The card of feature. ctx: { categoryLabel(code), parentOf(code), defaultLicence, forms,
 * link } (link: the place's permanent URL).
 */
export function renderCard(feature, ctx) {
  const p = feature.properties || {};
  const headingId = `card-${String(feature.id).replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const card = h('article', { class: 'place-card', 'aria-labelledby': headingId });
  card.append(h('h3', { id: headingId, tabindex: '-1' }, text(p.name) || 'Lieu sans nom'));

  const cat = text(p.category_label) || ctx.categoryLabel(text(p.category));
  const parentCode = text(p.parent_category) || ctx.parentOf(text(p.category)) || '';
  const parent = parentCode ? ctx.categoryLabel(parentCode) : '';
  card.append(h('p', { class: 'place-category' }, parent && parent !== cat ? `${cat} · ${parent}` : cat));

  const open = openStateText(p);
  card.append(h('p', { class: 'place-hours', 'data-state': open.state }, open.text));
  const facts = h('dl', { class: 'place-facts' });
  contactRows(facts, p);
  if (Number.isFinite(p.distance_m))
    detailRow(facts, 'Distance', `${formatDistance(p.distance_m)} du point de recherche`);
  if (facts.childElementCount > 0)
    card.append(facts);
  if (open.state !== 'none')
    card.append(hoursBlock(p));
  const geocoded = geocodeText(p);
  if (geocoded)
    card.append(h('p', { class: 'place-dataset place-geocoded', role: 'note' }, geocoded));

  const description = text(p.description);
  if (description)
    card.append(h('p', { class: 'place-description multiline' }, description));
  provenance(card, p, ctx.defaultLicence);
  if (ctx.link)
    card.append(permalink(ctx.link));
  const actions = cardActions(feature, p, ctx.forms || []);
  if (actions)
    card.append(actions);
  return card;
}
