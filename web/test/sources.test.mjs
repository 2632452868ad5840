import { test } from 'node:test';
import assert from 'node:assert/strict';
import { issueSummary, splitPatterns } from '../../internal/web/static/js/pages/sources.js';

test('issueSummary counts files by reason, in a fixed order, and says nothing for none', () => {
  assert.equal(issueSummary({ excluded: 2, corrupt: 1, no_preview: 3 }), '1 corrupt · 3 RAW without preview · 2 excluded');
  assert.equal(issueSummary({}), '');
  assert.equal(issueSummary(undefined), '');
  assert.equal(issueSummary({ unsupported: 0, too_large: 1 }), '1 too large');
});

test('splitPatterns takes commas and newlines, trims, drops empties', () => {
  assert.deepEqual(splitPatterns(' Exports, *.tmp ,\n\nraw/old '), ['Exports', '*.tmp', 'raw/old']);
  assert.deepEqual(splitPatterns(''), []);
  assert.deepEqual(splitPatterns(undefined), []);
});
