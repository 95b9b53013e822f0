// A run's last words: the first reason that applies, from a probe that never started to a clean finish, the script's
// error with its site, and an attached run's exit read from its ranks' `exit` messages.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attachedExit, runEnd, statusText, type EndState, type ExitMessage } from './runEnd';

const clean: EndState = { exitMessages: [], stopping: false, attached: false, hadModules: true };
const raised: ExitMessage = {
  kind: 'exit',
  code: 1,
  error: { type: 'ValueError', message: 'bad', traceback: 'Traceback…', site: { file: '/tmp/t.py', line: 4 } },
};

test('the summary: the first reason that applies', () => {
  const ok = { code: 0, signal: null };
  assert.equal(
    runEnd({ ...ok, error: 'ENOENT' }, { ...clean, stopping: true }).summary,
    'the probe could not be started: ENOENT',
  );
  assert.equal(runEnd(ok, { ...clean, stopping: true, exitMessages: [raised] }).summary, 'stopped');
  assert.equal(
    runEnd({ code: 1, signal: null }, { ...clean, exitMessages: [raised] }).summary,
    'the script raised ValueError: bad',
  );
  assert.equal(runEnd({ code: null, signal: 'SIGKILL' }, clean).summary, 'the script was killed by SIGKILL');
  assert.equal(runEnd({ code: null, signal: null }, { ...clean, attached: true }).summary, 'the probe disconnected');
  assert.equal(runEnd({ code: 2, signal: null }, clean).summary, 'the script exited with status 2');
  assert.equal(runEnd({ code: null, signal: null }, clean).summary, 'the script exited with status 1');
  assert.match(runEnd(ok, { ...clean, hadModules: false }).summary, /^no module with parameters was called/);
  assert.equal(runEnd(ok, clean).summary, 'the script finished');
});

test("the script's error with its traceback and site", () => {
  const end = runEnd(
    { code: 1, signal: null },
    { ...clean, exitMessages: [{ kind: 'exit', code: 0, error: null }, raised] },
  );
  assert.equal(end.code, 1);
  assert.deepEqual(end.error, {
    message: 'ValueError: bad',
    traceback: 'Traceback…',
    site: { file: '/tmp/t.py', line: 4 },
  });
  assert.equal(runEnd({ code: 0, signal: null }, clean).error, null);
});

test("an attached run's exit from its ranks' messages; status in words", () => {
  assert.deepEqual(attachedExit([]), { code: null, signal: null });
  assert.deepEqual(attachedExit([{ kind: 'exit', code: 0, error: null }]), { code: 0, signal: null });
  assert.deepEqual(attachedExit([{ kind: 'exit', code: 0, error: null }, raised]), { code: 1, signal: null });
  assert.equal(statusText(3), 'exited with status 3');
  assert.equal(statusText(-9), 'was killed by signal 9');
});
