/*
 * place-stream.js — the rest of a large answer. The page shows the first page of /api/places
 * (every property, the list's first 50) at once, then follows the answer's keyset `next` links
 * (docs/api.md, Paging) with pages of max_limit places carrying only what the list and the
 * markers need, up to MAP_MAX places, so that the map shows every place of the search and the
 * list's « Voir plus de lieux » pages through them in the same order. A place of those compact
 * pages gets its full card from GET /api/places/{id} when it is opened (app.js openPlace).
 */
import { fetchPlaces } from './api.js';

/** At most this many places of one answer go on the map (and in the list). */
export const MAP_MAX = 10000;

/* What the list item and the marker of a place use (docs/api.md, Place properties). */
const COMPACT = 'name,category,category_label,parent_category,commune,open_state,' +
  'opening_hours_valid,next_change,next_state';

function nextCursor(answer) {
  const links = Array.isArray(answer && answer.links) ? answer.links : [];
  const next = links.find((l) => l && l.rel === 'next' && typeof l.href === 'string');
  return next ? new URL(next.href, window.location.origin).searchParams.get('cursor') : null;
}

/**
 * Fetches the pages after `first` (the answer to `query`), pageSize places each, until the
 * answer ends or `max` places were received in all; onPage(features) gets each page's places
 * (marked compact). Resolves with the number of places received; rejects when a request fails
 * or `signal` aborts.
 */
export async function streamRest(first, query, { signal, pageSize, max = MAP_MAX, onPage }) {
  let received = Array.isArray(first.features) ? first.features.length : 0;
  let cursor = nextCursor(first);
  while (cursor && received < max) {
    const page = await fetchPlaces({ ...query, cursor, properties: COMPACT,
                                     limit: Math.min(pageSize, max - received) }, signal);
    const features = Array.isArray(page.features) ? page.features : [];
    if (features.length === 0)
      break;
    for (const f of features)
      f.compact = true;
    received += features.length;
    onPage(features);
    cursor = nextCursor(page);
  }
  return received;
}
