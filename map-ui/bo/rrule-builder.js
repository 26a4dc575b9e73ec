/*
 * rrule-builder.js — the recurrence of an event as the agent builds it in the « Vie locale »
 * editor (life-editor.js; docs/vie-locale.md §3 and §7), to and from the RRULE subset of
 * life/life_rrule.h: « chaque semaine le samedi » (FREQ=WEEKLY;BYDAY=SA), « toutes les deux
 * semaines le mardi et le jeudi » (FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH), « le premier mardi du
 * mois » (FREQ=MONTHLY;BYDAY=1TU), « le dernier vendredi du mois » (BYDAY=-1FR), « le 15 de
 * chaque mois » (BYMONTHDAY=15), « chaque jour », « chaque année », ending never, on a date
 * (UNTIL=YYYYMMDD) or after n times (COUNT). Pure functions, no DOM. A rule the builder cannot
 * show (written elsewhere) parses to { freq: 'custom', raw } and is sent back unchanged.
 */

export const DAYS = [['MO', 'lundi'], ['TU', 'mardi'], ['WE', 'mercredi'], ['TH', 'jeudi'],
                     ['FR', 'vendredi'], ['SA', 'samedi'], ['SU', 'dimanche']];
export const NTHS = [[1, 'premier'], [2, 'deuxième'], [3, 'troisième'], [4, 'quatrième'], [-1, 'dernier']];
const DAY_NAME = Object.fromEntries(DAYS);
const DAY_ORDER = DAYS.map(([c]) => c);

/* The empty spec (no recurrence). */
export function emptySpec() {
  return { freq: '', interval: 1, days: [], nth: 1, nthDay: 'MO', monthDay: 1, end: 'never',
           until: '', count: 10, raw: '' };
}

/** The RRULE of a spec ('' without recurrence), or throws an Error with a French message. */
export function buildRrule(s) {
  if (!s.freq)
    return '';
  if (s.freq === 'custom')
    return s.raw;
  const interval = Number(s.interval) || 1;
  if (!Number.isInteger(interval) || interval < 1 || interval > 366)
    throw new Error('L’intervalle doit être un nombre entier entre 1 et 366.');
  const parts = [`FREQ=${s.freq.startsWith('MONTHLY') ? 'MONTHLY' : s.freq}`];
  if (interval > 1)
    parts.push(`INTERVAL=${interval}`);
  if (s.end === 'count') {
    const n = Number(s.count);
    if (!Number.isInteger(n) || n < 1 || n > 1000)
      throw new Error('Le nombre de fois doit être un nombre entier entre 1 et 1000.');
    parts.push(`COUNT=${n}`);
  } else if (s.end === 'until') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(s.until))
      throw new Error('Indiquez la date de la dernière fois.');
    parts.push(`UNTIL=${s.until.replace(/-/g, '')}`);
  }
  if (s.freq === 'WEEKLY') {
    if (!s.days.length)
      throw new Error('Cochez au moins un jour de la semaine.');
    parts.push(`BYDAY=${DAY_ORDER.filter((d) => s.days.includes(d)).join(',')}`);
  } else if (s.freq === 'MONTHLY-NTH') {
    parts.push(`BYDAY=${s.nth}${s.nthDay}`);
  } else if (s.freq === 'MONTHLY-DAY') {
    const d = Number(s.monthDay);
    if (!Number.isInteger(d) || d < 1 || d > 31)
      throw new Error('Le jour du mois doit être un nombre entre 1 et 31.');
    parts.push(`BYMONTHDAY=${d}`);
  }
  return parts.join(';');
}

/** The spec of an RRULE the builder can show, else { freq: 'custom', raw }. */
export function parseRrule(value) {
  const s = emptySpec();
  if (!value)
    return s;
  const raw = String(value).replace(/^RRULE:/i, '').trim();
  const kv = new Map();
  for (const part of raw.toUpperCase().split(';')) {
    const [k, v] = part.split('=');
    if (!k || v === undefined || kv.has(k))
      return { ...s, freq: 'custom', raw };
    kv.set(k, v);
  }
  const custom = { ...s, freq: 'custom', raw };
  const freq = kv.get('FREQ');
  s.interval = kv.has('INTERVAL') ? Number(kv.get('INTERVAL')) : 1;
  if (kv.has('COUNT')) { s.end = 'count'; s.count = Number(kv.get('COUNT')); }
  if (kv.has('UNTIL')) {
    const m = /^(\d{4})(\d{2})(\d{2})/.exec(kv.get('UNTIL'));
    if (!m) return custom;
    s.end = 'until';
    s.until = `${m[1]}-${m[2]}-${m[3]}`;
  }
  const known = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'WKST']);
  if ([...kv.keys()].some((k) => !known.has(k)))
    return custom;
  const byday = kv.get('BYDAY');
  if (freq === 'DAILY' || freq === 'YEARLY') {
    if (byday || kv.has('BYMONTHDAY')) return custom;
    s.freq = freq;
  } else if (freq === 'WEEKLY') {
    const days = byday ? byday.split(',') : [];
    if (!days.length || days.some((d) => !DAY_NAME[d])) return custom;
    s.freq = 'WEEKLY';
    s.days = days;
  } else if (freq === 'MONTHLY') {
    const m = byday ? /^(-1|[1-4])(MO|TU|WE|TH|FR|SA|SU)$/.exec(byday) : null;
    if (m && !kv.has('BYMONTHDAY')) {
      s.freq = 'MONTHLY-NTH'; s.nth = Number(m[1]); s.nthDay = m[2];
    } else if (!byday && /^([1-9]|[12]\d|3[01])$/.test(kv.get('BYMONTHDAY') || '')) {
      s.freq = 'MONTHLY-DAY'; s.monthDay = Number(kv.get('BYMONTHDAY'));
    } else {
      return custom;
    }
  } else {
    return custom;
  }
  return s;
}

function joinFr(list) {
  return list.length > 1 ? `${list.slice(0, -1).join(', ')} et ${list[list.length - 1]}` : list[0] || '';
}

/** The spec in French for the agent: « chaque semaine le samedi », « le premier mardi du mois ». */
export function describeSpec(s) {
  if (!s.freq)
    return 'Ne se répète pas';
  if (s.freq === 'custom')
    return `Règle avancée\u00a0: ${s.raw}`;
  const n = Number(s.interval) || 1;
  const every = (one, many) => (n > 1 ? `toutes les ${n} ${many}` : one);
  let text;
  if (s.freq === 'DAILY') text = n > 1 ? `tous les ${n} jours` : 'chaque jour';
  else if (s.freq === 'WEEKLY') text = `${every('chaque semaine', 'semaines')} ${joinFr(DAY_ORDER.filter((d) => s.days.includes(d)).map((d) => `le ${DAY_NAME[d]}`))}`;
  else if (s.freq === 'MONTHLY-NTH') text = `le ${(NTHS.find(([k]) => k === Number(s.nth)) || NTHS[0])[1]} ${DAY_NAME[s.nthDay]} ${n > 1 ? `tous les ${n} mois` : 'du mois'}`;
  else if (s.freq === 'MONTHLY-DAY') text = `le ${Number(s.monthDay) === 1 ? '1er' : s.monthDay} ${n > 1 ? `tous les ${n} mois` : 'de chaque mois'}`;
  else text = n > 1 ? `tous les ${n} ans` : 'chaque année';
  if (s.end === 'count') text += `, ${s.count} fois`;
  if (s.end === 'until' && s.until) {
    const [y, m, d] = s.until.split('-').map(Number);
    const months = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
    text += `, jusqu’au ${d === 1 ? '1er' : d}\u00a0${months[m - 1]} ${y}`;
  }
  return text[0].toUpperCase() + text.slice(1);
}
