// Unit tests for the timeline's DOM-free helpers (node:test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { periodLabel, years } from '../../internal/web/static/js/pages/timeline.js';

test('years sums the periods of each year, newest first', () => {
  const periods = [{ period: '2024-06', count: 3 }, { period: '2024-01', count: 2 }, { period: '2019-12', count: 1 }];
  assert.deepEqual(years(periods), [['2024', 5], ['2019', 1]]);
  assert.deepEqual(years([]), []);
});

test('periodLabel reads the camera clock as UTC: the last day of a month stays in it', () => {
  assert.match(periodLabel('2024-06'), /2024/);
  assert.match(periodLabel('2024-06'), /June|juin|Juni|junio|6/);
  assert.match(periodLabel('2024-06-30'), /30/);
  assert.equal(periodLabel('undated'), 'undated');
});
