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

/** whyText explains a search hit from its "why" field. */
export function whyText(why, score) {
  if (!why) return '';
  const parts = [];
  if (why.matched_terms && why.matched_terms.length) parts.push(`Matched: ${why.matched_terms.join(', ')}`);
  if (why.vector_rank) parts.push(`Visual match #${why.vector_rank}`);
  if (why.text_rank) parts.push(`Text match #${why.text_rank}`);
  if (typeof score === 'number') parts.push(`Score ${score.toFixed(3)}`);
  return parts.join(' · ');
}

/**
 * photoCard renders one photo as a link to its page. With a search hit's
 * "why", the explanation appears on hover and keyboard focus and is the
 * link's accessible description.
 */
export function photoCard(photo, { testid = 'photo-card' } = {}) {
  const title = photo.title || photo.file_name || 'Untitled';
  const card = h('a', {
    href: `/photos/${encodeURIComponent(photo.photo_id)}`,
    class: 'group relative block overflow-hidden rounded-lg bg-slate-200 shadow-sm focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:bg-slate-800',
    dataset: { testid, photoId: String(photo.photo_id) },
  }, thumbnail(photo));
  const meta = [photo.album, formatDate(photo.taken_at)].filter(Boolean).join(' · ');
  card.append(h('div', {
    class: 'pointer-events-none absolute inset-x-0 bottom-0 bg-linear-to-t from-black/75 to-transparent p-2 pt-6 text-white',
  },
  h('p', { class: 'truncate text-sm font-medium', dataset: { testid: 'card-title' } }, title),
  meta ? h('p', { class: 'truncate text-xs text-white/80' }, meta) : null));
  const why = whyText(photo.why, photo.score);
  if (why) {
    const id = `why-${testid}-${photo.photo_id}`;
    card.setAttribute('aria-describedby', id);
    card.append(h('div', {
      id,
      role: 'tooltip',
      class: 'pointer-events-none absolute inset-x-0 top-0 bg-black/80 p-2 text-xs leading-snug text-white opacity-0 transition-opacity group-hover:opacity-100 group-focus:opacity-100',
      dataset: { testid: 'result-why' },
    }, why));
  }
  return card;
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
