// app.js — the entry module of every page. The server-rendered shell names
// the page in <body data-page>; this module checks the session, fills the
// navigation bar and starts the page's module.
import { api, isUnauthorized } from './api.js';
import { $ } from './dom.js';
import { initSearch } from './pages/search.js';
import { initLibrary } from './pages/library.js';
import { initTimeline } from './pages/timeline.js';
import { initMap } from './pages/map.js';
import { initPhoto } from './pages/photo.js';
import { initSources } from './pages/sources.js';
import { initActivity } from './pages/activity.js';
import { initSettings } from './pages/settings.js';
import { initAccounts } from './pages/accounts.js';
import { initLogin, initSignup } from './pages/auth.js';

const pages = {
  search: initSearch,
  timeline: initTimeline,
  library: initLibrary,
  map: initMap,
  photo: initPhoto,
  sources: initSources,
  activity: initActivity,
  settings: initSettings,
  accounts: initAccounts,
  login: initLogin,
  signup: initSignup,
};

function toLogin() {
  const next = location.pathname + location.search;
  location.assign(`/login?next=${encodeURIComponent(next)}`);
}

function initNav(me) {
  const user = document.getElementById('nav-user');
  if (user && me) user.textContent = me.email;
  const accounts = document.getElementById('nav-accounts');
  if (accounts && me && me.is_admin) accounts.hidden = false;
  const out = document.getElementById('nav-signout');
  if (!out) return;
  out.addEventListener('click', async () => {
    out.disabled = true;
    try {
      await api('/api/v1/auth/logout', { method: 'POST' });
    } catch {
      // Signed out or not, the login page is where the user wants to be.
    }
    location.assign('/login');
  });
}

async function main() {
  const body = document.body;
  const init = pages[body.dataset.page];
  const ctx = { me: null };
  if (body.dataset.public !== 'true') {
    try {
      ctx.me = await api('/api/v1/me');
    } catch (err) {
      if (isUnauthorized(err)) {
        toLogin();
        return;
      }
      // Any other failure: let the page render its own error states.
    }
    initNav(ctx.me);
  }
  if (init) await init(ctx);
  body.dataset.ready = 'true';
}

main().catch((err) => {
  // A bug, not an API error (those are rendered by the pages).
  console.error(err);
  try {
    const main = $('main');
    main.prepend(Object.assign(document.createElement('p'), {
      className: 'mb-4 rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200',
      textContent: 'This page failed to start. Reload to try again.',
    }));
  } finally {
    document.body.dataset.ready = 'error';
  }
});
