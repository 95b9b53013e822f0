// Tests of changes.ts: a chart update is skipped only when every value it draws is the same.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { changeTracker } from './changes';

describe('changeTracker', () => {
  test('the first update always draws; the same values again do not', () => {
    const changed = changeTracker();
    assert.equal(changed([1, 'a', [1, null, 3]]), true);
    assert.equal(changed([1, 'a', [1, null, 3]]), false);
  });

  test('any scalar, array element or point that differs draws', () => {
    const base = () => [true, 0.1, 'epoch', [{ x: 1, y: 2 }], [1, 2]] as const;
    const variants: unknown[][] = [
      [false, 0.1, 'epoch', [{ x: 1, y: 2 }], [1, 2]],
      [true, 0.01, 'epoch', [{ x: 1, y: 2 }], [1, 2]],
      [true, 0.1, 'step', [{ x: 1, y: 2 }], [1, 2]],
      [true, 0.1, 'epoch', [{ x: 1, y: 3 }], [1, 2]],
      [true, 0.1, 'epoch', [{ x: 2, y: 2 }], [1, 2]],
      [true, 0.1, 'epoch', [{ x: 1, y: null }], [1, 2]],
      [true, 0.1, 'epoch', [{ x: 1, y: 2 }], [1, 2, 3]],
      [true, 0.1, 'epoch', [], [1, 2]],
      [true, 0.1, 'epoch', [{ x: 1, y: 2 }], [1, NaN]],
      [true, 0.1, 'epoch', [{ x: 1, y: 2 }], [1, 2], 'extra'],
    ];
    for (const v of variants) {
      const changed = changeTracker();
      changed([...base()]);
      assert.equal(changed(v as never), true, JSON.stringify(v));
    }
  });

  test('NaN equals NaN and a null marker stays null (no redraw for a gap that did not move)', () => {
    const changed = changeTracker();
    changed([null, [NaN, 1]]);
    assert.equal(changed([null, [NaN, 1]]), false);
    assert.equal(changed([5, [NaN, 1]]), true);
  });
});
