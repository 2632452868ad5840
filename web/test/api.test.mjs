// Unit tests for api.js with a fake fetch, run by `npm test` (node:test).
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { api, ApiError, withQuery, describeError, isUnauthorized } from '../../internal/web/static/js/api.js';

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

/** fakeFetch answers every call with response and records the calls. */
function fakeFetch(response) {
  const calls = [];
  globalThis.fetch = async (url, init) => {
    calls.push({ url, init });
    if (response instanceof Error) throw response;
    return response;
  };
  return calls;
}

const json = (status, body, headers = {}) => new Response(body === undefined ? null : JSON.stringify(body), {
  status,
  headers: { 'Content-Type': 'application/json', ...headers },
});

test('api sends same-origin JSON and returns the decoded body', async () => {
  const calls = fakeFetch(json(200, { ok: true }));
  const got = await api('/api/v1/sources', { method: 'POST', body: { kind: 'local', path: '/p' } });
  assert.deepEqual(got, { ok: true });
  const { url, init } = calls[0];
  assert.equal(url, '/api/v1/sources');
  assert.equal(init.method, 'POST');
  assert.equal(init.credentials, 'same-origin');
  assert.equal(init.headers['Content-Type'], 'application/json');
  assert.deepEqual(JSON.parse(init.body), { kind: 'local', path: '/p' });
});

test('api returns null for 204 and sends no body on GET', async () => {
  const calls = fakeFetch(new Response(null, { status: 204 }));
  assert.equal(await api('/api/v1/jobs/1/retry'), null);
  assert.equal(calls[0].init.body, undefined);
  assert.equal(calls[0].init.headers['Content-Type'], undefined);
});

test('api turns failures into ApiError', async () => {
  const cases = [
    {
      name: 'error envelope',
      response: json(403, { error: { code: 'forbidden', message: 'admins only' } }),
      want: { status: 403, code: 'forbidden', message: 'admins only' },
    },
    {
      name: 'rate limited',
      response: json(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'Retry-After': '7' }),
      want: { status: 429, code: 'rate_limited', retryAfter: 7 },
    },
    {
      name: 'not JSON',
      response: new Response('bad gateway', { status: 502, statusText: 'Bad Gateway', headers: { 'Content-Type': 'text/plain' } }),
      want: { status: 502, code: 'http_502', message: 'Bad Gateway' },
    },
    {
      name: 'network down',
      response: new TypeError('fetch failed'),
      want: { status: 0, code: 'network' },
    },
  ];
  for (const c of cases) {
    fakeFetch(c.response);
    await assert.rejects(api('/api/v1/x'), (err) => {
      assert.ok(err instanceof ApiError, `${c.name}: ${err}`);
      for (const [k, v] of Object.entries(c.want)) assert.equal(err[k], v, `${c.name}: ${k}`);
      return true;
    });
  }
});

test('api lets aborts through untouched', async () => {
  const abort = new DOMException('aborted', 'AbortError');
  fakeFetch(abort);
  await assert.rejects(api('/api/v1/search?q=x'), (err) => err === abort);
});

test('withQuery drops empty values and encodes the rest', () => {
  assert.equal(withQuery('/s', { q: 'red barn', album: '', from: null, to: undefined, limit: 24, offset: 0 }), '/s?q=red+barn&limit=24&offset=0');
  assert.equal(withQuery('/s', {}), '/s');
});

test('describeError and isUnauthorized', () => {
  assert.equal(describeError(new ApiError(429, 'rate_limited', 'x', 30)), 'Too many attempts. Try again in 30 s.');
  assert.equal(describeError(new ApiError(400, 'bad_request', 'path must be absolute')), 'path must be absolute');
  assert.equal(describeError(new Error('boom')), 'Something went wrong.');
  assert.equal(isUnauthorized(new ApiError(401, 'unauthorized', 'sign in')), true);
  assert.equal(isUnauthorized(new ApiError(403, 'forbidden', 'no')), false);
});
