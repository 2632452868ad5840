// search.js — the search page: one box, results as you type (debounced),
// filter chips, what the search made of the query (hints, with "did you
// mean"), a grid of hits each with its "Why?", paging by "Show more", and
// apart, below the last results, the loosely related photos.
// The query and filters live in the URL, so a search can be bookmarked,
// shared and returned to with Back.
import { api, withQuery, describeError, ApiError } from '../api.js';
import { $, h, debounce, setStatus } from '../dom.js';
import { resultCard, resultsStatus, semanticNote, emptyState, errorState } from '../cards.js';
import { stepsPanel } from '../steps.js';
import { openViewer, withView } from '../viewer.js';
import { selectable } from '../selection.js';

const PAGE = 24;
const DEBOUNCE_MS = 250;
const FILTERS = [
  { key: 'album', id: 'filter-album', label: 'Album' },
  { key: 'from', id: 'filter-from', label: 'From' },
  { key: 'to', id: 'filter-to', label: 'To' },
  { key: 'camera', id: 'filter-camera', label: 'Camera' },
  { key: 'keyword', id: 'filter-keyword', label: 'Keyword' },
  { key: 'lens', id: 'filter-lens', label: 'Lens' },
  { key: 'iso_min', id: 'filter-iso-min', label: 'ISO from' },
  { key: 'iso_max', id: 'filter-iso-max', label: 'ISO up to' },
  { key: 'aperture_min', id: 'filter-aperture-min', label: 'Aperture from', chip: (v) => `f/${v}` },
  { key: 'aperture_max', id: 'filter-aperture-max', label: 'Aperture up to', chip: (v) => `f/${v}` },
  { key: 'rating', id: 'filter-rating', label: 'Rating', chip: (v) => `${'★'.repeat(Number(v))}${v === '5' ? '' : ' or more'}` },
  { key: 'favorite', id: 'filter-favorite', label: 'Favourites', chip: () => 'only' },
];

/** filtered reports whether any filter of the state s is set. */
const filtered = (s) => FILTERS.some((f) => s[f.key]);

export async function initSearch() {
  const input = $('search-input');
  const form = $('search-form');
  const results = $('search-results');
  const status = $('search-status');
  const more = $('search-more');
  const chips = $('filter-chips');
  const filters = $('search-filters');
  const hintList = $('search-hints');
  const semantic = $('search-semantic');
  const loose = $('search-loose');
  const looseResults = $('search-loose-results');

  let controller = null;
  let offset = 0;
  // shown are the hits on screen, in order: the viewer steps through them
  // and loads the next page past the last.
  let shown = [];
  let total = 0;
  // "Select all" selects every hit of the query, not just those on
  // screen: the ids come page by page (at most 1000, the bulk bound).
  const selection = selectable({
    order: () => shown,
    all: async () => {
      const ids = [];
      const s = state();
      for (let off = 0; off < 1000; off += 200) {
        const data = await api(withQuery('/api/v1/search', { ...s, limit: 200, offset: off }));
        const hits = data.results || [];
        ids.push(...hits.map((x) => ({ photo_id: x.photo_id, source_id: x.source_id })));
        if (hits.length < 200 || off + hits.length >= (data.total ?? 0)) break;
      }
      return ids;
    },
  });
  const view = (hit) => () => openViewer({
    items: () => shown,
    index: shown.findIndex((x) => x.photo_id === hit.photo_id),
    more: async () => {
      if (offset >= total) return false;
      const before = shown.length;
      await run({ append: true });
      return shown.length > before;
    },
  });
  // lastKey is the query and filters of the results on screen (or being
  // fetched); an event that changes nothing (a blur after typing, a
  // repeated Enter) neither refetches nor re-renders, so the chip the user
  // is clicking is not replaced under the pointer.
  let lastKey = null;
  let chipsKey = null;

  const state = () => {
    const s = { q: input.value.trim() };
    for (const f of FILTERS) s[f.key] = $(f.id).value.trim();
    return s;
  };

  // Restore the search from the URL.
  const params = new URLSearchParams(location.search);
  input.value = params.get('q') || '';
  for (const f of FILTERS) $(f.id).value = params.get(f.key) || '';
  if (FILTERS.some((f) => params.get(f.key))) filters.open = true;

  const albumsReady = loadAlbums(params.get('album') || '');

  function renderChips(s) {
    const key = JSON.stringify(FILTERS.map((f) => s[f.key]));
    if (key === chipsKey) return;
    chipsKey = key;
    chips.replaceChildren();
    for (const f of FILTERS) {
      if (!s[f.key]) continue;
      const text = f.chip ? f.chip(s[f.key]) : s[f.key];
      chips.append(h('li', {},
        h('button', {
          type: 'button',
          class: 'inline-flex items-center gap-1 rounded-full bg-indigo-100 px-3 py-1 text-sm text-indigo-900 hover:bg-indigo-200 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:bg-indigo-950 dark:text-indigo-100 dark:hover:bg-indigo-900',
          dataset: { testid: 'filter-chip', filter: f.key },
          'aria-label': `Remove filter ${f.label}: ${text}`,
          onclick: () => {
            $(f.id).value = '';
            run();
            input.focus();
          },
        }, `${f.label}: ${text}`, h('span', { 'aria-hidden': 'true', class: 'text-indigo-500' }, '×'))));
    }
  }

  function syncURL(s) {
    const url = withQuery('/search', s);
    if (url !== location.pathname + location.search) history.replaceState(null, '', url);
  }

  async function run({ append = false, force = false } = {}) {
    const s = state();
    renderChips(s);
    syncURL(s);
    const key = JSON.stringify(s);
    if (!append && !force && key === lastKey) return;
    lastKey = key;
    if (controller) controller.abort();
    if (!s.q && !filtered(s)) {
      controller = null;
      results.replaceChildren(emptyState('Search your photos in plain words',
        'Try “red barn in snow at dusk” or “kids on the beach”.', 'search-idle'));
      stepsPanel().then((panel) => { if (panel && !state().q) results.prepend(panel); });
      setStatus(status, '');
      renderHints([]);
      renderLoose([]);
      more.hidden = true;
      return;
    }
    controller = new AbortController();
    const mine = controller;
    if (!append) offset = 0;
    results.setAttribute('aria-busy', 'true');
    setStatus(status, 'Searching…');
    try {
      const data = await api(withQuery('/api/v1/search', { ...s, limit: PAGE, offset }), { signal: mine.signal });
      if (mine !== controller) return;
      const hits = data.results || [];
      if (!append) {
        shown = [];
        selection.clear();
        results.replaceChildren();
        renderHints(data.hints || []);
        const note = semanticNote(data.semantic);
        semantic.textContent = note;
        semantic.hidden = !note;
      }
      for (const hit of hits) results.append(selection.decorate(withView(resultCard(hit, { testid: 'result-card' }), hit, view(hit)), hit));
      shown.push(...hits);
      offset += hits.length;
      total = data.total ?? offset;
      const looseHits = data.loosely_related || [];
      renderLoose(looseHits);
      if (offset === 0) {
        results.replaceChildren(emptyState(s.q ? `No photos match “${s.q}”` : 'No photos match these filters',
          (data.hints || []).length ? 'The notes above say why.' : 'Try fewer or different words, or remove a filter.', 'search-empty'));
      }
      setStatus(status, resultsStatus(offset === 0 ? 0 : total, data.took_ms, looseHits.length));
      more.hidden = offset >= total || hits.length === 0;
    } catch (err) {
      if (err.name === 'AbortError' || mine !== controller) return;
      if (err instanceof ApiError && err.status === 401) return location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
      results.replaceChildren(errorState(describeError(err), () => run({ force: true })));
      renderHints([]);
      renderLoose([]);
      setStatus(status, 'Search failed.', 'error');
      lastKey = null;
      more.hidden = true;
    } finally {
      if (mine === controller) results.removeAttribute('aria-busy');
    }
  }

  /**
   * renderHints shows what the search made of the query, in its words; a
   * "did you mean" offers its query as a button.
   */
  function renderHints(hints) {
    hintList.replaceChildren(...hints.map((hint) => h('li', {
      class: 'rounded-md bg-amber-50 px-3 py-2 text-amber-900 dark:bg-amber-950 dark:text-amber-100',
      dataset: { testid: 'search-hint', code: hint.code },
    }, hint.message, hint.query ? h('button', {
      type: 'button',
      class: 'ml-2 font-medium underline hover:no-underline focus-visible:outline-2 focus-visible:outline-indigo-500',
      dataset: { testid: 'hint-query' },
      onclick: () => {
        input.value = hint.query;
        run({ force: true });
        input.focus();
      },
    }, `Search for “${hint.query}”`) : null)));
  }

  /** renderLoose fills the loosely related section, apart from the results. */
  function renderLoose(hits) {
    looseResults.replaceChildren(...hits.map((hit) => withView(resultCard(hit, { testid: 'loose-card' }), hit,
      () => openViewer({ items: () => hits, index: hits.indexOf(hit) }))));
    loose.hidden = hits.length === 0;
  }

  const runSoon = debounce(() => run(), DEBOUNCE_MS);
  input.addEventListener('input', runSoon);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run({ force: true });
  });
  for (const f of FILTERS) {
    const el = $(f.id);
    el.addEventListener('change', () => run());
    if (el.type === 'text' || el.type === 'number') el.addEventListener('input', runSoon);
  }
  more.addEventListener('click', () => run({ append: true }));

  // A search saved as a smart album: the Library lists it, and opening it
  // runs the search again, so it keeps up with the library.
  const save = $('search-save');
  input.addEventListener('input', () => { save.hidden = !input.value.trim(); save.textContent = 'Save as smart album'; });
  save.hidden = !input.value.trim();
  save.addEventListener('click', async () => {
    const q = input.value.trim();
    if (!q) return;
    save.disabled = true;
    try {
      await api('/api/v1/collections', { method: 'POST', body: { name: q, query: q } });
      save.textContent = 'Saved: in the Library';
    } catch (err) {
      save.textContent = describeError(err);
    } finally {
      save.disabled = false;
    }
  });

  // "/" jumps to the search box from anywhere on the page, as on most sites.
  document.addEventListener('keydown', (e) => {
    const t = e.target;
    const typing = t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement;
    if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      input.focus();
      input.select();
    }
  });

  await albumsReady;
  await run();
}

/**
 * loadAlbums fills the album filter. The API filters by album name (case
 * insensitive), so the option values are names; an album named in the URL
 * but not (or no longer) listed is kept as an option so the filter survives.
 */
async function loadAlbums(selected) {
  const select = $('filter-album');
  const names = new Set();
  try {
    const data = await api('/api/v1/albums');
    for (const a of data.albums || []) {
      if (names.has(a.name)) continue;
      names.add(a.name);
      select.append(h('option', { value: a.name, dataset: { albumId: String(a.id) } }, `${a.name} (${a.photo_count})`));
    }
  } catch {
    // The filter is optional; search still works without it.
  }
  if (selected && !names.has(selected)) select.append(h('option', { value: selected }, selected));
  select.value = selected;
}
