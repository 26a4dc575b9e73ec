/*
 * site.js — what the procedure pages (demarches.html, demarche.html, suivi.html) share: the
 * territory's name in the header and the page title, the status region that announces changes
 * to screen readers (RGAA 7.5), and the French labels of the request statuses
 * (docs/forms.md §1.4), and the mark of the current page in the site's menu.
 */
import { fetchTerritory } from './api.js';

/* Marks the menu link of the page being shown with aria-current="page": the menu is a shared
 * partial (_include/header-site.html, _include/bo-header.html), so the page cannot say it itself. */
export function markCurrentLink() {
  for (const a of document.querySelectorAll('.site-nav a[href]')) {
    if (a.pathname === window.location.pathname)
      a.setAttribute('aria-current', 'page');
    else
      a.removeAttribute('aria-current');
  }
}
markCurrentLink();

/* Fills the header with the territory's name; resolves to the territory (or null). */
export async function loadTerritory() {
  try {
    const territory = await fetchTerritory();
    const name = document.getElementById('territory-name');
    if (name && typeof territory.name === 'string')
      name.textContent = territory.name;
    return territory;
  } catch {
    return null;
  }
}

export function shortName(territory) {
  return (territory && (territory.short_name || territory.name)) || 'Démarches en ligne';
}

/* Says text in the page's status region (the same text twice is said twice). */
export function announce(text) {
  const region = document.getElementById('announce');
  if (!region)
    return;
  region.textContent = '';
  window.setTimeout(() => { region.textContent = text; }, 50);
}

export const STATUS_LABELS = {
  brouillon: 'Brouillon',
  deposee: 'Déposée',
  en_instruction: 'En cours d’instruction',
  complement_demande: 'Complément demandé',
  complement_recu: 'Complément reçu',
  acceptee: 'Acceptée',
  refusee: 'Refusée',
  sans_suite: 'Classée sans suite',
  retiree: 'Retirée',
};

/* The label of status id: the form's own when its definition's "statuses" has it (a status of
 * its own, or a common status it renames, docs/forms.md §1.4: acceptee « Dossier validé »),
 * else the common one. */
export function statusLabel(id, def) {
  const own = def && Array.isArray(def.statuses) ? def.statuses.find((s) => s.id === id) : null;
  return (own && own.label) || STATUS_LABELS[id] || id;
}

/* "12/03/2026 à 10:42" from an ISO date-time (or the text as given). */
export function frenchDateTime(value) {
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    return String(value || '');
  const date = d.toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' });
  const time = d.toLocaleTimeString('fr-FR', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' });
  return `${date} à ${time}`;
}

export const CATEGORY_LABELS = {
  enfance: 'Enfance et scolarité',
  dechets: 'Déchets',
  annuaire: 'Annuaire des lieux',
};
