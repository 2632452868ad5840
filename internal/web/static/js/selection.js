// selection.js — selecting many photos and working on them at once. Each
// card gets a checkbox (click toggles it; shift-click selects the run from
// the last one clicked); while anything is selected a toolbar at the foot
// of the screen offers: add or remove a keyword (the person's own edits,
// POST /api/v1/photos/keywords), put the photos in one of your albums
// (collections), download their originals as one zip, and — for photos of
// one SmugMug account whose owner switched album writes on — create a
// SmugMug album of them (POST /api/v1/photos/smugmug-album).
import { api, describeError } from './api.js';
import { h, setStatus } from './dom.js';

/** MAX_ZIP is how many photos one zip download may hold (the API's bound). */
export const MAX_ZIP = 500;

/**
 * rangeBetween lists the ids from a to b (inclusive, either order) in the
 * order of ids; just [b] when a is not there (nothing clicked before).
 */
export function rangeBetween(ids, a, b) {
  const i = ids.indexOf(a);
  const j = ids.indexOf(b);
  if (i < 0 || j < 0) return [b];
  return ids.slice(Math.min(i, j), Math.max(i, j) + 1);
}

/** zipURL is the download of the originals of ids. */
export function zipURL(ids) {
  return `/api/v1/photos/originals.zip?ids=${ids.join(',')}`;
}

/**
 * albumSourceFor is the SmugMug source a selection can become an album on:
 * the one source of every selected photo, when it is among writable (the
 * SmugMug sources with album writes on); else null. sourceOf maps a photo
 * id to its source id (unknown ids make it null).
 */
export function albumSourceFor(ids, sourceOf, writable) {
  let src = null;
  for (const id of ids) {
    const s = sourceOf.get(id);
    if (s === undefined || (src !== null && s !== src)) return null;
    src = s;
  }
  return src !== null && writable.has(src) ? src : null;
}

/** splitKeywords reads "a, b ,, c" as ['a', 'b', 'c']. */
export function splitKeywords(text) {
  return text.split(',').map((k) => k.trim()).filter(Boolean);
}

const tbButton = 'rounded-md px-3 py-1.5 text-sm font-medium hover:bg-white/15 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-white disabled:opacity-50';

/**
 * selectable starts selection on a page. order() lists the photos on the
 * page in their order (for shift-click); all(), when given, finds every
 * photo of the page's query for "Select all" (resolving to their ids).
 */
export function selectable({ order, all = null }) {
  const selected = new Set();
  const sourceOf = new Map(); // photo id → source id, as the page listed it
  let writable = new Map(); // SmugMug source id → name, album writes on
  let anchor = null;
  const checkboxes = new Map(); // id → its checkbox buttons on the page

  const count = h('span', { class: 'text-sm font-medium', dataset: { testid: 'selection-count' }, 'aria-live': 'polite' });
  const status = h('span', { class: 'min-w-0 truncate text-sm text-white/80', role: 'status', dataset: { testid: 'selection-status' } });
  const input = h('input', {
    type: 'text', id: 'selection-input', autocomplete: 'off', 'aria-label': 'Keyword',
    class: 'w-40 rounded-md border border-white/30 bg-white/10 px-2 py-1 text-sm text-white placeholder:text-white/50 sm:w-56',
    dataset: { testid: 'selection-input' },
  });
  const albums = h('datalist', { id: 'selection-albums' });
  const submit = h('button', { type: 'submit', class: `${tbButton} bg-white/20`, dataset: { testid: 'selection-submit' } }, 'Apply');
  const cancel = h('button', { type: 'button', class: tbButton, onclick: () => closeForm() }, 'Cancel');
  const form = h('form', { class: 'flex items-center gap-2', hidden: true, dataset: { testid: 'selection-form' } }, input, albums, submit, cancel);
  let action = null;

  const act = (label, testid, fn) => h('button', { type: 'button', class: tbButton, dataset: { testid }, onclick: fn }, label);
  const smugAlbum = act('Create SmugMug album', 'selection-smugmug-album', () => openForm('smugmug', 'Name of the new SmugMug album'));
  smugAlbum.hidden = true;
  // Which SmugMug accounts take new albums (the owner's opt-in, on the
  // Sources page); without any the button never shows.
  api('/api/v1/sources').then((data) => {
    writable = new Map((data.sources || []).filter((x) => x.kind === 'smugmug' && x.writeback && x.writeback.albums).map((x) => [x.id, x.name]));
    render();
  }).catch(() => {});
  const buttons = h('div', { class: 'flex flex-wrap items-center gap-1' },
    all ? act('Select all', 'selection-all', selectAll) : null,
    act('Add keyword', 'selection-add-keyword', () => openForm('add', 'Keywords to add, separated by commas')),
    act('Remove keyword', 'selection-remove-keyword', () => openForm('remove', 'Keywords to remove')),
    act('Add to album', 'selection-add-album', () => openForm('album', 'Album name (new or existing)')),
    act('Download', 'selection-download', download),
    smugAlbum,
    act('Clear', 'selection-clear', clear));
  const bar = h('div', {
    role: 'toolbar', 'aria-label': 'Selected photos', hidden: true,
    class: 'fixed inset-x-0 bottom-0 z-40 border-t border-slate-700 bg-slate-900 text-white shadow-lg',
    dataset: { testid: 'selection-bar' },
  }, h('div', { class: 'mx-auto flex max-w-7xl flex-wrap items-center gap-3 px-4 py-2' }, count, buttons, form, status));
  document.body.append(bar);

  function render() {
    const n = selected.size;
    bar.hidden = n === 0;
    count.textContent = `${n} selected`;
    const src = albumSourceFor([...selected], sourceOf, writable);
    smugAlbum.hidden = src === null;
    if (src !== null) smugAlbum.title = `A new album on SmugMug (${writable.get(src)}) holding the selected photos`;
    document.body.classList.toggle('pb-16', n > 0);
    for (const [id, boxes] of checkboxes) {
      for (const b of boxes) {
        if (!b.isConnected) continue;
        b.setAttribute('aria-checked', String(selected.has(id)));
        b.closest('[data-testid=photo-item],[data-testid=result-item]')?.classList.toggle('ring-4', selected.has(id));
      }
    }
  }

  function toggle(id, { range = false } = {}) {
    if (range && anchor !== null) {
      for (const x of rangeBetween(order().map((p) => p.photo_id), anchor, id)) selected.add(x);
    } else if (selected.has(id)) {
      selected.delete(id);
    } else {
      selected.add(id);
    }
    anchor = id;
    render();
  }

  async function selectAll() {
    setStatus(status, 'Finding every photo…');
    try {
      const items = all ? await all() : order();
      for (const x of items) {
        // all() gives hits ({photo_id, source_id}) or bare ids.
        const id = typeof x === 'object' ? x.photo_id : x;
        if (typeof x === 'object' && x.source_id) sourceOf.set(id, x.source_id);
        selected.add(id);
      }
      setStatus(status, '');
      render();
    } catch (err) {
      setStatus(status, describeError(err), 'error');
    }
  }

  function clear() {
    selected.clear();
    anchor = null;
    closeForm();
    setStatus(status, '');
    render();
  }

  async function openForm(kind, placeholder) {
    action = kind;
    input.value = '';
    input.placeholder = placeholder;
    input.setAttribute('aria-label', placeholder);
    if (kind === 'album') {
      input.setAttribute('list', 'selection-albums');
      try {
        const data = await api('/api/v1/collections');
        albums.replaceChildren(...(data.collections || []).filter((c) => !c.query).map((c) => h('option', { value: c.name })));
      } catch {
        albums.replaceChildren();
      }
    } else {
      input.removeAttribute('list');
    }
    buttons.hidden = true;
    form.hidden = false;
    input.focus();
  }

  function closeForm() {
    form.hidden = true;
    buttons.hidden = false;
    action = null;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ids = [...selected];
    const text = input.value.trim();
    if (!text) return;
    submit.disabled = true;
    try {
      if (action === 'add' || action === 'remove') {
        const kws = splitKeywords(text);
        const res = await api('/api/v1/photos/keywords', { method: 'POST', body: { photo_ids: ids, [action]: kws } });
        setStatus(status, `${action === 'add' ? 'Added' : 'Removed'} “${kws.join('”, “')}” ${action === 'add' ? 'to' : 'from'} ${res.updated} ${res.updated === 1 ? 'photo' : 'photos'}.`);
      } else if (action === 'album') {
        const data = await api('/api/v1/collections');
        const existing = (data.collections || []).find((c) => !c.query && c.name.toLowerCase() === text.toLowerCase());
        const c = existing
          ? await api(`/api/v1/collections/${existing.id}/photos`, { method: 'POST', body: { add: ids } })
          : await api('/api/v1/collections', { method: 'POST', body: { name: text, photo_ids: ids } });
        status.replaceChildren(`Album “${c.name}” holds ${c.photo_count} ${c.photo_count === 1 ? 'photo' : 'photos'}. `,
          h('a', { href: `/library?collection=${c.id}`, class: 'underline' }, 'Open it'));
        status.dataset.kind = 'info';
      } else if (action === 'smugmug') {
        setStatus(status, 'Creating the album on SmugMug…');
        const a = await api('/api/v1/photos/smugmug-album', { method: 'POST', body: { photo_ids: ids, name: text } });
        status.replaceChildren(`SmugMug album “${a.name}” made with ${a.collected} of ${a.photos} ${a.photos === 1 ? 'photo' : 'photos'}${a.error ? ` (${a.error})` : ''}. `,
          a.web_url ? h('a', { href: a.web_url, target: '_blank', rel: 'noopener noreferrer', class: 'underline', dataset: { testid: 'selection-smugmug-link' } }, 'Open it on SmugMug') : '');
        status.dataset.kind = 'info';
      }
      closeForm();
    } catch (err) {
      setStatus(status, describeError(err), 'error');
    } finally {
      submit.disabled = false;
    }
  });
  bar.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !form.hidden) {
      e.preventDefault();
      closeForm();
    }
  });

  function download() {
    const ids = [...selected];
    if (ids.length > MAX_ZIP) {
      setStatus(status, `One download holds at most ${MAX_ZIP} photos; select fewer.`, 'error');
      return;
    }
    setStatus(status, `Downloading ${ids.length} ${ids.length === 1 ? 'original' : 'originals'} as a zip…`);
    const a = h('a', { href: zipURL(ids), download: '', hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
  }

  /**
   * decorate puts the checkbox on a photo item (the positioned wrapper
   * withView makes) and returns it.
   */
  function decorate(item, photo) {
    const id = photo.photo_id;
    if (photo.source_id) sourceOf.set(id, photo.source_id);
    const box = h('button', {
      type: 'button',
      role: 'checkbox',
      'aria-checked': String(selected.has(id)),
      'aria-label': `Select ${photo.title || 'photo'}`,
      title: 'Select (shift-click selects a run)',
      class: 'absolute left-1.5 top-1.5 z-10 flex size-6 items-center justify-center rounded-full border-2 border-white bg-black/40 text-xs text-transparent shadow hover:bg-black/60 aria-checked:border-indigo-500 aria-checked:bg-indigo-600 aria-checked:text-white focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500',
      dataset: { testid: 'select-toggle', photoId: String(id) },
      onclick: (e) => toggle(id, { range: e.shiftKey }),
    }, '✓');
    if (!checkboxes.has(id)) checkboxes.set(id, []);
    checkboxes.get(id).push(box);
    item.classList.add('ring-indigo-500', 'rounded-lg');
    item.append(box);
    if (selected.has(id)) item.classList.add('ring-4');
    return item;
  }

  render();
  return { decorate, clear, selectAll, get ids() { return [...selected]; } };
}
