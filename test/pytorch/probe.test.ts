// Runs the PyTorch probe's own tests (probe/tests, unittest) with the interpreter that has torch: a stand-in adapter
// drives the real probe in child processes (stops, pages, NaN check, step statistics, exits, --nproc with DDP).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pythonForTests } from '../python';

const ROOT = path.resolve(__dirname, '../..');
const TESTS = path.join(ROOT, 'probe', 'tests');

/** How many test methods the probe's test files define (so a file that fails to load cannot pass unnoticed). */
function countTests(): number {
  return fs
    .readdirSync(TESTS)
    .filter((f) => /^test_.*\.py$/.test(f))
    .reduce((n, f) => n + (fs.readFileSync(path.join(TESTS, f), 'utf8').match(/^ {4}def test_/gm) ?? []).length, 0);
}

const py = pythonForTests();

test('the PyTorch probe passes its tests (python -m unittest discover -s probe/tests)', { skip: py.skip }, () => {
  const r = spawnSync(py.python, ['-m', 'unittest', 'discover', '-s', 'probe/tests', '-t', '.'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 600_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const ran = /Ran (\d+) tests?/.exec(r.stderr);
  assert.ok(ran, r.stderr);
  assert.equal(Number(ran[1]), countTests());
  assert.match(r.stderr, /\nOK\b/);
});
