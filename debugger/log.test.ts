// The vscode-free logging pieces: level filtering, the stream logger the standalone adapter uses, DAP trace lines,
// and the webviews' logger that posts to the host without flooding it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_TRACE_CHARS, isLogLevel, passes, streamLogger, thresholdOf, traceLine, type LogLevel } from './log';
import { webviewLogger, type WebviewLogMessage } from '../webview/log';

test('levels pass from the threshold up; off passes nothing', () => {
  assert.deepEqual(
    (['trace', 'debug', 'info', 'warn', 'error'] as LogLevel[]).map((l) => passes(l, 'info')),
    [false, false, true, true, true],
  );
  assert.equal(passes('error', 'off'), false);
  assert.ok(isLogLevel('warn') && !isLogLevel('warning') && !isLogLevel(undefined));
});

test('the stream logger writes what its (changeable) threshold lets through, and says its level', () => {
  const lines: string[] = [];
  let level: LogLevel | 'off' = 'warn';
  const log = streamLogger(
    () => level,
    (l) => lines.push(l),
  );
  log.log('info', 'hidden');
  log.log('warn', 'shown');
  assert.equal(thresholdOf(log), 'warn');
  level = 'trace';
  log.log('trace', 'now shown');
  assert.equal(thresholdOf(log), 'trace');
  level = 'off';
  log.log('error', 'dropped');
  assert.equal(thresholdOf(log), 'off');
  assert.deepEqual(lines, ['[nnet warn] shown\n', '[nnet trace] now shown\n']);
});

test('a trace line names direction, type and command or event, and cuts a huge body with a count', () => {
  assert.equal(
    traceLine('in', { seq: 3, type: 'request', command: 'threads' }),
    'DAP → request threads {"seq":3,"type":"request","command":"threads"}',
  );
  assert.match(
    traceLine('out', { type: 'event', event: 'stopped', body: { reason: 'entry' } }),
    /^DAP ← event stopped \{/,
  );
  const big = traceLine('out', { type: 'response', command: 'variables', body: { values: 'x'.repeat(10_000) } });
  assert.ok(big.length < MAX_TRACE_CHARS + 100, `cut: ${big.length}`);
  assert.match(big, /… \(\d+ more characters\)$/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.match(traceLine('in', cyclic), /^DAP → message /, 'never throws');
});

test('a webview posts its failures to the host with the error message, at most 50', () => {
  const posted: WebviewLogMessage[] = [];
  const report = webviewLogger((m) => posted.push(m));
  report('error', 'render failed', new Error('boom'));
  report('warn', 'ignoring a malformed message', { kind: 'nope' });
  assert.deepEqual(posted, [
    { kind: 'log', level: 'error', message: 'render failed: boom' },
    { kind: 'log', level: 'warn', message: 'ignoring a malformed message: {"kind":"nope"}' },
  ]);
  for (let i = 0; i < 100; i++) report('warn', 'render failed', new Error('every frame'));
  assert.equal(posted.length, 50);
  assert.match(posted[49].message, /further messages from this view are dropped/);
});
