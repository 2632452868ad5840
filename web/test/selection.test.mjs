// Unit tests for selection's DOM-free rules (node:test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rangeBetween, zipURL, splitKeywords } from '../../internal/web/static/js/selection.js';

test('rangeBetween selects the run between two clicks, either way round', () => {
  const ids = [5, 9, 2, 7, 1];
  assert.deepEqual(rangeBetween(ids, 9, 7), [9, 2, 7]);
  assert.deepEqual(rangeBetween(ids, 1, 2), [2, 7, 1]);
  assert.deepEqual(rangeBetween(ids, 3, 7), [7], 'an anchor no longer shown selects just the click');
});

test('zipURL and splitKeywords', () => {
  assert.equal(zipURL([3, 1, 2]), '/api/v1/photos/originals.zip?ids=3,1,2');
  assert.deepEqual(splitKeywords(' barn, snow ,, dusk '), ['barn', 'snow', 'dusk']);
});
