/*
 * demarches.js — the list of the online procedures (demarches.html): the forms offered in the
 * chosen commune (GET /api/forms?commune=), grouped by category, each a link to its page.
 * The commune comes from ?commune=INSEE, else the last one chosen in this tab.
 */
import { fetchCommunes } from './api.js';
import { h } from './dom.js';
import { fetchForms } from './forms-api.js';
import { CATEGORY_LABELS, loadTerritory, shortName } from './site.js';

const ui = {
  select: document.getElementById('commune'),
  status: document.getElementById('forms-status'),
  list: document.getElementById('forms-list'),
};
const KEY = 'geodir-commune';

function remembered() {
  const fromUrl = new URLSearchParams(window.location.search).get('commune');
  if (fromUrl && /^[0-9AB]{5}$/.test(fromUrl))
    return fromUrl;
  try {
    return sessionStorage.getItem(KEY) || '';
  } catch {
    return '';
  }
}

function renderForms(forms, communeName) {
  const groups = new Map();
  for (const f of forms) {
    const cat = typeof f.category === 'string' ? f.category : '';
    if (!groups.has(cat))
      groups.set(cat, []);
    groups.get(cat).push(f);
  }
  const sections = [];
  for (const [cat, list] of groups) {
    const title = CATEGORY_LABELS[cat] || (cat ? cat.charAt(0).toUpperCase() + cat.slice(1) : 'Autres démarches');
    const headingId = `cat-${cat || 'autres'}`;
    sections.push(h('section', { class: 'forms-group', 'aria-labelledby': headingId },
      h('h2', { id: headingId }, title),
      h('ul', { class: 'forms-cards' }, ...list.map((f) => h('li', { class: 'form-card' },
        h('h3', {}, h('a', { href: `demarche.html?id=${encodeURIComponent(f.id)}` }, f.title || f.id)),
        f.description ? h('p', {}, f.description) : null)))));
  }
  ui.list.replaceChildren(...sections);
  ui.status.textContent = forms.length === 0
    ? `Aucune démarche en ligne n’est proposée${communeName ? ` à ${communeName}` : ''}.`
    : `${forms.length} démarche${forms.length > 1 ? 's' : ''} en ligne${communeName ? ` à ${communeName}` : ''}.`;
}

async function load() {
  const commune = ui.select.value;
  const name = commune ? ui.select.selectedOptions[0].textContent : '';
  ui.list.setAttribute('aria-busy', 'true');
  try {
    renderForms(await fetchForms(commune), name);
  } catch (e) {
    ui.list.replaceChildren();
    ui.status.textContent = e.message || 'La liste des démarches n’a pas pu être chargée.';
  } finally {
    ui.list.setAttribute('aria-busy', 'false');
  }
}

async function main() {
  const territory = await loadTerritory();
  document.title = `Démarches en ligne — ${shortName(territory)}`;
  try {
    const answer = await fetchCommunes();
    const communes = (Array.isArray(answer.communes) ? answer.communes : [])
      .filter((c) => c && typeof c.insee === 'string')
      .sort((a, b) => String(a.name).localeCompare(String(b.name), 'fr'));
    ui.select.append(...communes.map((c) => h('option', { value: c.insee }, c.name || c.insee)));
  } catch {
    /* the list still works for every commune */
  }
  const chosen = remembered();
  if ([...ui.select.options].some((o) => o.value === chosen))
    ui.select.value = chosen;
  ui.select.addEventListener('change', () => {
    try {
      sessionStorage.setItem(KEY, ui.select.value);
    } catch {
      /* not remembered */
    }
    load();
  });
  await load();
  document.body.dataset.ready = 'true';
}

main();
