/*
 * list-pager.js — the list of places, PAGE_SIZE at a time: the first page is shown, the button
 * « Voir plus de lieux » after the list adds the next one (and moves the focus to its first
 * place), in the answer's order, which is also the markers' numbering. The places come in
 * pages (reset, then extend); the items are made by the caller's renderItem(feature, index).
 */
import { h } from './dom.js';

export const PAGE_SIZE = 50;
const COUNT = new Intl.NumberFormat('fr-FR');

export class ListPager {
  constructor(list, renderItem) {
    this.list = list;
    this.renderItem = renderItem;
    this.features = [];
    this.shown = 0;
    this.more = h('button', { type: 'button', class: 'list-more', hidden: true });
    this.more.addEventListener('click', () => this.showMore(true));
    list.after(this.more);
  }

  /* A new answer: its first places, the first page shown. */
  reset(features) {
    this.features = features.slice();
    this.shown = 0;
    this.list.replaceChildren();
    this.showMore(false);
  }

  /* The answer's next places (not shown until asked for). */
  extend(features) {
    this.features.push(...features);
    this.update();
  }

  /* Shows the next page; with focus, the focus goes to its first place. */
  showMore(focus) {
    const start = this.shown;
    const end = Math.min(this.features.length, start + PAGE_SIZE);
    const items = [];
    for (let i = start; i < end; i++)
      items.push(this.renderItem(this.features[i], i));
    this.list.append(...items);
    this.shown = end;
    this.update();
    if (focus && items.length > 0) {
      const first = items[0].querySelector('button, a, [tabindex]');
      if (first)
        first.focus();
    }
  }

  /* Shows the pages up to the place id (a marker chosen on the map); false when not in the answer. */
  reveal(id) {
    const index = this.features.findIndex((f) => String(f.id) === id);
    if (index < 0)
      return false;
    while (this.shown <= index)
      this.showMore(false);
    return true;
  }

  update() {
    const left = this.features.length - this.shown;
    this.more.hidden = left <= 0;
    this.more.textContent = left > 0
      ? `Voir plus de lieux (${COUNT.format(Math.min(left, PAGE_SIZE))} de plus, ` +
        `${COUNT.format(this.shown)} sur ${COUNT.format(this.features.length)} affichés)`
      : '';
  }
}
