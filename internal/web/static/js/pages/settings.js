// settings.js — the user's settings (Claude model, monthly budget,
// SmugMug write-back), the CLIP model's state and this month's usage.
import { api, describeError } from '../api.js';
import { $, h, formatUSD, setStatus } from '../dom.js';

export async function initSettings() {
  const form = $('settings-form');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save();
  });
  await Promise.all([load(), loadModels(), loadUsage()]);
}

async function load() {
  const status = $('settings-status');
  const submit = $('settings-submit');
  submit.disabled = true;
  try {
    const s = await api('/api/v1/settings');
    $('settings-claude-model').value = s.claude_model || '';
    $('settings-budget').value = s.monthly_budget_usd ?? '';
    $('settings-writeback-keywords').checked = Boolean(s.writeback_keywords);
    $('settings-writeback-captions').checked = Boolean(s.writeback_captions);
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
        claude_model: $('settings-claude-model').value.trim(),
        monthly_budget_usd: budget,
        writeback_keywords: $('settings-writeback-keywords').checked,
        writeback_captions: $('settings-writeback-captions').checked,
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
    dl.replaceChildren(
      h('dt', { class: 'text-slate-500 dark:text-slate-400' }, 'CLIP model'),
      h('dd', { class: 'font-mono break-all' }, clip.name || '–'),
      h('dt', { class: 'text-slate-500 dark:text-slate-400' }, 'Weights'),
      h('dd', { dataset: { testid: 'clip-present' } }, clip.present ? 'Downloaded' : 'Missing — run “targetvision models pull”'),
      h('dt', { class: 'text-slate-500 dark:text-slate-400' }, 'Dimensions'),
      h('dd', {}, clip.dim ? String(clip.dim) : '–'));
  } catch (err) {
    dl.replaceChildren(h('dd', { class: 'col-span-2 text-red-600 dark:text-red-400', role: 'alert' }, `Model information unavailable: ${describeError(err)}`));
  }
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
