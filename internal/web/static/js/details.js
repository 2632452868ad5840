// details.js — a photo's details (files, rating, EXIF, place) as table
// rows, shared by the photo page and the viewer's information panel.
import { h, formatDate } from './dom.js';

/**
 * detailRows lists a photo's details as [label, value] pairs, leaving out
 * those it does not have. p is GET /api/v1/photos/{id}'s answer.
 */
export function detailRows(p) {
  const ex = p.exposure || {};
  const files = (p.files || []).map((f) => (f.role === 'image' ? f.name : `${f.name} (${f.role === 'raw' ? 'RAW' : 'sidecar'})`));
  return [
    [files.length > 1 ? 'Files' : 'File', files.length ? files.join(', ') : p.file_name],
    ['Rating', p.rating > 0 ? '★'.repeat(p.rating) : (p.rating < 0 ? 'rejected' : '')],
    ['Favourite', p.favorite ? 'yes' : ''],
    ['Label', p.label],
    ['Taken', formatDate(p.taken_at, true)],
    ['Size', p.width && p.height ? `${p.width} × ${p.height}` : ''],
    ['Camera', p.camera],
    ['Lens', p.lens],
    ['Exposure', ex.time ? `${ex.time} s` : ''],
    ['Aperture', ex.f_number ? `ƒ/${ex.f_number}` : ''],
    ['ISO', ex.iso ? String(ex.iso) : ''],
    ['Focal length', ex.focal_length ? `${ex.focal_length} mm` : ''],
    ['Place', p.place],
    ['Position', p.gps ? `${Number(p.gps.lat).toFixed(5)}, ${Number(p.gps.lon).toFixed(5)}` : ''],
  ].filter(([, v]) => v);
}

/** detailTable fills a <tbody> with the rows of detailRows. */
export function fillDetails(tbody, p, { dark = false } = {}) {
  const label = dark ? 'text-white/60' : 'text-slate-500 dark:text-slate-400';
  const border = dark ? 'border-white/10' : 'border-slate-200 dark:border-slate-800';
  tbody.replaceChildren(...detailRows(p).map(([k, v]) => h('tr', { class: `border-b last:border-0 ${border}` },
    h('th', { scope: 'row', class: `w-28 whitespace-nowrap py-1 pr-4 text-left align-top font-normal ${label}` }, k),
    h('td', { class: 'py-1 break-all' }, v))));
}
