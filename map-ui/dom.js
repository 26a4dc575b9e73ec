/*
 * dom.js — the one DOM helper the page's modules share: h(tag, attrs, ...children) builds an
 * element. Attributes are set with setAttribute (never innerHTML); false/null/undefined skip an
 * attribute, true sets it empty; children are nodes or text (empty ones skipped).
 */

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false)
      continue;
    if (key === 'class')
      el.className = value;
    else
      el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === undefined || child === null || child === '')
      continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}
