// Unit tests for the DOM-free part of cards.js, run by `npm test` (node:test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { whyText } from '../../internal/web/static/js/cards.js';

test('whyText explains a hit from the parts it has', () => {
  const cases = [
    [undefined, undefined, ''],
    [{ vector_rank: 1, text_rank: 3, matched_terms: ['barn', 'snow'] }, 0.0325, 'Matched: barn, snow · Visual match #1 · Text match #3 · Score 0.033'],
    [{ vector_rank: 2, text_rank: 0, matched_terms: [] }, undefined, 'Visual match #2'],
    [{ vector_rank: null, text_rank: 5, matched_terms: null }, undefined, 'Text match #5'],
  ];
  for (const [why, score, want] of cases) assert.equal(whyText(why, score), want);
});
