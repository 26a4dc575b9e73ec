/*
 * form-draft.js — the draft of a form kept in sessionStorage, so that a reload loses nothing:
 * the step, the values, and the attached files (base64, while they fit: sessionStorage holds a
 * few megabytes; a file that does not fit is named so that the page asks for it again). The
 * draft belongs to the tab and disappears with it; it is removed once the request is filed.
 * The receipt of a filed request is kept the same way, so that a reload shows it again.
 */
import { UID } from './form-model.js';

const FILE_BUDGET = 3 * 1024 * 1024;      /* characters of base64 kept in all */

function draftKey(id) {
  return `geodir-draft:${id}`;
}

function receiptKey(id) {
  return `geodir-receipt:${id}`;
}

function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(b64) {
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++)
    bytes[i] = text.charCodeAt(i);
  return bytes;
}

const MIME = { pdf: 'application/pdf', jpeg: 'image/jpeg', png: 'image/png' };

/* Saves the draft; files: key → [{ file, name, size, type, b64? }] (b64 filled here once).
 * wanted() is asked again before writing (reading the files takes time). */
export async function saveDraft(def, state, wanted = () => true) {
  let budget = FILE_BUDGET;
  const files = {};
  for (const [key, list] of Object.entries(state.files)) {
    files[key] = [];
    for (const entry of list) {
      if (entry.b64 === undefined && entry.size <= budget)
        entry.b64 = toBase64(await entry.file.arrayBuffer());
      const keep = entry.b64 !== undefined && entry.b64.length <= budget;
      if (keep)
        budget -= entry.b64.length;
      files[key].push({ name: entry.name, size: entry.size, type: entry.type, b64: keep ? entry.b64 : null });
    }
  }
  const draft = { version: def.version, step: state.step, values: state.values, files };
  if (!wanted())
    return;
  try {
    sessionStorage.setItem(draftKey(def.id), JSON.stringify(draft));
  } catch {
    /* storage full or refused: keep the values at least */
    try {
      sessionStorage.setItem(draftKey(def.id), JSON.stringify({ ...draft, files: {} }));
    } catch {
      /* nothing more to do: the form still works, without a draft */
    }
  }
}

/* { step, values, files, lost: [file names not kept] } or null (none, or another version). */
export function loadDraft(def) {
  let draft;
  try {
    draft = JSON.parse(sessionStorage.getItem(draftKey(def.id)) || 'null');
  } catch {
    draft = null;
  }
  if (!draft || draft.version !== def.version || typeof draft.values !== 'object')
    return null;
  const files = {};
  const lost = [];
  for (const [key, list] of Object.entries(draft.files || {})) {
    files[key] = [];
    for (const f of Array.isArray(list) ? list : []) {
      if (typeof f.b64 !== 'string') {
        lost.push(f.name);
        continue;
      }
      const file = new File([fromBase64(f.b64)], f.name, { type: MIME[f.type] || '' });
      files[key].push({ file, name: f.name, size: f.size, type: f.type, b64: f.b64 });
    }
  }
  return { step: Number.isInteger(draft.step) ? draft.step : 0, values: draft.values, files, lost };
}

export function clearDraft(id) {
  try {
    sessionStorage.removeItem(draftKey(id));
  } catch {
    /* nothing stored */
  }
}

export function saveReceipt(id, receipt) {
  try {
    sessionStorage.setItem(receiptKey(id), JSON.stringify(receipt));
  } catch {
    /* the receipt is on screen; only a reload would lose it */
  }
}

export function loadReceipt(id) {
  try {
    const r = JSON.parse(sessionStorage.getItem(receiptKey(id)) || 'null');
    return r && typeof r.code === 'string' && typeof r.token === 'string' ? r : null;
  } catch {
    return null;
  }
}

export function clearReceipt(id) {
  try {
    sessionStorage.removeItem(receiptKey(id));
  } catch {
    /* nothing stored */
  }
}

/* Gives every repeat item of values a uid (drafts and prefilled values). */
export function ensureUids(fields, values, newUid) {
  for (const field of fields) {
    if (field.type !== 'repeat' || !Array.isArray(values[field.id]))
      continue;
    for (const item of values[field.id]) {
      if (!item[UID])
        item[UID] = newUid();
      ensureUids(field.fields || [], item, newUid);
    }
  }
}
