// map.js — the photos with a GPS position on a map (Leaflet, served by us
// from static/vendor and loaded only on this page), over the tile server
// the operator configured (TARGETVISION_MAP_TILES; the CSP allows its host
// alone). Tiles that cannot load leave the map blank, with a note, and the
// photos still on it; below the map the same photos are a list of links,
// for keyboards and screen readers.
import { api, describeError } from '../api.js';
import { $, h, setStatus } from '../dom.js';
import { emptyState } from '../cards.js';

/** bounds is [[south, west], [north, east]] around the points (null for none). */
export function bounds(points) {
  if (!points.length) return null;
  let s = 90; let w = 180; let n = -90; let e = -180;
  for (const p of points) {
    s = Math.min(s, p.lat); n = Math.max(n, p.lat);
    w = Math.min(w, p.lon); e = Math.max(e, p.lon);
  }
  return [[s, w], [n, e]];
}

export async function initMap() {
  const status = $('map-status');
  const count = $('map-count');
  const list = $('map-list');
  const el = $('map');
  let data;
  try {
    data = await api('/api/v1/map');
  } catch (err) {
    setStatus(status, describeError(err), 'error');
    return;
  }
  const points = data.points || [];
  count.textContent = `${data.total} ${data.total === 1 ? 'photo has' : 'photos have'} a position${data.truncated ? ` (the newest ${points.length} shown)` : ''}`;
  list.replaceChildren(...points.map((p) => h('li', {},
    h('a', { href: `/photos/${p.photo_id}`, class: 'hover:underline', dataset: { testid: 'map-list-item', photoId: String(p.photo_id) } },
      p.title, p.place ? h('span', { class: 'text-slate-500 dark:text-slate-400' }, ` — ${p.place}`) : null))));
  if (!points.length) {
    el.replaceWith(emptyState('No photos with a position yet', 'Photos whose EXIF has GPS coordinates appear here.', 'map-empty'));
    return;
  }

  const L = await import('../../vendor/leaflet/leaflet.js');
  const map = L.map(el, { preferCanvas: true, worldCopyJump: true });
  el.dataset.state = 'ready';
  if (data.tiles && data.tiles.url) {
    const tiles = L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution || '', maxZoom: 19, crossOrigin: false });
    let failed = 0;
    tiles.on('tileerror', () => {
      failed++;
      el.dataset.tileErrors = String(failed);
      if (failed === 1) setStatus(status, 'The map tiles could not be loaded (the tile server is unreachable); your photos are still marked.');
    });
    tiles.on('tileload', () => { el.dataset.tilesLoaded = 'true'; });
    tiles.addTo(map);
  } else {
    setStatus(status, 'This server shows no map tiles (TARGETVISION_MAP_TILES is off); your photos are still marked.');
  }
  const layer = L.featureGroup().addTo(map);
  for (const p of points) {
    const m = L.circleMarker([p.lat, p.lon], { radius: 7, weight: 2, color: '#ffffff', fillColor: '#4f46e5', fillOpacity: 0.9 });
    const popup = h('div', { class: 'w-40 text-slate-900', dataset: { testid: 'map-popup' } },
      p.thumbnail_url ? h('img', { src: p.thumbnail_url, alt: '', class: 'mb-1 aspect-square w-full rounded object-cover' }) : null,
      h('a', { href: `/photos/${p.photo_id}`, class: 'font-medium text-indigo-700 hover:underline' }, p.title),
      p.place ? h('p', { class: 'text-xs text-slate-600' }, p.place) : null);
    m.bindPopup(popup);
    m.bindTooltip(p.place ? `${p.title} — ${p.place}` : p.title);
    m.addTo(layer);
  }
  el.dataset.markers = String(points.length);
  const b = bounds(points);
  if (b[0][0] === b[1][0] && b[0][1] === b[1][1]) map.setView(b[0], 12);
  else map.fitBounds(b, { padding: [30, 30], maxZoom: 14 });
}
