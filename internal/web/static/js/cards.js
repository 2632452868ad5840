// cards.js — the photo card shared by search results, the library grid and
// similar photos, and the empty/error states shown in their place.
import { h, formatDate } from './dom.js';

/** placeholder is shown when a photo has no thumbnail or it fails to load. */
function placeholder() {
  return h('div', {
    class: 'flex aspect-square w-full items-center justify-center bg-slate-200 text-xs text-slate-500 dark:bg-slate-800 dark:text-slate-400',
    'aria-hidden': 'true',
  }, 'No preview');
}

// The card's visible title already names the link, so the image's alt
// text adds only the description (or nothing) rather than repeating it.
function thumbnail(photo) {
  if (!photo.thumbnail_url) return placeholder();
  const img = h('img', {
    src: photo.thumbnail_url,
    alt: photo.description || '',
    loading: 'lazy',
    decoding: 'async',
    class: 'aspect-square w-full object-cover transition duration-200 group-hover:scale-105 motion-reduce:transition-none motion-reduce:group-hover:scale-100',
  });
  img.addEventListener('error', () => img.replaceWith(placeholder()), { once: true });
  return img;
}

/**
 * photoCard renders one photo as a link to its page.
 */
export function photoCard(photo, { testid = 'photo-card' } = {}) {
  const title = photo.title || photo.file_name || 'Untitled';
  const card = h('a', {
    href: `/photos/${encodeURIComponent(photo.photo_id)}`,
    class: 'group relative block overflow-hidden rounded-lg bg-slate-200 shadow-sm focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:bg-slate-800',
    dataset: { testid, photoId: String(photo.photo_id) },
  }, thumbnail(photo));
  // A search result stands for its copies too (the same file elsewhere).
  const copies = (photo.also_in || []).map((c) => c.album).filter(Boolean);
  const also = copies.length ? `also in ${copies.join(', ')}` : '';
  const meta = [photo.album, formatDate(photo.taken_at), also].filter(Boolean).join(' · ');
  card.append(h('div', {
    class: 'pointer-events-none absolute inset-x-0 bottom-0 bg-linear-to-t from-black/75 to-transparent p-2 pt-6 text-white',
  },
  h('p', { class: 'truncate text-sm font-medium', dataset: { testid: 'card-title' } }, title),
  meta ? h('p', { class: 'truncate text-xs text-white/80' }, meta) : null));
  return card;
}

/**
 * resultCard is a search hit: its photo card and, beside the link (not in
 * it, so it works by tap and by keyboard on its own), a "Why?" button that
 * shows in plain words why the photo was found. The explanation is also
 * the link's accessible description. Ranks and scores stay in the API.
 */
export function resultCard(hit, { testid = 'result-card' } = {}) {
  const card = photoCard(hit, { testid });
  const summary = hit.why && hit.why.summary;
  if (!summary) return card;
  const id = `why-${testid}-${hit.photo_id}`;
  card.setAttribute('aria-describedby', id);
  const text = h('p', {
    id,
    hidden: true,
    class: 'mt-1 rounded-md bg-slate-100 p-2 text-xs leading-snug text-slate-800 dark:bg-slate-800 dark:text-slate-100',
    dataset: { testid: 'result-why' },
  }, summary);
  const toggle = h('button', {
    type: 'button',
    'aria-expanded': 'false',
    'aria-controls': id,
    'aria-label': `Why this photo: ${hit.title || 'photo'}`,
    class: 'absolute right-10 top-1.5 rounded-full bg-black/65 px-2 py-0.5 text-xs font-medium text-white hover:bg-black/80 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500',
    dataset: { testid: 'why-toggle' },
  }, 'Why?');
  toggle.addEventListener('click', () => {
    const open = text.hidden;
    text.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
  });
  return h('div', { class: 'relative', dataset: { testid: 'result-item', photoId: String(hit.photo_id) } }, card, toggle, text);
}

/**
 * semanticNote says, once per page, that search by meaning is off, why,
 * and what turns it on ('' when it is on or unknown).
 */
export function semanticNote(semantic) {
  if (!semantic || semantic.enabled) return '';
  const reason = semantic.reason || 'no CLIP model is installed';
  return `Search by meaning is off: ${reason}. ${semantic.fix || ''}`.trim();
}

/**
 * resultsStatus is the line above search results: how many, how fast, and
 * how many loosely related follow.
 */
export function resultsStatus(total, tookMs, loose = 0) {
  const parts = [];
  if (total > 0) parts.push(`${total} ${total === 1 ? 'photo' : 'photos'}`);
  else parts.push('No matches');
  if (loose > 0) parts.push(`${loose} loosely related`);
  if (tookMs !== undefined && tookMs !== null) parts.push(`${tookMs} ms`);
  return parts.join(' · ');
}

/** emptyState fills a grid's place when there is nothing to show. */
export function emptyState(title, detail, testid = 'empty-state') {
  return h('div', {
    class: 'col-span-full rounded-lg border border-dashed border-slate-300 p-8 text-center dark:border-slate-700',
    dataset: { testid },
  },
  h('p', { class: 'font-medium' }, title),
  detail ? h('p', { class: 'mt-1 text-sm text-slate-600 dark:text-slate-400' }, detail) : null);
}

/** errorState reports a failed request in a grid's place, with a retry. */
export function errorState(message, onRetry) {
  return h('div', {
    class: 'col-span-full rounded-lg border border-red-300 bg-red-50 p-6 text-center text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200',
    role: 'alert',
    dataset: { testid: 'error-state' },
  },
  h('p', {}, message),
  onRetry ? h('button', {
    type: 'button',
    class: 'mt-3 rounded-md border border-red-400 px-3 py-1.5 text-sm hover:bg-red-100 dark:border-red-800 dark:hover:bg-red-900',
    dataset: { testid: 'error-retry' },
    onclick: onRetry,
  }, 'Try again') : null);
}
