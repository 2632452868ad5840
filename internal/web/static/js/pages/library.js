// library.js — the library: albums on the side, a photo grid that loads the
// next page when its end scrolls into view (IntersectionObserver), so large
// libraries cost one page of thumbnails at a time.
import { api, withQuery, describeError } from '../api.js';
import { $, h, setStatus } from '../dom.js';
import { photoCard, emptyState, errorState } from '../cards.js';
import { stepsPanel } from '../steps.js';
import { openViewer, withView } from '../viewer.js';
import { selectable } from '../selection.js';

const PAGE = 48;

export async function initLibrary() {
  const grid = $('library-grid');
  const status = $('library-status');
  const count = $('library-count');
  const heading = $('library-heading');
  const sentinel = $('library-sentinel');
  const albumList = $('album-list');

  const collectionList = $('collection-list');
  // album is the selected album's name ('' = all): the API filters by name;
  // collection is one of the person's own albums (by id) instead.
  const params = new URLSearchParams(location.search);
  let album = params.get('album') || '';
  let collection = params.get('collection') || '';
  if (album) heading.textContent = album;
  let offset = 0;
  let total = Infinity;
  let loading = false;
  let generation = 0; // bumped when the album changes, to drop stale pages
  let shown = []; // the photos in the grid, in order, for the viewer
  const selection = selectable({ order: () => shown });
  const view = (p) => () => openViewer({
    items: () => shown,
    index: shown.indexOf(p),
    more: async () => {
      const before = shown.length;
      await loadMore();
      return shown.length > before;
    },
  });

  async function loadMore() {
    if (loading || offset >= total) return;
    loading = true;
    const gen = generation;
    grid.setAttribute('aria-busy', 'true');
    setStatus(status, 'Loading…');
    try {
      const data = await api(withQuery('/api/v1/photos', { limit: PAGE, offset, album, collection }));
      if (gen !== generation) return;
      const photos = data.photos || [];
      for (const p of photos) grid.append(selection.decorate(withView(photoCard(p), p, view(p)), p));
      shown.push(...photos);
      offset += photos.length;
      total = photos.length === 0 ? offset : (data.total ?? Infinity);
      count.textContent = Number.isFinite(total) ? `${total} ${total === 1 ? 'photo' : 'photos'}` : '';
      if (offset === 0) {
        grid.replaceChildren(emptyState(album ? 'This album is empty' : 'No photos yet',
          album ? '' : 'Add a source on the Sources page and its photos appear here as they are indexed.', 'library-empty'));
        if (!album) stepsPanel().then((panel) => { if (panel) grid.prepend(panel); });
      }
      setStatus(status, '');
    } catch (err) {
      if (gen !== generation) return;
      total = offset; // stop the observer from retrying in a loop
      grid.append(errorState(describeError(err), () => {
        grid.querySelector('[data-testid=error-state]')?.remove();
        total = Infinity;
        loadMore();
      }));
      setStatus(status, 'Could not load photos.', 'error');
    } finally {
      if (gen === generation) {
        loading = false;
        grid.removeAttribute('aria-busy');
        // The page may not fill the screen; keep loading while the
        // sentinel is still visible.
        if (offset < total && isVisible(sentinel)) loadMore();
      }
    }
  }

  function selectAlbum(name, coll = '') {
    album = coll ? '' : name;
    collection = coll;
    selection.clear();
    generation++;
    loading = false;
    offset = 0;
    total = Infinity;
    shown = [];
    grid.replaceChildren();
    heading.textContent = name || 'All photos';
    history.replaceState(null, '', withQuery('/library', { album, collection }));
    for (const b of document.querySelectorAll('[data-testid=album-item]')) {
      b.setAttribute('aria-pressed', String(coll ? b.dataset.collectionId === coll : !b.dataset.collectionId && b.dataset.albumName === name));
    }
    loadMore();
  }

  // id is the album's id ('' for "All photos"), key the name the API filters by.
  function albumButton(id, key, label, n) {
    return h('li', { class: 'shrink-0' },
      h('button', {
        type: 'button',
        class: 'flex w-full items-center justify-between gap-3 rounded-md px-3 py-1.5 text-left text-sm hover:bg-slate-100 aria-pressed:bg-slate-200 aria-pressed:font-medium focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-slate-800 dark:aria-pressed:bg-slate-800',
        dataset: { testid: 'album-item', albumId: id, albumName: key },
        'aria-pressed': String(key === album && !collection),
        onclick: () => selectAlbum(key),
      }, h('span', { class: 'truncate' }, label), n === undefined ? null : h('span', { class: 'text-xs tabular-nums text-slate-500 dark:text-slate-400' }, String(n))));
  }

  albumList.replaceChildren(albumButton('', '', 'All photos'));
  // The person's own albums: a plain one lists its photos here; a saved
  // search opens the search.
  api('/api/v1/collections').then((data) => {
    const cs = data.collections || [];
    collectionList.replaceChildren(...cs.map((c) => h('li', { class: 'shrink-0' }, c.query
      ? h('a', {
        href: withQuery('/search', { q: c.query }),
        class: 'flex w-full items-center justify-between gap-3 rounded-md px-3 py-1.5 text-left text-sm hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-slate-800',
        dataset: { testid: 'saved-search' },
      }, h('span', { class: 'truncate' }, c.name), h('span', { class: 'text-xs text-slate-500 dark:text-slate-400' }, 'search'))
      : h('button', {
        type: 'button',
        class: 'flex w-full items-center justify-between gap-3 rounded-md px-3 py-1.5 text-left text-sm hover:bg-slate-100 aria-pressed:bg-slate-200 aria-pressed:font-medium focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-slate-800 dark:aria-pressed:bg-slate-800',
        dataset: { testid: 'album-item', collectionId: String(c.id), albumName: c.name },
        'aria-pressed': String(String(c.id) === collection),
        onclick: () => selectAlbum(c.name, String(c.id)),
      }, h('span', { class: 'truncate' }, c.name), h('span', { class: 'text-xs tabular-nums text-slate-500 dark:text-slate-400' }, String(c.photo_count))))));
    $('collections-heading').hidden = cs.length === 0;
    const mine = cs.find((c) => String(c.id) === collection);
    if (mine) heading.textContent = mine.name;
  }).catch(() => {});
  api('/api/v1/albums').then((data) => {
    for (const a of data.albums || []) {
      albumList.append(albumButton(String(a.id), a.name, a.name, a.photo_count));
    }
  }).catch((err) => {
    albumList.append(h('li', { class: 'px-3 py-1.5 text-sm text-red-600 dark:text-red-400', role: 'alert' }, `Albums unavailable: ${describeError(err)}`));
  });

  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadMore();
  }, { rootMargin: '600px 0px' });
  observer.observe(sentinel);
  await loadMore();
}

function isVisible(el) {
  const r = el.getBoundingClientRect();
  return r.top < window.innerHeight + 600 && r.bottom > -600;
}
