// api.js — the one place the front end talks to the JSON API (DESIGN.md §2).
// Every call is a same-origin fetch: the session cookie rides along, and the
// server's CSRF check sees Sec-Fetch-Site: same-origin.

/** ApiError carries the API's {"error":{"code","message"}} and the status. */
export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/**
 * Calls the API and returns the decoded JSON body (or null for 204).
 * Throws ApiError for any non-2xx answer and for network failures
 * (status 0, code "network"), so pages have one error path to render.
 */
export async function api(path, { method = 'GET', body, signal } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
  }
  if (res.status === 204) return null;
  let data = null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('application/json')) {
    try {
      data = await res.json();
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    const retry = Number(res.headers.get('Retry-After')) || undefined;
    throw new ApiError(res.status, e.code || `http_${res.status}`, e.message || res.statusText || 'Request failed', retry);
  }
  return data;
}

/** Builds "path?k=v&…" from the non-empty entries of params. */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** A readable sentence for an error, for status lines and alerts. */
export function describeError(err) {
  if (err instanceof ApiError) {
    if (err.code === 'rate_limited' && err.retryAfter) {
      return `Too many attempts. Try again in ${err.retryAfter} s.`;
    }
    return err.message;
  }
  return 'Something went wrong.';
}

/** True when err means "not signed in". */
export function isUnauthorized(err) {
  return err instanceof ApiError && err.status === 401;
}
