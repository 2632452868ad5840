// Unit tests for the DOM-free part of cards.js, run by `npm test` (node:test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resultsStatus, semanticNote } from '../../internal/web/static/js/cards.js';

test('resultsStatus says how many, the loosely related and the time, never a score', () => {
  const cases = [
    [3, 12.5, 0, '3 photos · 12.5 ms'],
    [1, 4, 0, '1 photo · 4 ms'],
    [0, 7, 5, 'No matches · 5 loosely related · 7 ms'],
    [2, undefined, 3, '2 photos · 3 loosely related'],
  ];
  for (const [total, ms, loose, want] of cases) assert.equal(resultsStatus(total, ms, loose), want);
});

test('semanticNote says once that search by meaning is off, why, and the fix', () => {
  assert.equal(semanticNote(undefined), '');
  assert.equal(semanticNote({ enabled: true, model: 'm' }), '');
  assert.equal(semanticNote({ enabled: false, reason: 'no CLIP model is installed', fix: 'Run `targetvision models pull`.' }),
    'Search by meaning is off: no CLIP model is installed. Run `targetvision models pull`.');
});
