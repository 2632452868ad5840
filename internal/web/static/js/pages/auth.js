// auth.js — the sign-in and sign-up forms. On success the server sets the
// session cookie and we go where the user was headed (?next=, same-origin
// paths only, so the page cannot be used as an open redirect). A visitor
// who is already signed in never sees these pages: the server redirects.
//
// The server says whether it has an account yet (/api/v1/auth/status): a
// fresh server sends its first visitor to sign-up, which then asks for the
// setup code that proves they run it; a server with sign-up closed offers
// no sign-up at all.
import { api, describeError } from '../api.js';
import { $, safeNext, setStatus } from '../dom.js';

function wire(kind, endpoint, validate, extra = () => ({})) {
  const form = $(`${kind}-form`);
  const email = $(`${kind}-email`);
  const password = $(`${kind}-password`);
  const submit = $(`${kind}-submit`);
  const error = $(`${kind}-error`);
  const next = safeNext(new URLSearchParams(location.search).get('next'));
  // Carry ?next= across the "Create an account" / "Sign in" links.
  for (const a of document.querySelectorAll('#login-to-signup, #signup-to-login')) {
    if (next !== '/') a.href = `${a.pathname}?next=${encodeURIComponent(next)}`;
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    setStatus(error, '');
    const body = { email: email.value.trim(), password: password.value, ...extra() };
    const problem = validate(body);
    if (problem) {
      setStatus(error, problem.message, 'error');
      (problem.field === 'email' ? email : problem.field === 'setup_code' ? $('signup-setup-code') : password).focus();
      return;
    }
    submit.disabled = true;
    try {
      await api(endpoint, { method: 'POST', body });
      location.assign(next);
    } catch (err) {
      setStatus(error, describeError(err), 'error');
      if (err.code === 'setup_code_required') $('signup-setup-code').select();
      else password.select();
      submit.disabled = false;
    }
  });
  return next;
}

function basic({ email, password }) {
  if (!email || !email.includes('@')) return { field: 'email', message: 'Enter your e-mail address.' };
  if (!password) return { field: 'password', message: 'Enter your password.' };
  return null;
}

async function status() {
  try {
    return await api('/api/v1/auth/status');
  } catch {
    return null; // the forms still work; the server says what is wrong
  }
}

export async function initLogin() {
  const next = wire('login', '/api/v1/auth/login', basic);
  const st = await status();
  if (st && !st.claimed) {
    // A fresh server: nobody can sign in yet; the first account comes first.
    location.replace(`/signup${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`);
    return;
  }
  if (st && !st.signup_open) $('login-to-signup').parentElement.hidden = true;
}

export async function initSignup() {
  const params = new URLSearchParams(location.search);
  const setup = $('signup-setup');
  const code = $('signup-setup-code');
  code.value = params.get('setup') || '';
  wire('signup', '/api/v1/auth/signup', (b) => basic(b) ||
    (b.password.length < 8 ? { field: 'password', message: 'Use at least 8 characters.' } : null) ||
    (!setup.hidden && !b.setup_code ? { field: 'setup_code', message: 'Enter the setup code.' } : null),
  () => (setup.hidden ? {} : { setup_code: code.value.trim() }));
  const st = await status();
  if (!st) return;
  setup.hidden = st.claimed;
  if (st.claimed && !st.signup_open) {
    $('signup-closed').hidden = false;
    $('signup-form').querySelectorAll('input, button').forEach((el) => { el.disabled = true; });
  }
}
