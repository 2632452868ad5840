import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextSteps } from '../../internal/web/static/js/steps.js';

const ready = { clip: { name: 'm', present: true }, claude: { configured: true } };

test('a fresh install is told to add photos, get the model and add a key', () => {
  const steps = nextSteps({ photos: 0, sources: [], models: { clip: { name: 'm', present: false }, claude: { configured: false } } });
  assert.deepEqual(steps.map((s) => s.id), ['add-source', 'get-model', 'claude-key']);
  assert.equal(steps[0].href, '/sources');
});

test('a source without photos yet is being indexed', () => {
  assert.deepEqual(nextSteps({ photos: 0, sources: [{ id: 1 }], models: ready }).map((s) => s.id), ['indexing']);
});

test('a set-up library needs nothing', () => {
  assert.deepEqual(nextSteps({ photos: 3, sources: [{ id: 1 }], models: ready }), []);
});
