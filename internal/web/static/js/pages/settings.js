// settings.js — the user's settings (Claude model, monthly budget), the
// CLIP model's state, this month's usage, the account's API tokens, its
// signed-in sessions and its password.
import { api, describeError } from '../api.js';
import { $, h, formatDate, formatUSD, setStatus } from '../dom.js';

export async function initSettings() {
  const form = $('settings-form');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save();
  });
  $('password-form').addEventListener('submit', (e) => {
    e.preventDefault();
    changePassword();
  });
  $('sessions-end-all').addEventListener('click', endAll);
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    createToken();
  });
  await Promise.all([load(), loadModels(), loadUsage(), loadSessions(), loadTokens()]);
}

async function loadTokens() {
  const list = $('tokens-list');
  try {
    const { tokens } = await api('/api/v1/tokens');
    list.replaceChildren(...tokens.map((t) => h('li', { class: 'flex items-center justify-between gap-3 py-2', dataset: { testid: 'token', tokenId: String(t.id) } },
      h('div', { class: 'min-w-0' },
        h('p', { class: 'font-medium' }, t.name, h('span', { class: 'ml-2 font-mono text-xs text-slate-500 dark:text-slate-400' }, `${t.hint}…`)),
        h('p', { class: 'text-xs text-slate-500 dark:text-slate-400', dataset: { testid: 'token-meta' } },
          `${t.scope === 'read' ? 'only reads' : 'reads and changes'} · created ${formatDate(t.created_at)} · ${t.last_used_at ? `last used ${formatDate(t.last_used_at, true)}` : 'never used'}`)),
      h('button', {
        type: 'button',
        class: 'rounded-md border border-red-300 px-2 py-1 text-xs text-red-700 hover:bg-slate-100 dark:border-red-800 dark:text-red-300 dark:hover:bg-slate-800',
        'aria-label': `Revoke ${t.name}`,
        dataset: { testid: 'token-revoke' },
        onclick: () => revokeToken(t),
      }, 'Revoke'))));
    if (!tokens.length) list.replaceChildren(h('li', { class: 'py-2 text-slate-500 dark:text-slate-400' }, 'No tokens yet.'));
  } catch (err) {
    setStatus($('tokens-status'), `Tokens unavailable: ${describeError(err)}`, 'error');
  }
}

async function createToken() {
  const name = $('token-name');
  if (!name.value.trim()) {
    setStatus($('tokens-status'), 'Say what the token is for.', 'error');
    name.focus();
    return;
  }
  $('token-submit').disabled = true;
  try {
    const t = await api('/api/v1/tokens', { method: 'POST', body: { name: name.value.trim(), scope: $('token-scope').value } });
    name.value = '';
    $('token-value').textContent = t.token;
    $('token-new').hidden = false;
    setStatus($('tokens-status'), `Created “${t.name}”.`);
    await loadTokens();
  } catch (err) {
    setStatus($('tokens-status'), describeError(err), 'error');
  } finally {
    $('token-submit').disabled = false;
  }
}

async function revokeToken(t) {
  if (!confirm(`Revoke “${t.name}”? Whatever uses it stops working at once.`)) return;
  try {
    await api(`/api/v1/tokens/${encodeURIComponent(t.id)}`, { method: 'DELETE' });
    $('token-new').hidden = true;
    setStatus($('tokens-status'), `Revoked “${t.name}”.`);
    await loadTokens();
  } catch (err) {
    setStatus($('tokens-status'), describeError(err), 'error');
  }
}

// describeAgent names a browser from its User-Agent, roughly: enough for a
// person to tell their laptop from their phone.
function describeAgent(ua) {
  if (!ua) return 'Unknown client';
  const browser = [['Edg/', 'Edge'], ['Firefox/', 'Firefox'], ['Chrome/', 'Chrome'], ['Safari/', 'Safari'], ['curl/', 'curl']]
    .find(([k]) => ua.includes(k));
  const os = [['iPhone', 'iPhone'], ['iPad', 'iPad'], ['Android', 'Android'], ['Mac OS X', 'macOS'], ['Windows', 'Windows'], ['Linux', 'Linux']]
    .find(([k]) => ua.includes(k));
  return [browser ? browser[1] : 'Browser', os ? `on ${os[1]}` : ''].filter(Boolean).join(' ');
}

async function loadSessions() {
  const list = $('sessions-list');
  try {
    const { sessions } = await api('/api/v1/sessions');
    list.replaceChildren(...sessions.map((s) => h('li', { class: 'flex items-center justify-between gap-3 py-2', dataset: { testid: 'session' } },
      h('div', {},
        h('p', { class: 'font-medium' }, describeAgent(s.user_agent), s.current ? h('span', { class: 'ml-2 text-xs text-indigo-600 dark:text-indigo-400' }, '(this browser)') : null),
        h('p', { class: 'text-xs text-slate-500 dark:text-slate-400' }, `${s.ip || 'unknown address'} · signed in ${formatDate(s.created_at, true)} · last used ${formatDate(s.last_seen_at, true)}`)),
      s.current ? null : h('button', {
        type: 'button',
        class: 'rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800',
        'aria-label': `Sign out ${describeAgent(s.user_agent)}`,
        onclick: () => endOne(s.id),
      }, 'Sign out'))));
  } catch (err) {
    setStatus($('sessions-status'), `Sessions unavailable: ${describeError(err)}`, 'error');
  }
}

async function endOne(id) {
  try {
    await api(`/api/v1/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
    setStatus($('sessions-status'), 'Signed out.');
    await loadSessions();
  } catch (err) {
    setStatus($('sessions-status'), describeError(err), 'error');
  }
}

async function endAll() {
  try {
    await api('/api/v1/sessions', { method: 'DELETE' });
    location.assign('/login');
  } catch (err) {
    setStatus($('sessions-status'), describeError(err), 'error');
  }
}

async function changePassword() {
  const status = $('password-status');
  const current = $('password-current');
  const fresh = $('password-new');
  if (fresh.value.length < 8) {
    setStatus(status, 'Use at least 8 characters.', 'error');
    fresh.focus();
    return;
  }
  $('password-submit').disabled = true;
  try {
    await api('/api/v1/auth/password', { method: 'POST', body: { current_password: current.value, new_password: fresh.value } });
    current.value = '';
    fresh.value = '';
    setStatus(status, 'Password changed; your other sessions are signed out.');
    await loadSessions();
  } catch (err) {
    setStatus(status, describeError(err), 'error');
  } finally {
    $('password-submit').disabled = false;
  }
}

/** modelLabel names a Claude model with what a photo costs with it. */
export function modelLabel(m, isDefault) {
  const fmt = (v) => `$${v < 0.01 ? v.toFixed(4) : v.toFixed(3)}`;
  return `${m.id} — ${fmt(m.photo_usd)} / ${fmt(m.photo_usd_batch)} per photo${isDefault ? ' (server default)' : ''}`;
}

async function load() {
  const status = $('settings-status');
  const submit = $('settings-submit');
  submit.disabled = true;
  try {
    const [s, models] = await Promise.all([api('/api/v1/settings'), api('/api/v1/models')]);
    const claude = models.claude || { models: [] };
    $('settings-claude-missing').hidden = claude.configured !== false;
    const select = $('settings-claude-model');
    const options = claude.models.map((m) => h('option', { value: m.id }, modelLabel(m, m.is_server_default)));
    // The server's model may be a dated snapshot of a listed one.
    const chosen = claude.models.find((m) => m.id === s.claude_model) ||
      claude.models.find((m) => s.claude_model && s.claude_model.startsWith(`${m.id}-`) && m.is_server_default);
    if (!chosen && s.claude_model) options.unshift(h('option', { value: s.claude_model }, s.claude_model));
    select.replaceChildren(...options);
    select.value = chosen ? chosen.id : s.claude_model;
    $('settings-budget').value = s.monthly_budget_usd ?? '';
    submit.disabled = false;
  } catch (err) {
    setStatus(status, `Could not load settings: ${describeError(err)}`, 'error');
  }
}

async function save() {
  const status = $('settings-status');
  const submit = $('settings-submit');
  const budget = Number($('settings-budget').value);
  if (!Number.isFinite(budget) || budget < 0) {
    setStatus(status, 'The budget must be a number of dollars, 0 or more.', 'error');
    $('settings-budget').focus();
    return;
  }
  submit.disabled = true;
  setStatus(status, 'Saving…');
  try {
    await api('/api/v1/settings', {
      method: 'PUT',
      body: {
        claude_model: $('settings-claude-model').value,
        monthly_budget_usd: budget,
      },
    });
    setStatus(status, 'Saved.');
  } catch (err) {
    setStatus(status, describeError(err), 'error');
  } finally {
    submit.disabled = false;
  }
}

async function loadModels() {
  const dl = $('models-info');
  try {
    const m = await api('/api/v1/models');
    const clip = m.clip || {};
    const rows = [
      ['CLIP model', h('dd', { class: 'font-mono break-all' }, clip.name || '–')],
      ['Search by meaning', h('dd', { dataset: { testid: 'clip-present' } }, clip.present ? 'On'
        : `Off — ${clip.reason || 'no CLIP model is installed'}. ${clip.can_download ? 'Download it below.' : 'An administrator can download it on this page, or run “targetvision models pull” on the server.'}`)],
    ];
    if (clip.self_check) rows.push(['Self-check', h('dd', { dataset: { testid: 'clip-self-check' } }, selfCheckText(clip.self_check))]);
    rows.push(['Dimensions', h('dd', {}, clip.dim ? String(clip.dim) : '–')]);
    dl.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', { class: 'text-slate-500 dark:text-slate-400' }, k), v]));
    showDownload(clip);
  } catch (err) {
    dl.replaceChildren(h('dd', { class: 'col-span-2 text-red-600 dark:text-red-400', role: 'alert' }, `Model information unavailable: ${describeError(err)}`));
  }
}

const RUNNING = ['downloading', 'verifying', 'checking'];

/** formatBytes is a byte count for people: kB below a megabyte, else MB. */
export function formatBytes(n) {
  return n < 1e6 ? `${(n / 1e3).toFixed(n ? 1 : 0)} kB` : `${(n / 1e6).toFixed(1)} MB`;
}

/** fileProgressText says where one file of the model download stands. */
export function fileProgressText(f) {
  switch (f.phase) {
    case 'downloading':
      return f.total > 0 ? `${formatBytes(f.bytes)} of ${formatBytes(f.total)} (${Math.floor((f.bytes / f.total) * 100)}%)` : formatBytes(f.bytes);
    case 'verifying':
      return 'checking its checksum';
    case 'done':
      return `${formatBytes(f.bytes)}, verified`;
    default:
      return f.phase || 'waiting';
  }
}

/** downloadPhaseText says what the model download is doing. */
export function downloadPhaseText(st) {
  switch (st.phase) {
    case 'downloading': return 'Downloading…';
    case 'verifying': return 'Verifying checksums…';
    case 'checking': return 'Running the self-check on the reference image…';
    case 'installed': return 'Installed and checked: search by meaning is on.';
    case 'failed': return `Failed: ${st.error || 'unknown error'}`;
    default: return '';
  }
}

/** selfCheckText is a self-check's verdict with its numbers. */
export function selfCheckText(sc) {
  if (!sc) return '';
  if (!sc.ran) return `not run: ${sc.skipped || 'no reference image'}`;
  const numbers = (sc.labels || []).map((l, i) => `“${l}” ${Number(sc.probs[i]).toFixed(4)}`).join(', ');
  return sc.pass ? `passed: ${numbers}` : `failed (${sc.reason}): ${numbers}`;
}

let watching = null;

/** showDownload shows the download box to an administrator who may use it, or while one runs. */
function showDownload(clip) {
  const box = $('clip-download');
  const st = clip.download;
  const running = st && RUNNING.includes(st.phase);
  box.hidden = !clip.can_download && !(st && st.phase !== 'idle');
  const start = $('clip-download-start');
  start.hidden = !clip.can_download;
  start.disabled = Boolean(running);
  start.textContent = st && st.phase === 'failed' ? 'Try the download again' : 'Download the CLIP model';
  if (start.dataset.bound !== '1') {
    start.dataset.bound = '1';
    start.addEventListener('click', startDownload);
  }
  if (st) renderDownload(st);
  if (running) watchDownload();
}

function renderDownload(st) {
  const phase = $('clip-download-phase');
  phase.textContent = downloadPhaseText(st);
  phase.dataset.phase = st.phase;
  phase.classList.toggle('text-red-600', st.phase === 'failed');
  phase.classList.toggle('dark:text-red-400', st.phase === 'failed');
  if (st.phase === 'idle') {
    $('clip-download-files').replaceChildren();
    return;
  }
  $('clip-download-files').replaceChildren(...(st.files || []).map((f) => h('li', { class: 'grid grid-cols-[10rem_1fr_12rem] items-center gap-2', dataset: { testid: 'clip-download-file', file: f.name, phase: f.phase } },
    h('span', { class: 'truncate font-mono' }, f.name),
    h('progress', { class: 'h-2 w-full', max: String(f.total > 0 ? f.total : 1), value: String(f.total > 0 ? f.bytes : (f.phase === 'done' ? 1 : 0)), 'aria-label': `${f.name} downloaded` }),
    h('span', { class: 'text-slate-500 dark:text-slate-400', dataset: { testid: 'clip-download-bytes' } }, fileProgressText(f)))));
}

async function startDownload() {
  const start = $('clip-download-start');
  start.disabled = true;
  try {
    renderDownload(await api('/api/v1/models/clip/download', { method: 'POST' }));
  } catch (err) {
    if (err.code !== 'download_running') {
      setStatus($('clip-download-phase'), describeError(err), 'error');
      start.disabled = false;
      return;
    }
  }
  watchDownload();
}

/** watchDownload follows the download on the event stream until it ends. */
function watchDownload() {
  if (watching || !('EventSource' in window)) return;
  const es = new EventSource('/api/v1/events');
  watching = es;
  const stop = () => {
    es.close();
    watching = null;
  };
  es.addEventListener('model', (e) => {
    let st;
    try {
      st = JSON.parse(e.data);
    } catch {
      return;
    }
    renderDownload(st);
    if (!RUNNING.includes(st.phase)) {
      stop();
      loadModels();
    }
  });
  window.addEventListener('pagehide', stop);
}

async function loadUsage() {
  const el = $('settings-usage');
  try {
    const u = await api('/api/v1/usage');
    el.textContent = `${formatUSD(u.month_cost_usd)} of ${formatUSD(u.budget_usd)} · ${u.photos_described ?? 0} photos described`;
  } catch (err) {
    setStatus(el, `Usage unavailable: ${describeError(err)}`, 'error');
  }
}
