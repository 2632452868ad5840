import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, fileProgressText, downloadPhaseText, selfCheckText } from '../../internal/web/static/js/pages/settings.js';

test('formatBytes speaks kB under a megabyte, MB above', () => {
  assert.equal(formatBytes(0), '0 kB');
  assert.equal(formatBytes(2500), '2.5 kB');
  assert.equal(formatBytes(605_123_456), '605.1 MB');
});

test('fileProgressText gives bytes of total with the share, or the phase', () => {
  assert.equal(fileProgressText({ phase: 'waiting', bytes: 0, total: -1 }), 'waiting');
  assert.equal(fileProgressText({ phase: 'downloading', bytes: 151_000_000, total: 604_000_000 }), '151.0 MB of 604.0 MB (25%)');
  assert.equal(fileProgressText({ phase: 'downloading', bytes: 1_500_000, total: -1 }), '1.5 MB');
  assert.equal(fileProgressText({ phase: 'verifying', bytes: 4000, total: 4000 }), 'checking its checksum');
  assert.equal(fileProgressText({ phase: 'done', bytes: 4000, total: 4000 }), '4.0 kB, verified');
});

test('downloadPhaseText says what the download is doing, and why it failed', () => {
  assert.equal(downloadPhaseText({ phase: 'idle' }), '');
  assert.equal(downloadPhaseText({ phase: 'downloading' }), 'Downloading…');
  assert.match(downloadPhaseText({ phase: 'checking' }), /self-check/);
  assert.match(downloadPhaseText({ phase: 'installed' }), /search by meaning is on/);
  assert.equal(downloadPhaseText({ phase: 'failed', error: 'x failed its self-check' }), 'Failed: x failed its self-check');
});

test('selfCheckText gives the numbers, the failure or why it did not run', () => {
  const labels = ['a diagram', 'a dog', 'a cat'];
  assert.equal(selfCheckText({ ran: true, pass: true, labels, probs: [0.99279, 0.0042107, 0.0029957] }),
    'passed: “a diagram” 0.9928, “a dog” 0.0042, “a cat” 0.0030');
  assert.equal(selfCheckText({ ran: true, pass: false, labels, probs: [0.2, 0.3, 0.5], reason: '“a cat” wins' }),
    'failed (“a cat” wins): “a diagram” 0.2000, “a dog” 0.3000, “a cat” 0.5000');
  assert.equal(selfCheckText({ ran: false, skipped: 'no CLIP.png next to the model' }), 'not run: no CLIP.png next to the model');
  assert.equal(selfCheckText(undefined), '');
});
