/*
 * communes.js — the list of the member communes (communes.html, /communes): one link per
 * commune to its page /commune/<insee>, with its postcodes and how many places the directory
 * has there (GET /api/communes).
 */
import { h } from './dom.js';
import { formatPlaces } from './format.js';
import { loadCommunes, markReady } from './resident.js';
import { loadTerritory, shortName } from './site.js';

const list = document.getElementById('communes-list');
const status = document.getElementById('communes-status');

async function main() {
  const territory = await loadTerritory();
  document.title = `Les communes du territoire — ${shortName(territory)}`;
  try {
    const communes = await loadCommunes();
    list.replaceChildren(...communes.map((c) => h('li', {},
      h('a', { href: `/commune/${encodeURIComponent(c.insee)}` }, c.name || c.insee),
      h('span', { class: 'commune-detail' },
        [Array.isArray(c.postcodes) ? c.postcodes.join(', ') : '',
         Number.isInteger(c.places) ? formatPlaces(c.places) : ''].filter(Boolean).join(' · ')))));
    status.textContent = `${communes.length} commune${communes.length > 1 ? 's' : ''}.`;
  } catch (e) {
    status.textContent = e.message || 'La liste des communes n’a pas pu être chargée.';
  } finally {
    list.setAttribute('aria-busy', 'false');
  }
  markReady();
}

main();
