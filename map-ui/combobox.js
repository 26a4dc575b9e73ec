/*
 * combobox.js — an editable combobox with a list of suggestions, after the WAI-ARIA APG
 * pattern "combobox with list autocomplete": the <input role="combobox"> keeps the focus, the
 * <ul role="listbox"> shows the suggestions, aria-expanded says whether it is open and
 * aria-activedescendant names the option the arrows reached (aria-selected="true" on it).
 *
 * Keys: ↓ / ↑ move through the suggestions (and open the list), Entrée chooses the active one
 * (without one, the form is submitted as usual), Échap closes the list (a second Échap empties
 * the field), Tab closes it. A click chooses an option. Suggestions are asked after a short
 * pause in typing; an answer to older text is dropped. Texts are French; nothing from the
 * server reaches the DOM as HTML.
 */

const DEBOUNCE_MS = 150;

export class Combobox {
  /*
   * input, listbox, hint: the elements (hint: a role="status" element for the count).
   * options:
   *   suggest(text, signal) -> Promise<array of items>   (may throw; AbortError is ignored)
   *   describe(item) -> { label, detail, kind }            (strings shown in an option)
   *   choose(item)                                         (an option was chosen)
   *   minLength                                            (characters before asking, default 2)
   */
  constructor(input, listbox, hint, options) {
    this.input = input;
    this.listbox = listbox;
    this.hint = hint;
    this.options = options;
    this.minLength = options.minLength || 2;
    this.items = [];
    this.active = -1;
    this.timer = null;
    this.controller = null;
    this.seq = 0;

    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', listbox.id);
    input.setAttribute('autocomplete', 'off');
    listbox.setAttribute('role', 'listbox');
    listbox.hidden = true;

    input.addEventListener('input', () => this.schedule());
    input.addEventListener('keydown', (e) => this.onKey(e));
    input.addEventListener('blur', () => {
      /* a click on an option happens after mousedown kept the focus; any other blur closes */
      setTimeout(() => { if (document.activeElement !== input) this.close(); }, 0);
    });
    listbox.addEventListener('mousedown', (e) => e.preventDefault());
    listbox.addEventListener('click', (e) => {
      const li = e.target.closest('[role="option"]');
      if (li && listbox.contains(li))
        this.choose(Number(li.dataset.index));
    });
  }

  isOpen() {
    return this.input.getAttribute('aria-expanded') === 'true';
  }

  schedule() {
    clearTimeout(this.timer);
    const text = this.input.value;
    if (text.trim().length < this.minLength) {
      this.cancel();
      this.setItems([]);
      return;
    }
    this.timer = setTimeout(() => this.fetch(text), DEBOUNCE_MS);
  }

  cancel() {
    if (this.controller)
      this.controller.abort();
    this.controller = null;
    this.seq += 1;
  }

  async fetch(text) {
    this.cancel();
    const controller = new AbortController();
    this.controller = controller;
    const seq = this.seq;
    let items;
    try {
      items = await this.options.suggest(text, controller.signal);
    } catch (e) {
      if (controller.signal.aborted || seq !== this.seq)
        return;
      items = [];
    }
    if (seq !== this.seq || this.input.value !== text)
      return;
    this.setItems(Array.isArray(items) ? items : []);
  }

  setItems(items) {
    this.items = items;
    this.active = -1;
    const nodes = items.map((item, i) => {
      const d = this.options.describe(item);
      const li = document.createElement('li');
      li.id = `${this.listbox.id}-${i}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      li.dataset.index = String(i);
      li.dataset.kind = d.kind || '';
      const label = document.createElement('span');
      label.className = 'option-label';
      label.textContent = d.label;
      const detail = document.createElement('span');
      detail.className = 'option-detail';
      detail.textContent = d.detail ? ` — ${d.detail}` : '';
      li.append(label, detail);
      return li;
    });
    this.listbox.replaceChildren(...nodes);
    this.input.removeAttribute('aria-activedescendant');
    if (items.length > 0) {
      this.open();
      this.hint.textContent = items.length > 1
        ? `${items.length} suggestions. Flèches haut et bas pour les parcourir, Entrée pour choisir.`
        : '1 suggestion. Flèche bas pour l’atteindre, Entrée pour la choisir.';
    } else {
      this.close();
      this.hint.textContent = this.input.value.trim().length >= this.minLength
        ? 'Aucune suggestion. Entrée pour rechercher ce texte.' : '';
    }
  }

  open() {
    this.listbox.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
  }

  close() {
    this.listbox.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
    this.setActive(-1);
  }

  setActive(index) {
    const options = this.listbox.querySelectorAll('[role="option"]');
    options.forEach((li, i) => li.setAttribute('aria-selected', i === index ? 'true' : 'false'));
    this.active = index;
    if (index >= 0 && options[index]) {
      this.input.setAttribute('aria-activedescendant', options[index].id);
      options[index].scrollIntoView({ block: 'nearest' });
    } else {
      this.input.removeAttribute('aria-activedescendant');
    }
  }

  move(delta) {
    if (this.items.length === 0)
      return;
    if (!this.isOpen())
      this.open();
    const n = this.items.length;
    const next = this.active < 0 ? (delta > 0 ? 0 : n - 1) : (this.active + delta + n) % n;
    this.setActive(next);
  }

  choose(index) {
    const item = this.items[index];
    if (!item)
      return;
    this.cancel();
    clearTimeout(this.timer);
    this.close();
    this.hint.textContent = '';
    this.options.choose(item);
  }

  /* Empties the field and the suggestions (after a search was started from them). */
  clear() {
    this.cancel();
    clearTimeout(this.timer);
    this.input.value = '';
    this.setItems([]);
    this.hint.textContent = '';
  }

  onKey(e) {
    switch (e.key) {
    case 'ArrowDown':
      e.preventDefault();
      this.move(1);
      break;
    case 'ArrowUp':
      e.preventDefault();
      this.move(-1);
      break;
    case 'Enter':
      if (this.isOpen() && this.active >= 0) {
        e.preventDefault();
        this.choose(this.active);
      } else {
        this.cancel();
        clearTimeout(this.timer);
        this.close();           /* the form is submitted: a search for the text */
      }
      break;
    case 'Escape':
      /* closes the list; never erases what was typed (a resident pressing Échap to dismiss
       * something else lost their search: issue 14) */
      if (this.isOpen()) {
        e.preventDefault();
        this.close();
      }
      break;
    case 'Tab':
      this.close();
      break;
    default:
      break;
    }
  }
}
