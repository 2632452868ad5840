// accounts.js — the administrators' page: every account with its role and
// state, Disable/Enable and Remove (confirmed), and the form that adds one.
import { api, describeError } from '../api.js';
import { $, h, formatDate, setStatus } from '../dom.js';
import { errorState } from '../cards.js';

const buttonClass = 'rounded-md border px-2 py-1 text-xs font-medium disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-indigo-500';

export async function initAccounts({ me }) {
  if (!me || !me.is_admin) {
    $('accounts-admin-only').hidden = false;
    return;
  }
  $('accounts-admin').hidden = false;
  $('account-add-form').addEventListener('submit', (e) => {
    e.preventDefault();
    addAccount();
  });
  await load();
}

async function load() {
  const list = $('accounts-list');
  try {
    const { users } = await api('/api/v1/users');
    list.replaceChildren(...users.map(accountItem));
  } catch (err) {
    list.replaceChildren(h('li', {}, errorState(describeError(err), load)));
  }
}

function accountItem(u) {
  const state = u.disabled ? `disabled ${formatDate(u.disabled_at)}` : 'active';
  const actions = u.you ? [h('span', { class: 'text-xs text-slate-500 dark:text-slate-400' }, 'you')] : [
    h('button', {
      type: 'button',
      class: `${buttonClass} border-slate-300 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800`,
      dataset: { testid: u.disabled ? 'account-enable' : 'account-disable' },
      'aria-label': `${u.disabled ? 'Enable' : 'Disable'} ${u.email}`,
      onclick: (e) => setDisabled(u, !u.disabled, e.currentTarget),
    }, u.disabled ? 'Enable' : 'Disable'),
    h('button', {
      type: 'button',
      class: `${buttonClass} border-red-300 text-red-700 hover:bg-slate-100 dark:border-red-800 dark:text-red-300 dark:hover:bg-slate-800`,
      dataset: { testid: 'account-remove' },
      'aria-label': `Remove ${u.email}`,
      onclick: (e) => remove(u, e.currentTarget),
    }, 'Remove'),
  ];
  return h('li', { class: 'flex flex-wrap items-center justify-between gap-3 p-3', dataset: { testid: 'account', userId: String(u.id), email: u.email } },
    h('div', { class: 'min-w-0' },
      h('p', { class: 'truncate font-medium' }, u.email),
      h('p', { class: 'text-xs text-slate-500 dark:text-slate-400', dataset: { testid: 'account-state' } },
        [u.is_admin ? 'administrator' : 'user', state, `since ${formatDate(u.created_at)}`].join(' · '))),
    h('div', { class: 'flex items-center gap-2' }, ...actions));
}

async function setDisabled(u, disabled, btn) {
  btn.disabled = true;
  try {
    await api(`/api/v1/users/${encodeURIComponent(u.id)}`, { method: 'PATCH', body: { disabled } });
    setStatus($('accounts-status'), disabled ? `${u.email} is disabled and signed out everywhere; its API tokens stopped.` : `${u.email} can sign in again.`);
    await load();
  } catch (err) {
    setStatus($('accounts-status'), describeError(err), 'error');
    btn.disabled = false;
  }
}

async function remove(u, btn) {
  if (!confirm(`Remove ${u.email}? Its sources, photos, descriptions, sessions and API tokens leave TargetVision. The photo files themselves are not touched.`)) return;
  btn.disabled = true;
  try {
    await api(`/api/v1/users/${encodeURIComponent(u.id)}`, { method: 'DELETE' });
    setStatus($('accounts-status'), `Removed ${u.email}.`);
    await load();
  } catch (err) {
    setStatus($('accounts-status'), describeError(err), 'error');
    btn.disabled = false;
  }
}

async function addAccount() {
  const email = $('account-add-email');
  const password = $('account-add-password');
  const errEl = $('account-add-error');
  setStatus(errEl, '');
  if (!email.value.includes('@')) {
    setStatus(errEl, 'Enter an e-mail address.', 'error');
    email.focus();
    return;
  }
  if (password.value.length < 8) {
    setStatus(errEl, 'Use at least 8 characters.', 'error');
    password.focus();
    return;
  }
  $('account-add-submit').disabled = true;
  try {
    const u = await api('/api/v1/users', { method: 'POST', body: { email: email.value.trim(), password: password.value, is_admin: $('account-add-admin').checked } });
    email.value = '';
    password.value = '';
    $('account-add-admin').checked = false;
    setStatus($('accounts-status'), `Added ${u.email}.`);
    await load();
  } catch (err) {
    setStatus(errEl, describeError(err), 'error');
  } finally {
    $('account-add-submit').disabled = false;
  }
}
