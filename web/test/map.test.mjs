// Unit tests for the map page's DOM-free helper (node:test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bounds } from '../../internal/web/static/js/pages/map.js';

test('bounds spans every point, south-west to north-east', () => {
  assert.equal(bounds([]), null);
  assert.deepEqual(bounds([{ lat: 52.5, lon: 13.4 }, { lat: -0.37, lon: 36.05 }, { lat: 37.7, lon: -119.5 }]),
    [[-0.37, -119.5], [52.5, 36.05]]);
});
