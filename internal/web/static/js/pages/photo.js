// photo.js — one photo: the large image, its description and keywords, the
// EXIF details, a map link when it has a position, a link back to SmugMug,
// and visually similar photos.
import { api, describeError } from '../api.js';
import { $, h, formatDate, setStatus } from '../dom.js';
import { photoCard, semanticNote, emptyState, errorState } from '../cards.js';
import { fillDetails } from '../details.js';
import { openViewer, withView } from '../viewer.js';

// viewerItems are what the viewer steps through from this page: the photo,
// then the photos that look like it.
let viewerItems = [];

function viewAt(index) {
  openViewer({ items: () => viewerItems, index });
}

export async function initPhoto() {
  const id = document.body.dataset.photoId;
  $('photo-view').addEventListener('click', () => viewAt(0));
  $('photo-image').addEventListener('click', () => viewAt(0));
  $('photo-edit-form').addEventListener('submit', (e) => {
    e.preventDefault();
    saveEdit(id, {
      caption: $('photo-edit-caption').value,
      keywords: $('photo-edit-keywords').value.split(',').map((k) => k.trim()).filter(Boolean),
      rating: Number($('photo-edit-rating').value),
      favorite: $('photo-edit-favorite').checked,
    });
  });
  $('photo-edit-reset').addEventListener('click', () => saveEdit(id, { reset: true }));
  await Promise.all([loadPhoto(id), loadSimilar(id)]);
}

async function saveEdit(id, body) {
  const status = $('photo-edit-status');
  $('photo-edit-submit').disabled = true;
  try {
    await api(`/api/v1/photos/${encodeURIComponent(id)}`, { method: 'PATCH', body });
    setStatus(status, 'Saved.');
    await loadPhoto(id);
  } catch (err) {
    setStatus(status, describeError(err), 'error');
  } finally {
    $('photo-edit-submit').disabled = false;
  }
}

async function loadPhoto(id) {
  const status = $('photo-status');
  let p;
  try {
    p = await api(`/api/v1/photos/${encodeURIComponent(id)}`);
  } catch (err) {
    setStatus(status, err.status === 404 ? 'This photo does not exist or is not yours.' : describeError(err), 'error');
    return;
  }
  const title = p.title || p.file_name || 'Untitled';
  viewerItems = [{ photo_id: p.photo_id, title, thumbnail_url: p.thumbnail_url, description: p.description }, ...viewerItems.slice(1)];
  document.title = `${title} · TargetVision`;
  $('photo-title').textContent = title;
  $('photo-album').textContent = [p.album, formatDate(p.taken_at)].filter(Boolean).join(' · ');
  const img = $('photo-image');
  img.alt = p.description || title;
  // Shown at its own size at most: a small original is not blown up.
  const failed = p.status === 'failed';
  img.src = p.issue === 'no_preview' || failed ? '' : (p.image_url || p.thumbnail_url || '');
  if (!img.getAttribute('src')) img.hidden = true;
  if (p.issue === 'no_preview') {
    setStatus(status, 'A RAW file without an embedded preview: its details are indexed, there is no picture to show.');
  } else if (failed) {
    setStatus(status, `This file could not be read${p.error ? `: ${p.error}` : '.'} Fix or replace it, then sync its source.`, 'error');
  }
  $('photo-caption').textContent = p.caption || '';
  $('photo-edit-caption').value = p.caption || '';
  $('photo-edit-keywords').value = (p.keywords || []).join(', ');
  $('photo-edit-rating').value = String(p.rating || 0);
  $('photo-edit-favorite').checked = Boolean(p.favorite);
  $('photo-description').textContent = p.description || (failed
    ? 'Not described: the file could not be read.'
    : 'Not described yet: its description is waiting in the queue (the Activity page shows why).');

  const kw = $('photo-keywords');
  kw.replaceChildren(...(p.keywords || []).map((k) => h('li', {},
    h('a', {
      href: `/search?q=${encodeURIComponent(k)}&keyword=${encodeURIComponent(k)}`,
      class: 'inline-block rounded-full bg-slate-200 px-2.5 py-0.5 text-sm hover:bg-slate-300 dark:bg-slate-800 dark:hover:bg-slate-700',
      dataset: { testid: 'photo-keyword' },
    }, k))));
  if (!kw.children.length) kw.append(h('li', { class: 'text-sm text-slate-500 dark:text-slate-400' }, 'None yet.'));

  fillDetails($('photo-exif').tBodies[0], p);

  const map = $('photo-map-link');
  if (p.gps && Number.isFinite(Number(p.gps.lat)) && Number.isFinite(Number(p.gps.lon))) {
    const lat = Number(p.gps.lat);
    const lon = Number(p.gps.lon);
    map.href = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=15/${lat}/${lon}`;
    map.hidden = false;
  }
  const dl = $('photo-download');
  dl.hidden = !p.original_url;
  if (p.original_url) dl.href = p.original_url;
  // Why there is no download (e.g. a SmugMug photo synced before
  // originals were kept: the next full sync makes it downloadable).
  const note = $('photo-original-note');
  note.textContent = p.original_note || '';
  note.hidden = !p.original_note;
  const sm = $('photo-smugmug-link');
  if (p.web_url && /^https?:\/\//.test(p.web_url)) {
    sm.href = p.web_url;
    sm.hidden = false;
  }
  if (p.issue !== 'no_preview' && !failed) {
    status.textContent = '';
    status.hidden = true;
  }
  $('photo-detail').hidden = false;
}

async function loadSimilar(id) {
  const grid = $('similar-photos');
  const status = $('similar-status');
  grid.setAttribute('aria-busy', 'true');
  try {
    const data = await api(`/api/v1/photos/${encodeURIComponent(id)}/similar`);
    const hits = (data.results || []).filter((r) => String(r.photo_id) !== String(id));
    viewerItems = [viewerItems[0] || { photo_id: Number(id), title: '' }, ...hits];
    grid.replaceChildren(...hits.map((r, i) => withView(photoCard(r, { testid: 'similar-card' }), r, () => viewAt(i + 1))));
    const off = semanticNote(data.semantic);
    if (!hits.length) {
      grid.append(off
        ? emptyState('No similar photos', off, 'similar-off')
        : emptyState('No similar photos yet', 'None of your photos looks like this one yet, or this one has not been embedded.', 'similar-empty'));
    }
  } catch (err) {
    grid.replaceChildren(errorState(describeError(err), () => loadSimilar(id)));
  } finally {
    grid.removeAttribute('aria-busy');
    status.textContent = '';
  }
}
