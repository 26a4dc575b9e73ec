/*
 * form-render.js — renders the fields of any form definition (docs/forms.md §1.1) as
 * accessible HTML (RGAA 4.1 AA): a label for every input, fieldset and legend for radio and
 * checkbox sets, yes/no questions and repeat blocks, "(obligatoire)" in the text of required
 * labels, autocomplete tokens, help and error texts tied by aria-describedby, fields shown and
 * hidden live by their show_if conditions, repeat blocks with add/remove buttons (focus moved
 * and the change announced), the address field as a combobox over the platform's geocoder
 * (/api/search/, BAN-compatible; combobox.js), place fields listing the directory's places
 * (/api/places), and file inputs that check the type of a file by its first bytes.
 *
 * The renderer writes into the state it is given ({ values, files }) and calls onChange after
 * every change; the page (form-page.js) keeps the draft and runs the checks.
 */
import { Combobox } from './combobox.js';
import { h } from './dom.js';
import {
  DEFAULT_MAX_SIZE, FILE_TYPES, UID, acceptText, domId, fileAccept, frenchDate, isShown, newUid,
  parseFrenchDate, sizeText, sniffFile,
} from './form-model.js';

const TYPE_WORDS = { housenumber: 'adresse', street: 'rue', locality: 'lieu-dit', municipality: 'commune' };

function requiredMark(field) {
  return field.required && field.type !== 'checkbox'
    ? h('span', { class: 'required' }, ' (obligatoire)') : null;
}

export class FormRenderer {
  /*
   * options: { state: { values, files }, onChange(), announce(text), topFields }
   * state.files: key → [{ file, name, size, type }] (key: field id, or "<item uid>.<id>").
   */
  constructor(options) {
    this.state = options.state;
    this.onChange = options.onChange;
    this.announce = options.announce;
    this.topFields = options.topFields;
    this.conditionals = [];            /* [{ el, field, scopes }] re-checked after each change */
    this.placeLists = new Map();       /* category → Promise of features */
  }

  /* Renders fields (a page's) into container. */
  render(fields, container) {
    this.conditionals = [];
    const scopes = [{ fields: this.topFields, values: this.state.values }];
    container.replaceChildren(...this.renderList(fields, scopes, '', 3));
    this.refresh();
  }

  renderList(fields, scopes, prefix, level) {
    return fields.map((field) => {
      const path = prefix ? `${prefix}.${field.id}` : field.id;
      const el = this.renderField(field, scopes, path, level);
      el.dataset.path = path;
      el.dataset.type = field.type;
      if (field.show_if)
        this.conditionals.push({ el, field, scopes });
      return el;
    });
  }

  /* Shows and hides the conditional fields after a change (live, no reload). */
  refresh() {
    for (const { el, field, scopes } of this.conditionals) {
      const shown = isShown(field, scopes);
      if (el.hidden === shown)
        el.hidden = !shown;
    }
  }

  changed() {
    this.refresh();
    this.onChange();
  }

  renderField(field, scopes, path, level) {
    switch (field.type) {
    case 'section':
      return h('div', { class: 'form-section' },
        h(`h${level}`, {}, field.label || ''),
        field.help ? h('p', { class: 'help' }, field.help) : null);
    case 'info':
      return h('p', { class: 'form-info' }, field.label || '');
    case 'choice':
      return field.display === 'select' ? this.selectField(field, scopes, path)
        : this.optionSet(field, scopes, path, 'radio');
    case 'multichoice':
      return this.optionSet(field, scopes, path, 'checkbox');
    case 'yesno':
      return this.optionSet({ ...field, options: [{ value: true, label: 'Oui' }, { value: false, label: 'Non' }] },
                            scopes, path, 'radio');
    case 'checkbox':
      return this.checkboxField(field, scopes, path);
    case 'address':
      return this.addressField(field, scopes, path);
    case 'place':
      return field.category ? this.placeSelect(field, scopes, path) : this.placeSearch(field, scopes, path);
    case 'repeat':
      return this.repeatField(field, scopes, path, level);
    case 'file':
      return this.fileField(field, scopes, path);
    default:
      return this.inputField(field, scopes, path);
    }
  }

  /* The help and error paragraphs of a field, and the ids for aria-describedby. */
  extras(field, path) {
    const id = domId(path);
    const help = field.help ? h('p', { class: 'help', id: `${id}-help` }, field.help) : null;
    const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
    return { id, help, error, describedBy: help ? `${id}-help` : '' };
  }

  setValue(scopes, field, value) {
    scopes[0].values[field.id] = value;
    this.changed();
  }

  inputField(field, scopes, path) {
    const x = this.extras(field, path);
    const value = scopes[0].values[field.id];
    const attrs = {
      id: x.id, name: x.id, 'aria-describedby': x.describedBy || null,
      autocomplete: field.autocomplete || null, required: field.required || null,
    };
    let input;
    let format = null;
    if (field.type === 'date') {
      /* A text field in the French order, not the browser's date picker, whose order follows
       * the browser's language and whose keyboard use varies. */
      format = h('p', { class: 'help', id: `${x.id}-format` }, 'Format attendu : jj/mm/aaaa, par exemple 15/03/2019.');
      attrs['aria-describedby'] = [format.id, x.describedBy].filter(Boolean).join(' ');
    }
    if (field.type === 'textarea') {
      input = h('textarea', { ...attrs, rows: 5, maxlength: field.max_length || 4000 });
    } else {
      const type = { email: 'email', phone: 'tel' }[field.type] || 'text';
      input = h('input', { ...attrs, type, spellcheck: field.type === 'text' ? null : 'false' });
      if (field.type === 'integer' || field.type === 'date')
        input.setAttribute('inputmode', 'numeric');
      if (field.type === 'text')
        input.setAttribute('maxlength', String(field.max_length || 200));
      if (field.type === 'date')
        input.setAttribute('maxlength', '10');
    }
    const shown = value === undefined || value === null ? '' : String(value);
    input.value = field.type === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(shown) ? frenchDate(shown) : shown;
    input.addEventListener('input', () => this.setValue(scopes, field,
      field.type === 'date' ? parseFrenchDate(input.value) : input.value));
    return h('div', { class: 'form-field' },
      h('label', { for: x.id }, field.label, requiredMark(field)), x.help, format, x.error, input);
  }

  selectField(field, scopes, path) {
    const x = this.extras(field, path);
    const select = h('select', { id: x.id, name: x.id, 'aria-describedby': x.describedBy || null,
                                 required: field.required || null },
      h('option', { value: '' }, 'Choisissez dans la liste'),
      ...(field.options || []).map((o) => h('option', { value: o.value }, o.label)));
    select.value = scopes[0].values[field.id] || '';
    select.addEventListener('change', () => this.setValue(scopes, field, select.value || undefined));
    return h('div', { class: 'form-field' },
      h('label', { for: x.id }, field.label, requiredMark(field)), x.help, x.error, select);
  }

  /* Radio buttons (choice, yes/no) or checkboxes (multiple choice) in a fieldset. */
  optionSet(field, scopes, path, kind) {
    const x = this.extras(field, path);
    const current = scopes[0].values[field.id];
    const boxes = (field.options || []).map((o, i) => {
      const id = `${x.id}-${i}`;
      const checked = kind === 'radio' ? current === o.value
        : Array.isArray(current) && current.includes(o.value);
      const input = h('input', { type: kind, id, name: x.id, value: String(o.value), checked: checked || null });
      input.addEventListener('change', () => {
        if (kind === 'radio') {
          this.setValue(scopes, field, o.value);
          return;
        }
        const set = new Set(Array.isArray(scopes[0].values[field.id]) ? scopes[0].values[field.id] : []);
        if (input.checked)
          set.add(o.value);
        else
          set.delete(o.value);
        /* keep the definition's order */
        this.setValue(scopes, field, field.options.map((p) => p.value).filter((v) => set.has(v)));
      });
      return h('div', { class: 'choice' }, input, h('label', { for: id }, o.label));
    });
    const fieldset = h('fieldset', { class: `form-field form-set${field.type === 'yesno' ? ' yesno' : ''}`,
                                     id: x.id, 'aria-describedby': x.describedBy || null,
                                     tabindex: '-1' },
      h('legend', {}, field.label, requiredMark(field)), x.help, x.error, ...boxes);
    return fieldset;
  }

  checkboxField(field, scopes, path) {
    const x = this.extras(field, path);
    const input = h('input', { type: 'checkbox', id: x.id, name: x.id,
                               checked: scopes[0].values[field.id] === true || null,
                               required: field.required || null,
                               'aria-describedby': x.describedBy || null });
    input.addEventListener('change', () => this.setValue(scopes, field, input.checked));
    return h('div', { class: 'form-field form-check' }, x.error,
      h('div', { class: 'choice' }, input,
        h('label', { for: x.id }, field.label, field.required ? h('span', { class: 'required' }, ' (obligatoire)') : null)),
      x.help);
  }

  /* The parts of a field whose value is chosen among suggestions (combobox.js): the input, its
   * list, its status region, the sentence saying what was chosen, and the whole field. */
  comboParts(field, path, listLabel, how) {
    const x = this.extras(field, path);
    const input = h('input', { id: x.id, type: 'text', maxlength: 200, spellcheck: 'false',
                               'aria-describedby': [`${x.id}-how`, x.describedBy].filter(Boolean).join(' '),
                               required: field.required || null });
    const list = h('ul', { id: `${x.id}-list`, class: 'suggestions', 'aria-label': listLabel });
    const status = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
    const chosen = h('p', { class: 'address-chosen' });
    const box = h('div', { class: 'form-field field-address' },
      h('label', { for: x.id }, field.label, requiredMark(field)),
      h('p', { class: 'help', id: `${x.id}-how` }, how), x.help, x.error,
      h('div', { class: 'combobox' }, input, list), status, chosen);
    return { input, list, status, chosen, box };
  }

  /* An address chosen among the geocoder's suggestions: sets INSEE code and commune. */
  addressField(field, scopes, path) {
    const { input, list, status, chosen, box } = this.comboParts(field, path, 'Adresses suggérées',
      'Des adresses sont suggérées à partir de 3 caractères : flèches haut et bas pour les parcourir, Entrée pour choisir.');
    const value = scopes[0].values[field.id];
    const showChosen = (v) => {
      chosen.textContent = v && v.citycode ? `Adresse retenue : ${v.label} (commune : ${v.city}).` : '';
    };
    if (value && value.label)
      input.value = value.label;
    showChosen(value);
    new Combobox(input, list, status, {         // eslint-disable-line no-new
      minLength: 3,
      suggest: async (text, signal) => {
        const url = `/api/search/?q=${encodeURIComponent(text.slice(0, 200))}&limit=6`;
        const r = await fetch(url, { headers: { Accept: 'application/json' }, signal });
        if (!r.ok)
          return [];
        const body = await r.json();
        return Array.isArray(body.features) ? body.features : [];
      },
      describe: (f) => ({ label: f.properties.label,
                          detail: TYPE_WORDS[f.properties.type] || '', kind: 'address' }),
      choose: (f) => {
        const p = f.properties;
        const [lon, lat] = f.geometry && Array.isArray(f.geometry.coordinates) ? f.geometry.coordinates : [null, null];
        const v = { label: p.label, housenumber: p.housenumber || '', street: p.street || p.name || '',
                    postcode: p.postcode || '', citycode: p.citycode || '', city: p.city || '', lon, lat };
        input.value = p.label;
        showChosen(v);
        this.setValue(scopes, field, v);
        this.announce(`Adresse retenue : ${p.label}.`);
      },
    });
    if (field.autocomplete)
      input.setAttribute('autocomplete', field.autocomplete);
    input.addEventListener('input', () => {
      const v = scopes[0].values[field.id];
      if (v && v.label === input.value)
        return;
      showChosen(null);
      this.setValue(scopes, field, input.value.trim() === '' ? null : false);
    });
    return box;
  }

  /* The places of a category, fetched once per category. */
  places(category) {
    if (!this.placeLists.has(category)) {
      const url = `/api/places?category=${encodeURIComponent(category)}&sort=name&limit=500` +
        '&properties=name,insee,commune,category';
      this.placeLists.set(category, fetch(url, { headers: { Accept: 'application/geo+json' } })
        .then((r) => (r.ok ? r.json() : { features: [] }))
        .then((b) => (Array.isArray(b.features) ? b.features : []))
        .catch(() => []));
    }
    return this.placeLists.get(category);
  }

  /* The commune (INSEE code, name) of the address field named by commune_from, if chosen. */
  communeFrom(field, scopes) {
    if (!field.commune_from)
      return null;
    for (const scope of scopes) {
      const v = scope.values[field.commune_from];
      if (v && typeof v === 'object' && v.citycode)
        return { insee: v.citycode, name: v.city || v.citycode };
    }
    return null;
  }

  /* A place of a category: a list, the places of the address's commune first. */
  placeSelect(field, scopes, path) {
    const x = this.extras(field, path);
    const select = h('select', { id: x.id, name: x.id, 'aria-describedby': x.describedBy || null,
                                 required: field.required || null, 'aria-busy': 'true' },
      h('option', { value: '' }, 'Chargement de la liste…'));
    const fill = async () => {
      const features = await this.places(field.category);
      const current = scopes[0].values[field.id] || '';
      const home = this.communeFrom(field, scopes);
      const option = (f) => h('option', { value: String(f.id) },
        `${f.properties.name}${f.properties.commune ? ` — ${f.properties.commune}` : ''}`);
      const near = home ? features.filter((f) => f.properties.insee === home.insee) : [];
      const others = home ? features.filter((f) => f.properties.insee !== home.insee) : features;
      const groups = [];
      if (near.length)
        groups.push(h('optgroup', { label: `À ${home.name}` }, ...near.map(option)));
      if (others.length)
        groups.push(near.length ? h('optgroup', { label: 'Dans les autres communes' }, ...others.map(option))
          : others.map(option));
      select.replaceChildren(h('option', { value: '' }, features.length ? 'Choisissez dans la liste'
        : 'Aucun lieu disponible'), ...groups.flat());
      select.value = current;
      select.removeAttribute('aria-busy');
    };
    fill();
    select.addEventListener('change', () => this.setValue(scopes, field, select.value || undefined));
    return h('div', { class: 'form-field' },
      h('label', { for: x.id }, field.label, requiredMark(field)), x.help, x.error, select);
  }

  /* Any place of the directory: searched by name (the directory is too large for a list). */
  placeSearch(field, scopes, path) {
    const { input, list, status, chosen, box } = this.comboParts(field, path, 'Lieux suggérés',
      'Tapez au moins 2 caractères du nom : flèches haut et bas pour parcourir les lieux suggérés, Entrée pour choisir.');
    const show = (name) => { chosen.textContent = name ? `Lieu retenu : ${name}.` : ''; };
    let chosenName = '';
    const id = scopes[0].values[field.id];
    if (id) {
      fetch(`/api/places/${encodeURIComponent(id)}`, { headers: { Accept: 'application/geo+json' } })
        .then((r) => (r.ok ? r.json() : null))
        .then((f) => {
          if (f && f.properties && scopes[0].values[field.id] === id) {
            chosenName = [f.properties.name, f.properties.commune].filter(Boolean).join(' — ');
            input.value = chosenName;
            show(chosenName);
          }
        })
        .catch(() => {});
    }
    new Combobox(input, list, status, {         // eslint-disable-line no-new
      suggest: async (text, signal) => {
        const r = await fetch(`/api/places?q=${encodeURIComponent(text.slice(0, 200))}&limit=8` +
                              '&properties=name,commune,category_label', { headers: { Accept: 'application/geo+json' }, signal });
        if (!r.ok)
          return [];
        const body = await r.json();
        return Array.isArray(body.features) ? body.features : [];
      },
      describe: (f) => ({ label: f.properties.name || '?', kind: 'place',
                          detail: [f.properties.category_label, f.properties.commune].filter(Boolean).join(' · ') }),
      choose: (f) => {
        chosenName = [f.properties.name, f.properties.commune].filter(Boolean).join(' — ');
        input.value = chosenName;
        show(chosenName);
        this.setValue(scopes, field, String(f.id));
        this.announce(`Lieu retenu : ${chosenName}.`);
      },
    });
    input.addEventListener('input', () => {
      if (chosenName && input.value === chosenName)
        return;
      chosenName = '';
      show('');
      this.setValue(scopes, field, undefined);
    });
    return box;
  }

  /* --- repeat blocks ----------------------------------------------------------------------- */

  repeatField(field, scopes, path, level) {
    const x = this.extras(field, path);
    const values = scopes[0].values;
    if (!Array.isArray(values[field.id]))
      values[field.id] = [];
    const items = values[field.id];
    const min = Number.isInteger(field.min_items) ? field.min_items : 0;
    while (items.length < Math.max(min, 0))
      items.push({ [UID]: newUid() });
    const body = h('div', { class: 'repeat-items' });
    const label = field.item_label || 'Élément';
    const add = h('button', { type: 'button', class: 'button-secondary repeat-add' }, `Ajouter « ${label} »`);
    const box = h('fieldset', { class: 'form-field repeat', id: x.id, tabindex: '-1',
                                'aria-describedby': x.describedBy || null },
      h('legend', {}, field.label, requiredMark(field)), x.help, x.error, body, add);

    const draw = (focusIndex) => {
      this.conditionals = this.conditionals.filter((c) => !body.contains(c.el));
      body.replaceChildren(...items.map((item, i) => this.repeatItem(field, scopes, item, i, items, level, draw)));
      const max = Number.isInteger(field.max_items) ? field.max_items : Infinity;
      add.hidden = items.length >= max;
      this.refresh();
      if (focusIndex === 'add')
        add.focus();
      else if (Number.isInteger(focusIndex)) {
        const legend = body.querySelectorAll(':scope > fieldset')[focusIndex];
        if (legend)
          legend.focus();
      }
    };
    add.addEventListener('click', () => {
      items.push({ [UID]: newUid() });
      draw(items.length - 1);
      this.announce(`Bloc « ${label} ${items.length} » ajouté.`);
      this.onChange();
    });
    draw(null);
    return box;
  }

  repeatItem(field, scopes, item, i, items, level, draw) {
    const label = field.item_label || 'Élément';
    const itemScopes = [{ fields: field.fields || [], values: item }, ...scopes];
    const prefix = `${field.id}[${i}]`;
    const min = Number.isInteger(field.min_items) ? field.min_items : 0;
    const legendId = `${domId(prefix)}-legend`;
    const set = h('fieldset', { class: 'repeat-item', tabindex: '-1', 'aria-labelledby': legendId },
      h('legend', { id: legendId }, `${label} ${i + 1}`),
      ...this.renderList(field.fields || [], itemScopes, prefix, Math.min(level + 1, 6)));
    if (items.length > min) {
      const remove = h('button', { type: 'button', class: 'button-secondary repeat-remove' },
        `Retirer « ${label} ${i + 1} »`);
      remove.addEventListener('click', () => {
        for (const key of Object.keys(this.state.files))
          if (key.startsWith(`${item[UID]}.`))
            delete this.state.files[key];
        items.splice(i, 1);
        draw(items.length === 0 ? 'add' : Math.min(i, items.length - 1));
        this.announce(`Bloc « ${label} ${i + 1} » retiré. ${items.length} bloc${items.length > 1 ? 's' : ''} « ${label} ».`);
        this.onChange();
      });
      set.append(remove);
    }
    return set;
  }

  /* --- attachments ----------------------------------------------------------------------- */

  fileField(field, scopes, path) {
    const x = this.extras(field, path);
    const key = scopes.length > 1 ? `${scopes[0].values[UID]}.${field.id}` : field.id;
    const maxFiles = Number.isInteger(field.max_files) ? field.max_files : 1;
    const maxSize = Number.isInteger(field.max_size) ? field.max_size : DEFAULT_MAX_SIZE;
    const kinds = fileAccept(field);
    const accept = kinds.flatMap((k) => FILE_TYPES[k].accept).join(',');
    const rule = h('p', { class: 'help', id: `${x.id}-rule` },
      `Format ${acceptText(field)}, ${sizeText(maxSize)} au plus${maxFiles > 1 ? ` par fichier, ${maxFiles} fichiers au plus` : ''}.`);
    const input = h('input', { type: 'file', id: x.id, name: x.id, accept,
                               multiple: maxFiles > 1 || null,
                               'aria-describedby': [`${x.id}-rule`, x.describedBy].filter(Boolean).join(' ') });
    const list = h('ul', { class: 'file-list', 'aria-label': `Fichiers joints : ${field.label}` });
    const draw = () => {
      const files = this.state.files[key] || [];
      list.replaceChildren(...files.map((f, i) => {
        const remove = h('button', { type: 'button', class: 'button-link' }, `Retirer « ${f.name} »`);
        remove.addEventListener('click', () => {
          files.splice(i, 1);
          draw();
          this.announce(`Fichier « ${f.name} » retiré.`);
          this.onChange();
          input.focus();
        });
        return h('li', {}, h('span', {}, `${f.name} (${sizeText(f.size)})`), ' ', remove);
      }));
      list.hidden = files.length === 0;
    };
    input.addEventListener('change', async () => {
      const chosen = Array.from(input.files || []);
      input.value = '';
      const files = this.state.files[key] || (this.state.files[key] = []);
      const refused = [];
      for (const file of chosen) {
        const type = await sniffFile(file);
        if (!type || !kinds.includes(type))
          refused.push(`« ${file.name} » n’est pas un fichier ${acceptText(field)}`);
        else if (file.size > maxSize)
          refused.push(`« ${file.name} » dépasse ${sizeText(maxSize)}`);
        else if (files.length >= maxFiles)
          refused.push(`« ${file.name} » n’a pas été ajouté : ${maxFiles} fichier${maxFiles > 1 ? 's' : ''} au plus`);
        else
          files.push({ file, name: file.name, size: file.size, type });
      }
      draw();
      const added = chosen.length - refused.length;
      this.announce([added > 0 ? `${added} fichier${added > 1 ? 's' : ''} joint${added > 1 ? 's' : ''}.` : '',
                     refused.length ? `${refused.join(' ; ')}.` : ''].filter(Boolean).join(' '));
      this.onChange(refused.length ? { path, message: `${refused.join(' ; ')}.` } : { path, message: '' });
    });
    draw();
    return h('div', { class: 'form-field field-file' },
      h('label', { for: x.id }, field.label, requiredMark(field)), x.help, rule, x.error, input, list);
  }
}

/* Shows (or clears, with message '') the error of the field at path inside root. */
export function showFieldError(root, path, message) {
  const id = domId(path);
  const error = root.querySelector(`#${CSS.escape(id)}-error`);
  const target = root.querySelector(`#${CSS.escape(id)}`);
  if (!error || !target)
    return false;
  error.replaceChildren();
  if (message)
    error.append(h('span', { class: 'error-prefix' }, 'Erreur : '), message);
  error.hidden = !message;
  const ids = (target.getAttribute('aria-describedby') || '').split(/\s+/).filter((s) => s && s !== error.id);
  if (message)
    ids.unshift(error.id);
  if (ids.length)
    target.setAttribute('aria-describedby', ids.join(' '));
  else
    target.removeAttribute('aria-describedby');
  const inputs = target.matches('fieldset') ? target.querySelectorAll(':scope > .choice input') : [target];
  for (const input of inputs) {
    if (message)
      input.setAttribute('aria-invalid', 'true');
    else
      input.removeAttribute('aria-invalid');
  }
  return true;
}

/* The element to focus for the field at path (its input, or the first of a set). */
export function focusTarget(root, path) {
  const el = root.querySelector(`#${CSS.escape(domId(path))}`);
  if (!el)
    return null;
  if (el.matches('fieldset.form-set')) {
    const checked = el.querySelector(':scope > .choice input:checked');
    return checked || el.querySelector(':scope > .choice input') || el;
  }
  return el;
}
