// Unit tests for selection's DOM-free rules (node:test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rangeBetween, zipURL, splitKeywords, albumSourceFor } from '../../internal/web/static/js/selection.js';

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

test('albumSourceFor offers a SmugMug album only for photos of one writable account', () => {
  const sourceOf = new Map([[1, 7], [2, 7], [3, 8], [4, 9]]);
  const writable = new Map([[7, 'ann'], [8, 'studio']]);
  assert.equal(albumSourceFor([1, 2], sourceOf, writable), 7);
  assert.equal(albumSourceFor([1, 3], sourceOf, writable), null, 'two accounts');
  assert.equal(albumSourceFor([4], sourceOf, writable), null, 'album writes off (or a folder)');
  assert.equal(albumSourceFor([1, 5], sourceOf, writable), null, 'a photo of unknown source');
  assert.equal(albumSourceFor([], sourceOf, writable), null, 'nothing selected');
});
