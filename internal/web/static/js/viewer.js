// viewer.js — the full-screen photo viewer: one photo at a time over the
// page, previous/next by arrow keys, buttons or a swipe, zoom to the
// image's own pixels, an information panel (EXIF, place), the original's
// download and a link to the photo's page. It is a modal <dialog>, so the
// browser keeps focus inside it, Esc closes it and focus returns to what
// opened it; each step is announced to screen readers.
import { api, describeError } from './api.js';
import { h, formatDate } from './dom.js';
import { fillDetails } from './details.js';

/** stepIndex is the index after moving by delta, or -1 past either end. */
export function stepIndex(index, delta, count) {
  const next = index + delta;
  return next >= 0 && next < count ? next : -1;
}

/**
 * swipeStep reads a finished touch or pen drag as a step: -1 (to the
 * previous photo, a drag to the right), 1 (the next) or 0 (not a swipe:
 * too short, or more up-down than sideways).
 */
export function swipeStep(dx, dy, min = 50) {
  if (Math.abs(dx) < min || Math.abs(dx) < 1.5 * Math.abs(dy)) return 0;
  return dx < 0 ? 1 : -1;
}

/** positionText is the "3 of 20" of the toolbar (n+ while more may load). */
export function positionText(index, count, more) {
  return `${index + 1} of ${count}${more ? '+' : ''}`;
}

const button = 'rounded-md px-3 py-1.5 text-sm font-medium text-white hover:bg-white/15 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-white aria-pressed:bg-white/25';
const arrow = 'absolute top-1/2 z-10 -translate-y-1/2 rounded-full bg-black/50 px-3 py-2 text-2xl leading-none text-white hover:bg-black/75 focus-visible:outline-2 focus-visible:outline-white disabled:invisible';

let current = null;

/**
 * openViewer shows items[index] full screen. items() returns the photos
 * to step through (summaries with photo_id, title, thumbnail_url), read
 * again at every step so photos a page loads meanwhile are included;
 * more(), when given, loads further photos when the last is reached and
 * resolves to whether it found any.
 */
export function openViewer({ items, index = 0, more = null }) {
  if (current) current.close();
  const opener = document.activeElement;
  const announce = h('p', { class: 'sr-only', 'aria-live': 'polite', dataset: { testid: 'viewer-announce' } });
  const title = h('h2', { id: 'viewer-title', class: 'min-w-0 flex-1 truncate text-sm font-medium', dataset: { testid: 'viewer-title' } });
  const position = h('span', { class: 'shrink-0 text-xs tabular-nums text-white/70', dataset: { testid: 'viewer-position' } });
  const img = h('img', { alt: '', class: 'm-auto block max-h-full max-w-full select-none object-contain', dataset: { testid: 'viewer-image' }, draggable: 'false' });
  const stage = h('div', { class: 'relative flex min-h-0 flex-1 touch-pan-y overflow-hidden', dataset: { testid: 'viewer-stage' } }, img);
  const prev = h('button', { type: 'button', class: `${arrow} left-2`, 'aria-label': 'Previous photo', dataset: { testid: 'viewer-prev' } }, '‹');
  const next = h('button', { type: 'button', class: `${arrow} right-2`, 'aria-label': 'Next photo', dataset: { testid: 'viewer-next' } }, '›');
  const zoom = h('button', { type: 'button', class: button, 'aria-pressed': 'false', dataset: { testid: 'viewer-zoom' }, title: 'Zoom (Z)' }, 'Zoom');
  const infoToggle = h('button', { type: 'button', class: button, 'aria-pressed': 'false', 'aria-controls': 'viewer-info', dataset: { testid: 'viewer-info-toggle' }, title: 'Details (I)' }, 'Details');
  const download = h('a', { class: button, download: '', hidden: true, dataset: { testid: 'viewer-download' } }, 'Download');
  const page = h('a', { class: button, dataset: { testid: 'viewer-page' } }, 'Photo page');
  const close = h('button', { type: 'button', class: button, 'aria-label': 'Close the viewer', dataset: { testid: 'viewer-close' }, title: 'Close (Esc)' }, '✕');
  const tbody = h('tbody');
  const infoNote = h('p', { class: 'mt-3 text-xs text-white/60', dataset: { testid: 'viewer-info-note' } });
  const infoDesc = h('p', { class: 'mb-3 text-sm leading-relaxed', dataset: { testid: 'viewer-description' } });
  const info = h('aside', {
    id: 'viewer-info', hidden: true, 'aria-label': 'Photo details',
    class: 'w-full shrink-0 overflow-y-auto border-t border-white/10 p-4 text-sm md:w-80 md:border-l md:border-t-0',
    dataset: { testid: 'viewer-info' },
  }, infoDesc, h('table', { class: 'w-full', dataset: { testid: 'viewer-exif' } }, tbody), infoNote);
  const dialog = h('dialog', {
    class: 'm-0 flex h-dvh max-h-none w-screen max-w-none flex-col bg-black p-0 text-white backdrop:bg-black',
    'aria-labelledby': 'viewer-title',
    dataset: { testid: 'viewer' },
  },
  h('div', { class: 'flex items-center gap-2 border-b border-white/10 px-3 py-2' },
    title, position, zoom, infoToggle, download, page, close),
  h('div', { class: 'relative flex min-h-0 flex-1 flex-col md:flex-row' },
    h('div', { class: 'relative flex min-h-0 flex-1' }, stage, prev, next), info),
  announce);

  let i = index;
  let zoomed = false;
  let loadingMore = false;
  let seq = 0; // drops answers for a photo already stepped away from

  function list() {
    return items() || [];
  }

  function setZoom(on) {
    zoomed = on;
    zoom.setAttribute('aria-pressed', String(on));
    stage.classList.toggle('overflow-auto', on);
    stage.classList.toggle('overflow-hidden', !on);
    stage.classList.toggle('cursor-zoom-out', on);
    stage.classList.toggle('cursor-zoom-in', !on);
    img.classList.toggle('max-h-full', !on);
    img.classList.toggle('max-w-full', !on);
    img.classList.toggle('max-w-none', on);
  }

  function setInfo(on) {
    info.hidden = !on;
    infoToggle.setAttribute('aria-pressed', String(on));
  }

  async function show(to, { announceIt = true } = {}) {
    const all = list();
    if (!all.length) return;
    i = Math.max(0, Math.min(to, all.length - 1));
    const photo = all[i];
    const mine = ++seq;
    const name = photo.title || photo.file_name || 'Untitled';
    dialog.dataset.photoId = String(photo.photo_id);
    title.textContent = name;
    position.textContent = positionText(i, all.length, Boolean(more));
    prev.disabled = i === 0;
    next.disabled = i === all.length - 1 && !more;
    page.href = `/photos/${encodeURIComponent(photo.photo_id)}`;
    setZoom(false);
    img.alt = photo.description || name;
    img.src = photo.thumbnail_url || '';
    img.hidden = !photo.thumbnail_url;
    download.hidden = true;
    if (announceIt) announce.textContent = `Photo ${i + 1} of ${all.length}: ${name}`;
    let p;
    try {
      p = await api(`/api/v1/photos/${encodeURIComponent(photo.photo_id)}`);
    } catch (err) {
      if (mine !== seq) return;
      infoDesc.textContent = describeError(err);
      tbody.replaceChildren();
      return;
    }
    if (mine !== seq) return;
    const full = p.image_url || p.thumbnail_url;
    if (full && p.status !== 'failed' && p.issue !== 'no_preview') {
      img.src = full;
      img.hidden = false;
    }
    img.alt = p.description || name;
    infoDesc.textContent = p.description || p.caption || '';
    fillDetails(tbody, p, { dark: true });
    if (p.original_url) {
      download.href = p.original_url;
      download.hidden = false;
      download.setAttribute('aria-label', `Download the original: ${(p.files && p.files[0] && p.files[0].name) || name}`);
      infoNote.textContent = '';
    } else {
      // The server says why (a SmugMug photo synced before originals were
      // kept gets its original at the next full sync).
      infoNote.textContent = p.original_note || 'The original cannot be downloaded from this server.';
    }
    dialog.dataset.loaded = String(p.photo_id);
    dialog.dataset.taken = formatDate(p.taken_at);
    preload(i + 1);
    preload(i - 1);
  }

  function preload(at) {
    const p = list()[at];
    if (p && p.thumbnail_url) new Image().src = p.thumbnail_url;
  }

  async function step(delta) {
    const all = list();
    let to = stepIndex(i, delta, all.length);
    if (to < 0 && delta > 0 && more && !loadingMore) {
      loadingMore = true;
      next.disabled = true;
      try {
        const found = await more();
        if (!found) more = null;
      } finally {
        loadingMore = false;
      }
      to = stepIndex(i, delta, list().length);
    }
    if (to >= 0) show(to);
    else show(i, { announceIt: false });
  }

  prev.addEventListener('click', () => step(-1));
  next.addEventListener('click', () => step(1));
  zoom.addEventListener('click', () => setZoom(!zoomed));
  img.addEventListener('click', () => setZoom(!zoomed));
  infoToggle.addEventListener('click', () => setInfo(info.hidden));
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement) return;
    if (e.key === 'ArrowLeft') step(-1);
    else if (e.key === 'ArrowRight') step(1);
    else if (e.key === 'z' || e.key === 'Z') setZoom(!zoomed);
    else if (e.key === '+' || e.key === '=') setZoom(true);
    else if (e.key === '-') setZoom(false);
    else if (e.key === 'i' || e.key === 'I') setInfo(info.hidden);
    else return;
    e.preventDefault();
  });

  // A swipe (touch or pen) steps; a mouse drag does not.
  let start = null;
  stage.addEventListener('pointerdown', (e) => {
    start = e.pointerType === 'mouse' || zoomed ? null : { x: e.clientX, y: e.clientY };
  });
  stage.addEventListener('pointerup', (e) => {
    if (!start) return;
    const s = swipeStep(e.clientX - start.x, e.clientY - start.y);
    start = null;
    if (s) step(s);
  });
  stage.addEventListener('pointercancel', () => { start = null; });

  dialog.addEventListener('close', () => {
    dialog.remove();
    if (current === handle) current = null;
    document.body.classList.remove('overflow-hidden');
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
  });

  const handle = { close: () => dialog.close(), step, get index() { return i; } };
  current = handle;
  document.body.append(dialog);
  document.body.classList.add('overflow-hidden');
  dialog.showModal();
  close.focus();
  show(i);
  return handle;
}

/**
 * withView puts a "view full screen" button on a photo card: el is the
 * card (an <a>) or an item wrapping it; the answer is the item, a
 * positioned <div> holding the card and its buttons.
 */
export function withView(el, photo, open) {
  let item = el;
  if (el.tagName === 'A') {
    item = h('div', { class: 'relative', dataset: { testid: 'photo-item', photoId: String(photo.photo_id) } }, el);
  }
  item.append(h('button', {
    type: 'button',
    class: 'absolute right-1.5 top-1.5 z-10 rounded-full bg-black/65 px-2 py-0.5 text-xs font-medium text-white hover:bg-black/80 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500',
    'aria-label': `View full screen: ${photo.title || 'photo'}`,
    title: 'View full screen',
    dataset: { testid: 'view-toggle', photoId: String(photo.photo_id) },
    onclick: open,
  }, '⤢'));
  return item;
}
