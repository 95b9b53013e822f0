// The Gradient Flow view's host-side provider in Node, against a minimal stand-in for the `vscode` module.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { loadHostClasses, standInUri, standInWebviewView, type HostClasses } from '../../bench/hostStandIn';
import { applyMessage, emptyModel, lossPointsForDisplay } from '../../webview/gradientFlow/model';
import { parseHostToWebview } from '../../webview/gradientFlow/validate';
import type { HostToWebview } from '../../webview/gradientFlow/protocol';
import { finishedRun, GRADS, LAYERS, lossPoints } from './gradientFlowRuns';

/** A WebviewView as the provider sees it, receiving the host's messages as VS Code delivers them (JSON). */
function fakeView() {
  const received: HostToWebview[] = [];
  const open = standInWebviewView((m) => {
    received.push(JSON.parse(JSON.stringify(m)));
    return Promise.resolve(true);
  });
  return { ...open, received };
}

describe('GradientFlowViewProvider (node, stand-in vscode)', () => {
  let Provider: HostClasses['GradientFlowViewProvider'];
  before(async () => {
    Provider = (await loadHostClasses()).GradientFlowViewProvider;
  });

  function make() {
    const logs: string[] = [];
    const provider = new Provider(standInUri('/ext') as never, {
      enabled: () => true,
      log: (_level, m) => {
        logs.push(m);
      },
    });
    const commands: string[] = [];
    provider.onDidReceiveCommand((c) => commands.push(c));
    const v = fakeView();
    return { provider, logs, commands, ...v };
  }

  test('serves the HTML with the strict CSP and resources from dist/webview only', () => {
    const { provider, view } = make();
    assert.equal(Provider.viewType, 'nnet.gradientFlow');
    provider.resolveWebviewView(view as never);
    assert.equal(view.webview.options.enableScripts, true);
    assert.deepEqual(
      view.webview.options.localResourceRoots?.map((u) => u.path),
      ['/ext/dist/webview'],
    );
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(view.webview.html)?.[1] ?? '';
    assert.match(
      csp,
      /^default-src 'none'; script-src 'nonce-[A-Za-z0-9+/=]{24}'; style-src https:\/\/csp\.bench 'nonce-[A-Za-z0-9+/=]{24}';/,
    );
    assert.ok(view.webview.html.includes('src="https://file+.vscode-resource.bench/ext/dist/webview/gradientFlow.js"'));
    assert.ok(
      view.webview.html.includes('href="https://file+.vscode-resource.bench/ext/dist/webview/gradientFlow.css"'),
    );
    provider.dispose();
  });

  test('a view opened mid-run is replayed the run so far when it says ready, then gets live updates', () => {
    const { provider, view, fromWebview, received } = make();
    provider.post({ kind: 'reset', title: 'xor', layerNames: LAYERS });
    provider.post({ kind: 'loss', points: lossPoints(0, 50) });
    provider.post({ kind: 'loss', points: lossPoints(50, 100) });
    provider.post({ kind: 'gradFlow', layers: GRADS, step: 9 });
    provider.post({ kind: 'state', state: 'training', text: 'epoch 100' });
    provider.resolveWebviewView(view as never);
    assert.equal(received.length, 0, 'nothing is sent before the page is listening');
    fromWebview.fire({ kind: 'ready' });
    assert.deepEqual(
      received.map((m) => m.kind),
      ['snapshot'],
    );
    const snap = received[0];
    assert.ok(
      snap.kind === 'snapshot' &&
        snap.model.loss.points.length === 100 &&
        snap.model.step === 9 &&
        snap.model.stateText === 'epoch 100',
    );
    provider.post({ kind: 'loss', points: lossPoints(100, 101) });
    assert.deepEqual(received.at(-1), { kind: 'loss', points: lossPoints(100, 101) });
    provider.dispose();
  });

  test('before any run, a replay sends only the limits and the state, keeping what the view restored itself', () => {
    const { provider, view, fromWebview, received } = make();
    provider.resolveWebviewView(view as never);
    fromWebview.fire({ kind: 'ready' });
    assert.deepEqual(
      received.map((m) => m.kind),
      ['limits', 'state'],
    );
    provider.dispose();
  });

  test('commands are forwarded; malformed webview messages are logged and dropped', () => {
    const { provider, view, fromWebview, logs, commands } = make();
    provider.resolveWebviewView(view as never);
    for (const junk of [null, 'train', { kind: 'command' }, { kind: 'command', command: 'rm -rf' }, { kind: 'eval' }]) {
      fromWebview.fire(junk);
    }
    for (const command of ['train', 'debug', 'pause', 'continue', 'stop'])
      fromWebview.fire({ kind: 'command', command });
    assert.deepEqual(commands, ['train', 'debug', 'pause', 'continue', 'stop']);
    assert.equal(logs.length, 5);
    assert.ok(logs.every((l) => l.includes('malformed')));
    provider.dispose();
  });

  test('a view first opened after a run finished shows how it ended, even over a restored first step', () => {
    const { provider, view, fromWebview, received } = make();
    const run = finishedRun(2000);
    for (const m of run) provider.post(m);
    // What a view still showing the run's first update (restored from its own saved state) would hold.
    const shown = emptyModel();
    for (const m of run.slice(0, 6)) applyMessage(shown, m);
    assert.equal(shown.step, 1);
    provider.resolveWebviewView(view as never);
    fromWebview.fire({ kind: 'ready' });
    for (const m of received) {
      const parsed = parseHostToWebview(JSON.parse(JSON.stringify(m)));
      assert.ok(parsed, `valid after JSON: ${m.kind}`);
      applyMessage(shown, parsed);
    }
    assert.equal(shown.step, 2000);
    assert.deepEqual(shown.layers, run.filter((m) => m.kind === 'gradFlow').at(-1)?.layers);
    assert.equal(lossPointsForDisplay(shown.loss).at(-1)?.epoch, 2000);
    assert.equal(shown.state, 'finished');
    provider.dispose();
  });

  test('hidden views get nothing live and are replayed when shown; disposal releases every listener', () => {
    const { provider, view, fromWebview, visibility, disposal, received } = make();
    provider.resolveWebviewView(view as never);
    fromWebview.fire({ kind: 'ready' });
    received.length = 0;
    view.visible = false;
    visibility.fire();
    provider.post({ kind: 'reset', title: 'r2', layerNames: ['a'] });
    assert.equal(received.length, 0);
    view.visible = true;
    visibility.fire();
    assert.deepEqual(
      received.map((m) => m.kind),
      ['snapshot'],
    );
    const snap = received[0];
    assert.ok(snap.kind === 'snapshot' && snap.model.title === 'r2', 'the run that began while hidden');

    disposal.fire();
    for (const e of [fromWebview, visibility, disposal]) assert.equal(e.listeners.size, 0);
    provider.post({ kind: 'state', state: 'idle', text: 'x' });
    const second = fakeView();
    provider.resolveWebviewView(second.view as never);
    provider.dispose();
    for (const e of [second.fromWebview, second.visibility, second.disposal]) assert.equal(e.listeners.size, 0);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Headless Chromium
// ---------------------------------------------------------------------------------------------------------------
