// DOM helpers: every node is built with createElement/textContent. Nothing here (or anywhere in the
// app) assigns innerHTML, so text from emails can never become markup.

// h('div', {class: 'x', testid: 'y', onclick: fn}, child, [children], 'text')
// - class: string; testid: sets data-testid; data: {k: v} sets data-k; style: {prop: value}
// - on<event>: a listener; value/checked/disabled/selected/hidden: set as properties
// - anything else: setAttribute (null/false skip it, true sets "")
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'testid') el.dataset.testid = value;
    else if (key === 'data') for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
    else if (key === 'style') Object.assign(el.style, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (['value', 'checked', 'disabled', 'selected', 'hidden', 'readOnly'].includes(key)) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

// Replaces every child of `el` with `children`.
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// "3 s ago", "5 min ago", "2 h ago", "4 d ago", then the date. `iso` may be null.
export function ago(iso, now = Date.now()) {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 30 * 86400) return `${Math.floor(s / 86400)} d ago`;
  return new Date(t).toLocaleDateString();
}

export function fullTime(iso) {
  if (!iso) return '';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toLocaleString();
}

// A <time> showing relative time, with the absolute one as a tooltip.
export function timeEl(iso, attrs = {}) {
  return h('time', { datetime: iso || '', title: fullTime(iso), ...attrs }, ago(iso));
}

// "Ann Lee <ann@example.org>", or just the address.
export function person(p) {
  if (!p) return '';
  if (p.name && p.email) return `${p.name} <${p.email}>`;
  return p.name || p.email || '';
}

// The visible box for an ApiError (or any Error): message, then the remedy.
export function errorBox(err, testid = 'error') {
  const message = (err && err.message) || 'Something went wrong.';
  return h('div', { class: 'alert alert-error', testid, role: 'alert' },
    h('p', { class: 'alert-message' }, message),
    err && err.remedy ? h('p', { class: 'alert-remedy' }, h('strong', {}, 'What to do: '), err.remedy) : null);
}

export function notice(text, testid = 'notice', kind = 'success') {
  return h('div', { class: `alert alert-${kind}`, testid, role: 'status' }, text);
}

// A page title block.
export function pageHeader(title, subtitle, ...actions) {
  return h('header', { class: 'page-header' },
    h('div', {}, h('h1', {}, title), subtitle ? h('p', { class: 'muted' }, subtitle) : null),
    actions.length ? h('div', { class: 'page-actions' }, actions) : null);
}

export function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', { class: 'card-title' }, title) : null, children);
}

export function spinner(text = 'Loading…') {
  return h('p', { class: 'muted loading' }, text);
}

// Runs `fn` with the button disabled meanwhile; returns fn's promise.
export async function busy(button, fn) {
  button.disabled = true;
  try {
    return await fn();
  } finally {
    button.disabled = false;
  }
}
