/*
 * form-draft.js — the draft of a form kept in sessionStorage, so that a reload loses nothing:
 * the step, the values, and the attached files (base64, while they fit: sessionStorage holds a
 * few megabytes; a file that does not fit is named so that the page asks for it again). The
 * draft belongs to the tab and disappears with it; it is removed once the request is filed.
 * The receipt of a filed request is kept the same way, so that a reload shows it again.
 *
 * A request sent without a network is queued in localStorage (it must outlive the tab: the
 * page sends it when the network returns or when it is opened again): the values and files as
 * the submission carries them, and `sending` while a POST is under way. One queued request per
 * form; it is removed only when the server has answered (docs/forms.md §1.6).
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

/* --- the offline queue ------------------------------------------------------------------------ */

function queueKey(id) {
  return `geodir-outbox:${id}`;
}

/* Queues a submission (values as sent, files: [{ path, file }], and the page's values to edit
 * it again); false when it cannot be kept (files over the budget, storage full or refused). */
export async function queueSubmission(def, values, files, draftValues) {
  let budget = FILE_BUDGET;
  const kept = [];
  for (const { path, file } of files) {
    if (file.size * 4 / 3 > budget)
      return false;
    const b64 = toBase64(await file.arrayBuffer());
    budget -= b64.length;
    kept.push({ path, name: file.name, mime: file.type, b64 });
  }
  const entry = { form: def.id, version: def.version, title: def.title, values, files: kept, draft_values: draftValues,
                  queued_at: new Date().toISOString(), sending: null };
  try {
    localStorage.setItem(queueKey(def.id), JSON.stringify(entry));
    return true;
  } catch {
    return false;
  }
}

/* The queued submission of form id ({ form, values, files, queued_at, sending, title }), or null. */
export function loadQueued(id) {
  try {
    const entry = JSON.parse(localStorage.getItem(queueKey(id)) || 'null');
    return entry && entry.form === id && typeof entry.values === 'object' ? entry : null;
  } catch {
    return null;
  }
}

/* The files of a queued submission, as submissionFiles() gives them: [{ path, file }]. */
export function queuedFiles(entry) {
  return (entry.files || []).map((f) => ({ path: f.path, file: new File([fromBase64(f.b64)], f.name, { type: f.mime || '' }) }));
}

/* Notes that a POST of the queued submission starts (at: ISO time), or that the server did not
 * receive it (null): a mark left means the outcome is unknown. */
export function markSending(id, at) {
  const entry = loadQueued(id);
  if (!entry)
    return;
  entry.sending = at;
  try {
    localStorage.setItem(queueKey(id), JSON.stringify(entry));
  } catch {
    /* the mark is only informative */
  }
}

export function clearQueued(id) {
  try {
    localStorage.removeItem(queueKey(id));
  } catch {
    /* nothing stored */
  }
}

/* Runs fn() unless another tab is sending the queued submission of form id (Web Locks where the
 * browser has them; else fn() runs: the page itself never sends twice at once). */
export function withSendLock(id, fn) {
  if (!navigator.locks || typeof navigator.locks.request !== 'function')
    return fn();
  return navigator.locks.request(queueKey(id), { ifAvailable: true }, (lock) => (lock ? fn() : null));
}
