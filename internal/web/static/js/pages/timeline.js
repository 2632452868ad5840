// timeline.js — the library by date: a section per month (or day) with a
// sticky date header, laid out at once from GET /api/v1/timeline's counts
// (each section sized for its photos before they load), its photos loaded
// only as it scrolls near (GET /api/v1/photos?from=&to=), and a year
// scrubber that jumps to a year (click, keyboard, or a drag along it).
import { api, withQuery, describeError } from '../api.js';
import { $, h, setStatus } from '../dom.js';
import { photoCard, emptyState, errorState } from '../cards.js';
import { stepsPanel } from '../steps.js';
import { openViewer, withView } from '../viewer.js';
import { selectable } from '../selection.js';

const PAGE = 200;

const monthFmt = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });
const dayFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeZone: 'UTC' });

/**
 * periodLabel names a period of the API ("2024-06", "2024-06-30") in the
 * reader's language; the date is the camera's clock, so it is read as UTC.
 */
export function periodLabel(period) {
  const [y, m, d] = period.split('-').map(Number);
  if (!y || !m) return period;
  const date = new Date(Date.UTC(y, m - 1, d || 1));
  return d ? dayFmt.format(date) : monthFmt.format(date);
}

/** years groups periods (newest first) by year: [[year, count], …]. */
export function years(periods) {
  const out = [];
  for (const p of periods) {
    const y = p.period.slice(0, 4);
    const last = out[out.length - 1];
    if (last && last[0] === y) last[1] += p.count;
    else out.push([y, p.count]);
  }
  return out;
}

export async function initTimeline() {
  const root = $('timeline-sections');
  const status = $('timeline-status');
  const count = $('timeline-count');
  const yearList = $('timeline-year-list');
  const byButtons = [$('timeline-by-month'), $('timeline-by-day')];

  const selection = selectable({ order: () => sections.flatMap((s) => s.photos) });
  let by = new URLSearchParams(location.search).get('by') === 'day' ? 'day' : 'month';
  let sections = [];
  let generation = 0;
  let observer = null;

  const items = () => sections.flatMap((s) => s.photos);
  const view = (p) => () => openViewer({
    items,
    index: items().indexOf(p),
    more: async () => {
      const next = sections.find((s) => !s.done);
      if (!next) return false;
      await loadSection(next);
      return true;
    },
  });

  async function loadSection(s) {
    if (s.done) return;
    if (s.loading) return s.loading;
    const gen = generation;
    s.loading = (async () => {
      s.grid.setAttribute('aria-busy', 'true');
      try {
        while (!s.done && gen === generation) {
          const params = s.undated ? { undated: 'true' } : { from: s.from, to: s.to };
          const data = await api(withQuery('/api/v1/photos', { ...params, limit: PAGE, offset: s.photos.length }));
          if (gen !== generation) return;
          const photos = data.photos || [];
          for (const p of photos) s.grid.append(selection.decorate(withView(photoCard(p), p, view(p)), p));
          s.photos.push(...photos);
          s.done = photos.length < PAGE || s.photos.length >= (data.total ?? 0);
        }
        s.grid.style.minHeight = '';
      } catch (err) {
        s.grid.append(errorState(describeError(err), () => {
          s.grid.querySelector('[data-testid=error-state]')?.remove();
          loadSection(s);
        }));
      } finally {
        s.loading = null;
        s.grid.removeAttribute('aria-busy');
      }
    })();
    return s.loading;
  }

  function section(period, label, n, extra = {}) {
    const id = `period-${period}`;
    const grid = h('div', { class: 'grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-4 xl:grid-cols-5', dataset: { testid: 'timeline-grid' } });
    // Sized for its photos before they load, so the scrollbar and the
    // scrubber's jumps land where the photos will be.
    grid.style.minHeight = `${Math.ceil(n / 4) * 11}rem`;
    const heading = h('h2', {
      id,
      tabindex: '-1',
      class: 'sticky top-0 z-20 -mx-1 mb-2 bg-slate-50/95 px-1 py-2 text-sm font-semibold backdrop-blur dark:bg-slate-950/95',
      dataset: { testid: 'timeline-header' },
    }, label, h('span', { class: 'ml-2 font-normal text-slate-500 dark:text-slate-400' }, `${n} ${n === 1 ? 'photo' : 'photos'}`));
    const el = h('section', { class: 'mb-6', 'aria-labelledby': id, dataset: { testid: 'timeline-section', period } }, heading, grid);
    return { period, year: period.slice(0, 4), el, heading, grid, photos: [], done: false, loading: null, ...extra };
  }

  function renderYears() {
    yearList.replaceChildren(...years(sections.filter((s) => !s.undated)).map(([y, n]) => h('li', {},
      h('button', {
        type: 'button',
        class: 'w-full rounded px-2 py-0.5 text-slate-600 hover:bg-slate-200 aria-current:bg-indigo-100 aria-current:font-semibold aria-current:text-indigo-900 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-slate-300 dark:hover:bg-slate-800 dark:aria-current:bg-indigo-950 dark:aria-current:text-indigo-100',
        'aria-label': `${y}, ${n} ${n === 1 ? 'photo' : 'photos'}`,
        dataset: { testid: 'timeline-year', year: y },
        onclick: () => jumpTo(y),
      }, y))));
  }

  function jumpTo(year) {
    const s = sections.find((x) => x.year === year && !x.undated);
    if (!s) return;
    s.heading.scrollIntoView({ block: 'start' });
    s.heading.focus({ preventScroll: true });
    loadSection(s);
    markYear(year);
  }

  function markYear(year) {
    for (const b of yearList.querySelectorAll('button')) {
      if (b.dataset.year === year) b.setAttribute('aria-current', 'true');
      else b.removeAttribute('aria-current');
    }
  }

  // The year of the section at the top of the screen is the current one.
  let ticking = false;
  window.addEventListener('scroll', () => {
    if (ticking) return;
    ticking = true;
    requestAnimationFrame(() => {
      ticking = false;
      const top = sections.find((s) => s.el.getBoundingClientRect().bottom > 80);
      if (top && !top.undated) markYear(top.year);
    });
  }, { passive: true });

  // Dragging along the scrubber (mouse, pen or finger) jumps year by year.
  let dragging = false;
  yearList.addEventListener('pointerdown', () => { dragging = true; });
  yearList.addEventListener('pointerleave', () => { dragging = false; });
  yearList.addEventListener('pointerup', () => { dragging = false; });
  yearList.addEventListener('pointercancel', () => { dragging = false; });
  yearList.addEventListener('pointermove', (e) => {
    if (!dragging) return;
    const b = document.elementFromPoint(e.clientX, e.clientY)?.closest('[data-testid=timeline-year]');
    if (b && b.getAttribute('aria-current') !== 'true') jumpTo(b.dataset.year);
  });

  async function load() {
    const gen = ++generation;
    if (observer) observer.disconnect();
    sections = [];
    selection.clear();
    root.replaceChildren();
    root.setAttribute('aria-busy', 'true');
    setStatus(status, 'Loading…');
    let data;
    try {
      data = await api(withQuery('/api/v1/timeline', { by }));
    } catch (err) {
      if (gen !== generation) return;
      root.replaceChildren(errorState(describeError(err), load));
      setStatus(status, 'Could not load the timeline.', 'error');
      root.removeAttribute('aria-busy');
      return;
    }
    if (gen !== generation) return;
    root.removeAttribute('aria-busy');
    setStatus(status, '');
    count.textContent = `${data.total} ${data.total === 1 ? 'photo' : 'photos'}`;
    sections = (data.periods || []).map((p) => section(p.period, periodLabel(p.period), p.count, { from: p.from, to: p.to }));
    if (data.undated) sections.push(section('undated', 'Date unknown', data.undated, { undated: true, year: '' }));
    if (!sections.length) {
      root.replaceChildren(emptyState('No photos yet', 'Add a source on the Sources page and its photos appear here by date as they are indexed.', 'timeline-empty'));
      stepsPanel().then((panel) => { if (panel) root.prepend(panel); });
      renderYears();
      return;
    }
    root.replaceChildren(...sections.map((s) => s.el));
    renderYears();
    observer = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        const s = sections.find((x) => x.grid === e.target);
        if (s) loadSection(s);
      }
    }, { rootMargin: '800px 0px' });
    for (const s of sections) observer.observe(s.grid);
    markYear(sections[0].year);
  }

  for (const b of byButtons) {
    b.addEventListener('click', () => {
      if (b.dataset.by === by) return;
      by = b.dataset.by;
      for (const x of byButtons) x.setAttribute('aria-pressed', String(x === b));
      history.replaceState(null, '', withQuery('/timeline', { by: by === 'day' ? 'day' : '' }));
      load();
    });
    b.setAttribute('aria-pressed', String(b.dataset.by === by));
  }
  await load();
}
