// Unit tests for the viewer's DOM-free rules (node:test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepIndex, swipeStep, positionText } from '../../internal/web/static/js/viewer.js';

test('stepIndex moves within the list and answers -1 past either end', () => {
  assert.equal(stepIndex(0, 1, 3), 1);
  assert.equal(stepIndex(2, -1, 3), 1);
  assert.equal(stepIndex(2, 1, 3), -1);
  assert.equal(stepIndex(0, -1, 3), -1);
  assert.equal(stepIndex(0, 1, 1), -1);
});

test('swipeStep: a long sideways drag steps, a short or vertical one does not', () => {
  assert.equal(swipeStep(-120, 10), 1, 'a drag to the left shows the next photo');
  assert.equal(swipeStep(120, -10), -1, 'a drag to the right shows the previous one');
  assert.equal(swipeStep(-30, 0), 0, 'too short');
  assert.equal(swipeStep(-80, 100), 0, 'mostly vertical: a scroll');
});

test('positionText counts from one and marks a list that may grow', () => {
  assert.equal(positionText(0, 20, false), '1 of 20');
  assert.equal(positionText(19, 20, true), '20 of 20+');
});
