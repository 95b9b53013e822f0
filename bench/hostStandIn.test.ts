// The view-cost bench's stand-in vscode keeps up with the host classes: the real TrainingDisplay and Gradient Flow
// provider, loaded as bench/viewCost.ts loads them, go through a run's start, progress and end with the view open.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Progress } from '../debugger/protocol';
import { applyMessage, emptyModel } from '../webview/gradientFlow/model';
import { updatesOf, type HostToWebview } from '../webview/gradientFlow/protocol';
import { parseHostToWebview } from '../webview/gradientFlow/validate';
import { loadHostClasses, standInUri, standInWebviewView, statusBarItems } from './hostStandIn';

function progress(step: number, epoch: number): Progress {
  return {
    epoch,
    epochs: 4,
    step,
    loss: 1 / step,
    batchLoss: 1.5 / step,
    stepsPerSecond: 1234,
    gradNormBeforeClip: 2 / step,
    gradNormAfterClip: 1 / step,
    clipNorm: 1,
    layers: [
      { name: 'h1', meanAbsGrad: 0.01 / step, maxAbsGrad: 0.1, updateRatio: 1e-3 },
      { name: 'out', meanAbsGrad: NaN, maxAbsGrad: Infinity },
    ],
    newLossPoints: [{ epoch, loss: 1 / step }],
  };
}

/** An open view as the bench's Host builds it: what VS Code would deliver (JSON), read by the page's validator. */
function openView() {
  const received: HostToWebview[] = [];
  const open = standInWebviewView((m) => {
    const parsed = parseHostToWebview(JSON.parse(JSON.stringify(m)));
    assert.ok(parsed, `the page accepts ${JSON.stringify(m).slice(0, 120)}`);
    received.push(parsed);
    return Promise.resolve(true);
  });
  return { ...open, received };
}

test('TrainingDisplay and the Gradient Flow provider run against the stand-in vscode: start, progress, finish', async () => {
  const { TrainingDisplay, GradientFlowViewProvider } = await loadHostClasses();
  const errors: string[] = [];
  const provider = new GradientFlowViewProvider(standInUri('/ext') as never, {
    enabled: () => true,
    log: (_level, m) => {
      errors.push(m);
    },
  });
  const open = openView();
  provider.resolveWebviewView(open.view as never);
  assert.match(open.view.webview.html, /gradientFlow\.js/);
  open.fromWebview.fire({ kind: 'ready' });
  assert.deepEqual(
    open.received.map((m) => m.kind),
    ['limits', 'state'],
    'before any run, the replay keeps what the page restored',
  );

  let posted = 0;
  const display = new TrainingDisplay({
    post: (m) => {
      posted++;
      provider.post(m);
    },
  });
  const item = statusBarItems.at(-1)!;
  display.started('bench.nnet', ['h1', 'out']);
  assert.equal(item.text, '$(sync~spin) nnet: bench.nnet starting', 'l10n.t fills its placeholders');
  assert.ok(item.visible);
  display.progress(progress(10, 1));
  assert.equal(item.text, '$(sync~spin) nnet: epoch 2/4 · loss 0.1 · 1234 steps/s');
  const last = progress(40, 4);
  display.progress(last);
  display.ended('4 epochs, loss 0.025', null);
  assert.match(item.text, /^\$\(check\) nnet: 4 epochs/);
  assert.deepEqual(errors, []);

  // One message per moment: start, each progress, the end.
  assert.equal(posted, 4);
  const live = open.received.slice(2);
  assert.deepEqual(
    live.map((m) => updatesOf(m).map((u) => u.kind)),
    [
      ['reset', 'state'],
      ['gradFlow', 'loss', 'stepLoss', 'gradNorm', 'state'],
      ['gradFlow', 'loss', 'stepLoss', 'gradNorm', 'state'],
      ['state'],
    ],
  );

  // The page's model from the live messages is the one a view opened now is replayed.
  const page = emptyModel();
  for (const m of open.received) applyMessage(page, m);
  assert.equal(page.state, 'finished');
  assert.equal(page.step, 40);
  assert.deepEqual(
    page.loss.points.map((p) => p.epoch),
    [1, 4],
  );
  assert.ok(Number.isNaN(page.layers[1].meanAbsGrad) && page.layers[1].maxAbsGrad === Infinity);
  const late = openView();
  provider.resolveWebviewView(late.view as never);
  late.fromWebview.fire({ kind: 'ready' });
  assert.deepEqual(
    late.received.map((m) => m.kind),
    ['snapshot'],
  );
  const replayed = emptyModel();
  applyMessage(replayed, late.received[0]);
  assert.deepEqual(replayed, page);

  provider.dispose();
  display.dispose();
  assert.equal(late.fromWebview.listeners.size, 0, 'disposal releases the view');
  assert.ok(!item.visible);
});
