// sources.js — where photos come from: the list of sources with their state,
// the files each did not index as photos (by reason, listed on demand),
// "Sync now", "Remove", a SmugMug source's write-back switches and what was
// written back, the SmugMug connect link (or how the operator enables it)
// and (for admins) the form that adds a folder on the server.
import { api, describeError } from '../api.js';
import { $, h, formatDate, setStatus } from '../dom.js';
import { emptyState, errorState } from '../cards.js';

const statusStyle = {
  ok: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200',
  syncing: 'bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200',
  error: 'bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200',
  needs_reconnect: 'bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200',
};

export async function initSources({ me }) {
  const form = $('add-source-form');
  if (me && me.is_admin) {
    form.hidden = false;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      addSource();
    });
  } else {
    $('add-source-admin-only').hidden = false;
  }
  // After the SmugMug redirect flow the server sends the user back here;
  // show whatever it reported.
  const params = new URLSearchParams(location.search);
  if (params.get('error')) setStatus($('sources-status'), params.get('error'), 'error');
  await loadSources();
}

// While a source is syncing (or has yet to finish its first sync) the list
// refreshes itself, so counts and states move without a reload; it gives up
// after POLL_LIMIT rounds so a forgotten tab does not poll forever.
const POLL_MS = 3000;
const POLL_LIMIT = 100;
let pollTimer = null;
let polls = 0;

function schedulePoll(sources) {
  clearTimeout(pollTimer);
  const busy = sources.some((s) => s.status === 'syncing' || (!s.last_synced_at && s.status !== 'error' && s.status !== 'needs_reconnect'));
  if (busy && polls < POLL_LIMIT) {
    polls++;
    pollTimer = setTimeout(loadSources, POLL_MS);
  }
}

async function loadSources() {
  const list = $('source-list');
  list.setAttribute('aria-busy', 'true');
  try {
    const data = await api('/api/v1/sources');
    const sources = data.sources || [];
    smugmugAvailable(data.smugmug_configured !== false);
    // Keep a sync message the user has not read yet across a refresh.
    const messages = new Map([...list.querySelectorAll('[data-testid=source-item]')].map((li) => [li.dataset.sourceId, li.querySelector('[data-testid=source-sync-status]')?.textContent || '']));
    list.replaceChildren(...sources.map((s) => sourceItem(s, messages.get(String(s.id)))));
    if (!sources.length) {
      const how = data.smugmug_configured === false ? 'Add a folder to start indexing.' : 'Connect SmugMug or add a folder to start indexing.';
      list.append(h('li', {}, emptyState('No sources yet', how, 'sources-empty')));
    }
    schedulePoll(sources);
  } catch (err) {
    list.replaceChildren(h('li', {}, errorState(describeError(err), loadSources)));
  } finally {
    list.removeAttribute('aria-busy');
  }
}

// The reasons a file is not a photo with pixels, in the words shown.
const issueWords = {
  corrupt: 'corrupt',
  too_large: 'too large',
  unsupported: 'unsupported',
  no_preview: 'RAW without preview',
  excluded: 'excluded',
};

/** The exclude patterns typed in the form: comma- or newline-separated, trimmed. */
export function splitPatterns(text) {
  return (text || '').split(/[,\n]/).map((p) => p.trim()).filter(Boolean);
}

/** "2 unsupported · 1 corrupt" for a source's issue counts; '' for none. */
export function issueSummary(counts) {
  return Object.keys(issueWords)
    .filter((k) => counts && counts[k] > 0)
    .map((k) => `${counts[k]} ${issueWords[k]}`)
    .join(' · ');
}

// issuesBlock accounts for the files a source did not index as photos with
// pixels: the counts, and on opening the list of files with their reason.
function issuesBlock(s) {
  const summary = issueSummary(s.issues);
  if (!summary) return null;
  const list = h('ul', { class: 'mt-2 space-y-1 text-sm', dataset: { testid: 'source-issue-list' } });
  const box = h('details', { class: 'mt-2 text-sm', dataset: { testid: 'source-issues' } },
    h('summary', { class: 'cursor-pointer text-slate-600 dark:text-slate-400' }, `Not indexed as photos: ${summary}`),
    list);
  box.addEventListener('toggle', async () => {
    if (!box.open || list.childElementCount) return;
    try {
      const data = await api(`/api/v1/sources/${encodeURIComponent(s.id)}/issues`);
      list.replaceChildren(...(data.files || []).map((f) => h('li', { class: 'break-words', dataset: { testid: 'source-issue' } },
        h('span', { class: 'font-mono' }, f.path), ` — ${issueWords[f.reason] || f.reason}`,
        f.detail ? h('span', { class: 'text-slate-600 dark:text-slate-400' }, `: ${f.detail}`) : null)));
    } catch (err) {
      list.replaceChildren(h('li', { class: 'text-red-700 dark:text-red-300' }, describeError(err)));
    }
  });
  return box;
}

// smugmugAvailable shows the connect link, or, when the server has no
// SmugMug API key, what the operator sets to offer it.
function smugmugAvailable(on) {
  $('connect-smugmug').hidden = !on;
  $('smugmug-not-configured').hidden = on;
}

const toggleClass = 'size-4 rounded border-slate-300 accent-indigo-600';

// writeBackBlock is a SmugMug source's write-back switches (off until the
// owner turns them on) and, on opening, what was written back.
function writeBackBlock(s) {
  if (s.kind !== 'smugmug' || !s.writeback) return null;
  const status = h('p', { class: 'text-xs', role: 'status', 'aria-live': 'polite', dataset: { testid: 'writeback-status' } });
  const boxes = {};
  const toggle = (key, label) => {
    const id = `writeback-${key}-${s.id}`;
    boxes[key] = h('input', { id, type: 'checkbox', class: toggleClass, checked: Boolean(s.writeback[key]), dataset: { testid: `writeback-${key}` } });
    boxes[key].addEventListener('change', save);
    return h('div', { class: 'flex items-center gap-2' }, boxes[key], h('label', { for: id, class: 'text-sm' }, label));
  };
  async function save() {
    const body = Object.fromEntries(Object.entries(boxes).map(([k, el]) => [k, el.checked]));
    Object.values(boxes).forEach((el) => { el.disabled = true; });
    try {
      await api(`/api/v1/sources/${encodeURIComponent(s.id)}/writeback`, { method: 'PUT', body });
      const text = body.keywords || body.captions
        ? (body.dry_run ? 'Saved: planned writes are recorded below, SmugMug is not changed.' : 'Saved: descriptions from now on are written back.')
        : 'Saved: nothing is written back.';
      setStatus(status, body.albums ? `${text} Selected photos can become albums here (the toolbar's “Create SmugMug album”).` : text);
    } catch (err) {
      setStatus(status, describeError(err), 'error');
    } finally {
      Object.values(boxes).forEach((el) => { el.disabled = false; });
    }
  }
  const log = h('ul', { class: 'mt-2 space-y-1 text-sm', dataset: { testid: 'writeback-log' } });
  const logBox = h('details', { class: 'mt-1 text-sm', dataset: { testid: 'writeback-writes' } },
    h('summary', { class: 'cursor-pointer text-slate-600 dark:text-slate-400' }, 'What was written back'), log);
  logBox.addEventListener('toggle', async () => {
    if (!logBox.open) return;
    try {
      const data = await api(`/api/v1/sources/${encodeURIComponent(s.id)}/writes?limit=100`);
      const writes = data.writes || [];
      log.replaceChildren(...writes.map((w) => h('li', { class: 'break-words', dataset: { testid: 'writeback-entry' } },
        h('a', { href: `/photos/${encodeURIComponent(w.photo_id)}`, class: 'font-medium text-indigo-600 hover:underline dark:text-indigo-400' }, `Photo ${w.photo_id}`),
        ` · ${formatDate(w.at, true)} · ${w.dry_run ? 'planned (dry run)' : w.written ? 'written' : 'nothing to change'}`,
        Object.keys(w.fields || {}).length ? h('span', { class: 'text-slate-600 dark:text-slate-400' }, ` — ${Object.entries(w.fields).map(([k, v]) => `${k}: ${v}`).join('; ')}`) : null)));
      if (!writes.length) log.replaceChildren(h('li', { class: 'text-slate-600 dark:text-slate-400' }, 'Nothing yet.'));
    } catch (err) {
      log.replaceChildren(h('li', { class: 'text-red-700 dark:text-red-300' }, describeError(err)));
    }
  });
  // The albums made here from selections: who, when, how many, the result.
  const albumLog = h('ul', { class: 'mt-2 space-y-1 text-sm', dataset: { testid: 'album-writes-log' } });
  const albumBox = h('details', { class: 'mt-1 text-sm', dataset: { testid: 'album-writes' } },
    h('summary', { class: 'cursor-pointer text-slate-600 dark:text-slate-400' }, 'Albums created here'), albumLog);
  albumBox.addEventListener('toggle', async () => {
    if (!albumBox.open) return;
    try {
      const data = await api(`/api/v1/sources/${encodeURIComponent(s.id)}/album-writes?limit=100`);
      const albums = data.albums || [];
      albumLog.replaceChildren(...albums.map((a) => h('li', { class: 'break-words', dataset: { testid: 'album-write' } },
        a.web_url ? h('a', { href: a.web_url, target: '_blank', rel: 'noopener noreferrer', class: 'font-medium text-indigo-600 hover:underline dark:text-indigo-400' }, a.name)
          : h('span', { class: 'font-medium' }, a.name),
        ` · ${formatDate(a.at, true)} · ${a.actor} · ${a.collected} of ${a.photos} ${a.photos === 1 ? 'photo' : 'photos'} · ${a.result}`,
        a.error ? h('span', { class: 'text-slate-600 dark:text-slate-400' }, ` — ${a.error}`) : null)));
      if (!albums.length) albumLog.replaceChildren(h('li', { class: 'text-slate-600 dark:text-slate-400' }, 'None yet.'));
    } catch (err) {
      albumLog.replaceChildren(h('li', { class: 'text-red-700 dark:text-red-300' }, describeError(err)));
    }
  });
  return h('fieldset', { class: 'mt-3 space-y-1 border-t border-slate-200 pt-3 dark:border-slate-800', dataset: { testid: 'writeback' } },
    h('legend', { class: 'sr-only' }, `Write back to ${s.name}`),
    h('p', { class: 'text-sm font-medium' }, 'Write back to SmugMug'),
    toggle('keywords', 'Add generated keywords (never removes yours)'),
    toggle('captions', 'Fill empty captions with the description'),
    toggle('dry_run', 'Dry run: record what would change, change nothing'),
    toggle('albums', 'Let me create albums here from selected photos (private; each one recorded)'),
    status, logBox, albumBox);
}

// removeButton removes the source with everything indexed from it, after
// the user confirms.
function removeButton(s, msg) {
  const btn = h('button', {
    type: 'button',
    class: 'rounded-md border border-red-300 px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-slate-100 disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-red-800 dark:text-red-300 dark:hover:bg-slate-800',
    dataset: { testid: 'source-remove' },
    'aria-label': `Remove ${s.name}`,
  }, 'Remove');
  btn.addEventListener('click', async () => {
    const what = s.kind === 'smugmug' ? ' and its SmugMug sign-in' : '';
    if (!confirm(`Remove ${s.name}? Its ${s.photo_count ?? 0} photos leave the library with their thumbnails, descriptions and embeddings${what}. The files themselves are not touched.`)) return;
    btn.disabled = true;
    setStatus(msg, 'Removing…');
    try {
      await api(`/api/v1/sources/${encodeURIComponent(s.id)}`, { method: 'DELETE' });
      setStatus($('sources-status'), `Removed ${s.name}.`);
      await loadSources();
    } catch (err) {
      setStatus(msg, describeError(err), 'error');
      btn.disabled = false;
    }
  });
  return btn;
}

function sourceItem(s, message = '') {
  const msg = h('p', { class: 'text-sm', role: 'status', 'aria-live': 'polite', dataset: { testid: 'source-sync-status' } }, message);
  const btn = h('button', {
    type: 'button',
    class: 'rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-slate-700 dark:hover:bg-slate-800',
    dataset: { testid: 'source-sync' },
    'aria-label': `Sync ${s.name} now`,
    disabled: s.status === 'syncing',
  }, 'Sync now');
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    setStatus(msg, 'Starting sync…');
    try {
      await api(`/api/v1/sources/${encodeURIComponent(s.id)}/sync`, { method: 'POST' });
      setStatus(msg, 'Sync queued. Progress shows on the Activity page.');
      polls = 0;
      clearTimeout(pollTimer);
      pollTimer = setTimeout(loadSources, POLL_MS);
    } catch (err) {
      setStatus(msg, describeError(err), 'error');
      btn.disabled = false;
    }
  });
  const details = [
    s.kind === 'smugmug' ? 'SmugMug' : 'Local folder',
    `${s.photo_count ?? 0} photos`,
    s.exclude && s.exclude.length ? `also skips ${s.exclude.join(', ')}` : '',
    s.last_synced_at ? `synced ${formatDate(s.last_synced_at, true)}` : 'never synced',
  ].filter(Boolean).join(' · ');
  return h('li', {
    class: 'rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900',
    dataset: { testid: 'source-item', sourceId: String(s.id), kind: s.kind },
  },
  h('div', { class: 'flex flex-wrap items-start justify-between gap-3' },
    h('div', { class: 'min-w-0' },
      h('p', { class: 'truncate font-medium', dataset: { testid: 'source-name' } }, s.name),
      h('p', { class: 'text-sm text-slate-600 dark:text-slate-400' }, details)),
    h('div', { class: 'flex items-center gap-2' },
      h('span', {
        class: `rounded-full px-2 py-0.5 text-xs font-medium ${statusStyle[s.status] || 'bg-slate-200 dark:bg-slate-800'}`,
        dataset: { testid: 'source-status' },
      }, (s.status || 'unknown').replace('_', ' ')),
      s.status === 'needs_reconnect'
        ? h('a', { href: '/smugmug/connect', class: 'text-sm font-medium text-indigo-600 hover:underline dark:text-indigo-400', dataset: { testid: 'source-reconnect' } }, 'Reconnect')
        : null,
      btn,
      removeButton(s, msg))),
  s.last_error ? h('p', { class: 'mt-2 break-words text-sm text-red-700 dark:text-red-300', dataset: { testid: 'source-error' } }, s.last_error) : null,
  issuesBlock(s),
  writeBackBlock(s),
  msg);
}

async function addSource() {
  const input = $('add-source-path');
  const submit = $('add-source-submit');
  const errEl = $('add-source-error');
  const path = input.value.trim();
  setStatus(errEl, '');
  if (!path.startsWith('/')) {
    setStatus(errEl, 'Enter an absolute path, starting with /.', 'error');
    input.focus();
    return;
  }
  submit.disabled = true;
  try {
    const body = { kind: 'local', path };
    const exclude = splitPatterns($('add-source-exclude').value);
    if (exclude.length) body.exclude = exclude;
    const added = await api('/api/v1/sources', { method: 'POST', body });
    input.value = '';
    $('add-source-exclude').value = '';
    const merged = (added && added.merged_source_ids) || [];
    setStatus($('sources-status'), `Added ${path}. Indexing starts in the background.` +
      (merged.length ? ` It took over ${merged.length} source${merged.length > 1 ? 's' : ''} inside it; their photos keep their descriptions.` : ''));
    polls = 0;
    await loadSources();
  } catch (err) {
    setStatus(errEl, describeError(err), 'error');
    input.focus();
  } finally {
    submit.disabled = false;
  }
}
