// activity.js — what the workers are doing: job counts updated live from the
// server's event stream, this month's Claude cost against the budget, and
// the failed jobs with their reasons, a retry and a dismiss button.
import { api, withQuery, describeError } from '../api.js';
import { $, h, formatDate, formatUSD, setStatus } from '../dom.js';

const STATES = ['queued', 'waiting', 'running', 'done', 'failed'];

export async function initActivity() {
  $('failures-refresh').addEventListener('click', loadFailures);
  startLive();
  await Promise.all([loadCounts(), loadUsage(), loadFailures()]);
}

function showCounts(counts, current) {
  for (const s of STATES) {
    const v = counts[s];
    $(`count-${s}`).textContent = typeof v === 'number' ? v.toLocaleString() : '–';
  }
  if (current !== undefined) $('job-current').textContent = current ? `Now: ${current}` : '';
}

/** showWaiting says which jobs cannot run yet, and what lets them. */
function showWaiting(waiting) {
  $('jobs-waiting').replaceChildren(...waiting.map((w) => h('li', {
    class: 'rounded-md bg-amber-50 px-3 py-2 text-amber-900 dark:bg-amber-950 dark:text-amber-100',
    dataset: { testid: 'waiting-kind', kind: w.kind },
  }, `${w.count.toLocaleString()} ${w.kind} ${w.count === 1 ? 'job' : 'jobs'}: ${w.reason}`)));
}

async function loadCounts() {
  try {
    const data = await api('/api/v1/jobs');
    showCounts(data.counts || {});
    showWaiting(data.waiting || []);
  } catch {
    // The live stream or the failures list reports the outage.
  }
}

/**
 * startLive subscribes to the progress stream. EventSource reconnects by
 * itself after a dropped connection; the indicator tells the user whether
 * the numbers are live. When failures grow, the failures list is reloaded.
 */
function startLive() {
  const indicator = $('live-indicator');
  const setLive = (state, text) => {
    indicator.dataset.state = state;
    indicator.textContent = text;
  };
  if (!('EventSource' in window)) {
    setLive('unsupported', 'Live updates unavailable');
    return;
  }
  const es = new EventSource('/api/v1/events');
  let lastFailed = null;
  let lastWaiting = null;
  es.addEventListener('open', () => setLive('live', '● Live'));
  es.addEventListener('error', () => {
    setLive(es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting',
      es.readyState === EventSource.CLOSED ? 'Live updates stopped' : 'Reconnecting…');
  });
  es.addEventListener('progress', (e) => {
    let data;
    try {
      data = JSON.parse(e.data);
    } catch {
      return;
    }
    setLive('live', '● Live');
    showCounts(data, data.current || '');
    if (lastWaiting !== null && data.waiting !== lastWaiting) loadCounts();
    lastWaiting = data.waiting;
    if (lastFailed !== null && data.failed !== lastFailed) loadFailures();
    lastFailed = data.failed;
  });
  // Close on leaving so the server is not left holding the stream.
  window.addEventListener('pagehide', () => es.close());
}

async function loadUsage() {
  const summary = $('usage-summary');
  try {
    const u = await api('/api/v1/usage');
    const cost = Number(u.month_cost_usd) || 0;
    const budget = Number(u.budget_usd) || 0;
    const pct = budget > 0 ? Math.min(100, (cost / budget) * 100) : 0;
    summary.textContent = `${formatUSD(cost)} of ${formatUSD(budget)} budget · ${u.photos_described ?? 0} photos described`;
    const bar = $('usage-bar');
    bar.setAttribute('aria-valuenow', String(Math.round(pct)));
    const fill = $('usage-bar-fill');
    // A CSSOM property, not a style attribute, so a strict CSP allows it.
    fill.style.width = `${pct}%`;
    fill.classList.toggle('bg-red-600', pct >= 100);
    fill.classList.toggle('bg-indigo-600', pct < 100);
  } catch (err) {
    setStatus(summary, `Usage unavailable: ${describeError(err)}`, 'error');
  }
}

async function loadFailures() {
  const list = $('failed-jobs');
  const status = $('failures-status');
  list.setAttribute('aria-busy', 'true');
  try {
    const data = await api(withQuery('/api/v1/jobs', { state: 'failed' }));
    const jobs = (data.jobs || []).filter((j) => j.state === 'failed' || !j.state);
    if (data.counts) showCounts(data.counts);
    list.replaceChildren(...jobs.map(failedJob));
    list.hidden = jobs.length === 0;
    setStatus(status, jobs.length ? '' : 'No failures.');
  } catch (err) {
    list.replaceChildren();
    list.hidden = true;
    setStatus(status, `Could not load failures: ${describeError(err)}`, 'error');
  } finally {
    list.removeAttribute('aria-busy');
  }
}

function failedJob(j) {
  const msg = h('span', { class: 'text-sm', role: 'status', 'aria-live': 'polite' });
  const retry = j.retryable === false ? h('span', { class: 'text-xs text-slate-500 dark:text-slate-400', dataset: { testid: 'job-no-retry' } },
    j.photo_id ? 'Retrying cannot help: fix or replace the file, then sync its source.' : 'Retrying cannot help until its cause is fixed.') : h('button', {
    type: 'button',
    class: 'rounded-md border border-slate-300 px-3 py-1 text-sm font-medium hover:bg-slate-100 disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-slate-700 dark:hover:bg-slate-800',
    dataset: { testid: 'job-retry' },
    'aria-label': `Retry ${j.kind} job ${j.id}`,
  }, 'Retry');
  if (j.retryable !== false) retry.addEventListener('click', async () => {
    retry.disabled = true;
    try {
      await api(`/api/v1/jobs/${encodeURIComponent(j.id)}/retry`, { method: 'POST' });
      setStatus(msg, 'Queued again.');
      retry.remove();
    } catch (err) {
      setStatus(msg, describeError(err), 'error');
      retry.disabled = false;
    }
  });
  const dismiss = h('button', {
    type: 'button',
    class: 'rounded-md px-3 py-1 text-sm font-medium text-slate-600 hover:bg-slate-100 disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-slate-300 dark:hover:bg-slate-800',
    dataset: { testid: 'job-dismiss' },
    'aria-label': `Dismiss ${j.kind} job ${j.id}`,
  }, 'Dismiss');
  dismiss.addEventListener('click', async () => {
    dismiss.disabled = true;
    try {
      // The failure leaves the list and stays counted.
      await api(`/api/v1/jobs/${encodeURIComponent(j.id)}`, { method: 'DELETE' });
      dismiss.closest('li')?.remove();
    } catch (err) {
      setStatus(msg, describeError(err), 'error');
      dismiss.disabled = false;
    }
  });
  const what = [`${j.attempts ?? 0} ${j.attempts === 1 ? 'attempt' : 'attempts'}`, formatDate(j.updated_at, true)].filter(Boolean).join(' · ');
  return h('li', { class: 'flex flex-wrap items-start justify-between gap-3 p-3', dataset: { testid: 'failed-job', jobId: String(j.id) } },
    h('div', { class: 'min-w-0 flex-1' },
      h('p', { class: 'text-sm font-medium' }, j.kind,
        j.photo_id ? [' · ', h('a', {
          href: `/photos/${encodeURIComponent(j.photo_id)}`,
          class: 'text-indigo-600 underline hover:no-underline dark:text-indigo-400',
          dataset: { testid: 'job-photo' },
        }, `photo ${j.photo_id}`)] : null,
        ` · ${what}`),
      h('p', { class: 'mt-0.5 break-words text-sm text-red-700 dark:text-red-300', dataset: { testid: 'job-error' } }, j.last_error || 'No reason recorded.')),
    h('div', { class: 'flex items-center gap-2' }, msg, retry, dismiss));
}
