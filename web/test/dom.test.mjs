// Unit tests for the DOM-free helpers of dom.js, run by `npm test` (node:test).
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { safeNext, formatUSD, formatDate, debounce } from '../../internal/web/static/js/dom.js';

const origin = 'http://tv.test';

test('safeNext keeps same-origin paths and refuses everything else', () => {
  const cases = [
    ['/library', '/library'],
    ['/search?q=red%20barn&album=3', '/search?q=red%20barn&album=3'],
    ['/photos/7#similar', '/photos/7#similar'],
    [null, '/'],
    ['', '/'],
    ['library', '/'],
    ['https://evil.test/', '/'],
    ['//evil.test/x', '/'],
    ['/\\evil.test/x', '/'],
    ['/\t/evil.test/x', '/'],
    ['/\n/evil.test', '/'],
    ['javascript:alert(1)', '/'],
    ['http://tv.test/library', '/'], // absolute URLs are not accepted, even our own
  ];
  for (const [raw, want] of cases) {
    assert.equal(safeNext(raw, origin), want, `safeNext(${JSON.stringify(raw)})`);
  }
});

test('formatUSD shows cents, and more digits below a cent', () => {
  const cases = [[0, '$0.00'], [1.5, '$1.50'], [0.0012, '$0.0012'], ['2.345', '$2.35'], [undefined, '$0.00'], [NaN, '$0.00']];
  for (const [n, want] of cases) assert.equal(formatUSD(n), want, `formatUSD(${n})`);
});

test('formatDate is empty for missing or zero times', () => {
  for (const v of ['', null, undefined, 'not a date', '0001-01-01T00:00:00Z']) {
    assert.equal(formatDate(v), '', `formatDate(${JSON.stringify(v)})`);
  }
  assert.match(formatDate('2024-01-02T15:04:05Z'), /2024/);
});

test('debounce calls once, with the last arguments, after the quiet period', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const calls = [];
    const f = debounce((x) => calls.push(x), 250);
    f('r');
    f('re');
    mock.timers.tick(249);
    f('red');
    mock.timers.tick(249);
    assert.deepEqual(calls, []);
    mock.timers.tick(1);
    assert.deepEqual(calls, ['red']);
  } finally {
    mock.timers.reset();
  }
});
