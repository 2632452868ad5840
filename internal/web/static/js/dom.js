// dom.js — small DOM helpers. Text is always set with textContent (never
// innerHTML), so API data cannot inject markup.

/**
 * h('a', {href: '/x', class: 'hover:underline', dataset: {testid: 'z'}}, 'text', child)
 * creates an element. Attributes with value false/null/undefined are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** $ finds one element by id and fails loudly when a template lost it. */
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

/** debounce returns fn delayed until ms have passed without another call. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** formatDate renders an ISO time as a local date ('' when absent). */
export function formatDate(iso, withTime = false) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() <= 1) return '';
  return (withTime ? dateTimeFmt : dateFmt).format(d);
}

/** formatUSD renders dollars with cents, or more digits below a cent. */
export function formatUSD(n) {
  const v = Number(n) || 0;
  const digits = v !== 0 && Math.abs(v) < 0.01 ? 4 : 2;
  return `$${v.toFixed(digits)}`;
}

/** setStatus writes a status line; kind 'error' colours it. */
export function setStatus(el, text, kind = 'info') {
  el.textContent = text;
  el.classList.toggle('text-red-600', kind === 'error');
  el.classList.toggle('dark:text-red-400', kind === 'error');
  el.dataset.kind = kind;
}

/**
 * safeNext returns the path to go to after sign-in: raw when it is a path on
 * this origin, else '/'. The check is made on the URL the browser would
 * actually follow, so "//evil.test", "/\\evil.test" and "/\t/evil.test"
 * (which browsers read as other hosts) cannot turn sign-in into an open
 * redirect.
 */
export function safeNext(raw, origin = globalThis.location?.origin) {
  if (!raw || !origin || !raw.startsWith('/')) return '/';
  let u;
  try {
    u = new URL(raw, origin);
  } catch {
    return '/';
  }
  if (u.origin !== origin) return '/';
  return u.pathname + u.search + u.hash;
}
