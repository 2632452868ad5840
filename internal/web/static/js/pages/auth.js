// auth.js — the sign-in and sign-up forms. On success the server sets the
// session cookie and we go where the user was headed (?next=, same-origin
// paths only, so the page cannot be used as an open redirect). A visitor
// who is already signed in never sees these pages: the server redirects.
import { api, describeError } from '../api.js';
import { $, safeNext, setStatus } from '../dom.js';

function wire(kind, endpoint, validate) {
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
    const body = { email: email.value.trim(), password: password.value };
    const problem = validate(body);
    if (problem) {
      setStatus(error, problem.message, 'error');
      (problem.field === 'email' ? email : password).focus();
      return;
    }
    submit.disabled = true;
    try {
      await api(endpoint, { method: 'POST', body });
      location.assign(next);
    } catch (err) {
      setStatus(error, describeError(err), 'error');
      password.select();
      submit.disabled = false;
    }
  });
}

function basic({ email, password }) {
  if (!email || !email.includes('@')) return { field: 'email', message: 'Enter your e-mail address.' };
  if (!password) return { field: 'password', message: 'Enter your password.' };
  return null;
}

export function initLogin() {
  wire('login', '/api/v1/auth/login', basic);
}

export function initSignup() {
  wire('signup', '/api/v1/auth/signup', (b) => basic(b) ||
    (b.password.length < 8 ? { field: 'password', message: 'Use at least 8 characters.' } : null));
}
