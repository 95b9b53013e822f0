// The `nnet` CLI contract: check's FILE:LINE:COL format and exit codes, train's JSON lines, inspect's document.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { main, printable } from './cli';

const xor = path.join(__dirname, '..', 'examples', 'xor.nnet');
const run = (...argv: string[]) => {
  const out: string[] = [],
    err: string[] = [];
  const code = main(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out, err };
};
const temp = (text: string) => {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-cli-')), 'net.nnet');
  fs.writeFileSync(f, text);
  return f;
};

test('check: a clean file exits 0 and prints nothing', () => {
  assert.deepEqual(run('check', xor), { code: 0, out: [], err: [] });
});

test('check: errors print FILE:LINE:COL: error: message and exit 1', () => {
  const f = temp(fs.readFileSync(xor, 'utf8').replace('dense h1 4 tanh', 'dense h1 4 tanhh'));
  const r = run('check', f);
  assert.equal(r.code, 1);
  assert.deepEqual(r.err, [
    `${f}:4:14: error: unknown activation 'tanhh'; expected one of identity, relu, leaky_relu, sigmoid, tanh, gelu, softmax`,
  ]);
});

test('check: warnings alone exit 0', () => {
  const f = temp(fs.readFileSync(xor, 'utf8').replace('batch 4', 'batch 64'));
  const r = run('check', f);
  assert.equal(r.code, 0);
  assert.match(r.out[0], /:16:3: warning: batch 64 is larger than the 4 training samples/);
});

test('check: a missing file is a clear error', () => {
  const r = run('check', '/nonexistent/x.nnet');
  assert.equal(r.code, 2);
  assert.deepEqual(r.err, ["nnet: cannot read '/nonexistent/x.nnet': file not found"]);
});

test('train --json prints one object per epoch, ending at the last epoch', () => {
  const r = run('train', xor, '--json');
  assert.equal(r.code, 0);
  assert.equal(r.out.length, 2000);
  const last = JSON.parse(r.out.at(-1)!);
  assert.equal(last.epoch, 2000);
  assert.ok(last.loss < 0.01);
});

test('train prints progress and a per-layer gradient table', () => {
  const r = run('train', xor);
  assert.equal(r.code, 0);
  const table = r.out.join('\n');
  assert.match(table, /layer\s+mean\|grad\|\s+max\|grad\|/);
  assert.match(table, /^h1\s+\S+\s+\S+\s+\S+$/m);
  assert.match(table, /^out\s+\S+\s+\S+\s+\S+$/m);
});

test('inspect --steps N --json is deterministic and states shapes', () => {
  const a = run('inspect', xor, '--steps', '5', '--json'),
    b = run('inspect', xor, '--steps', '5', '--json');
  assert.equal(a.code, 0);
  assert.equal(a.out[0], b.out[0]);
  const doc = JSON.parse(a.out[0]);
  assert.equal(doc.steps, 5);
  assert.deepEqual(
    doc.layers.map((l: { name: string }) => l.name),
    ['h1', 'out'],
  );
  const h1 = doc.layers[0];
  assert.deepEqual(h1.shapes.W, [4, 2]);
  assert.equal(h1.W.length, 4);
  assert.equal(h1.W[0].length, 2);
  assert.equal(h1.delta.length, 4);
  assert.deepEqual(doc.batch.shape.x, [4, 2]);
  // After 5 steps the weights differ from the initial ones.
  const init = JSON.parse(run('inspect', xor, '--steps', '0', '--json').out[0]);
  assert.notDeepEqual(init.layers[0].W, h1.W);
});

const example = (name: string) => path.join(__dirname, '..', 'examples', name);

test('train --json: per layer the gradient sizes and the first step of the epoch measured as ‖ΔW‖/‖W‖', () => {
  const r = run('train', xor, '--json');
  const first = JSON.parse(r.out[0]);
  assert.deepEqual(
    first.layers.map((l: { name: string }) => l.name),
    ['h1', 'out'],
  );
  for (const l of first.layers) {
    assert.ok(l.meanAbsGrad > 0 && l.maxAbsGrad >= l.meanAbsGrad, JSON.stringify(l));
    // One SGD step at lr 0.5 on XOR moves the weights by a small, nonzero fraction.
    assert.ok(l.updateRatio > 1e-5 && l.updateRatio < 1, JSON.stringify(l));
  }
  assert.equal(first.valLoss, undefined, 'xor has no validation split');
});

test('train with a validation split prints validation loss and accuracy, per epoch and in --json', () => {
  const human = run('train', example('dropout.nnet'));
  assert.equal(human.code, 0);
  assert.match(human.out[0], /^epoch\s+\d+\s+loss \S+\s+accuracy \d+\.\d%\s+val loss \S+\s+val accuracy \d+\.\d%$/);
  const json = JSON.parse(run('train', example('dropout.nnet'), '--json').out.at(-1)!);
  assert.ok(
    json.valLoss > 0 && json.valAccuracy >= 0 && json.valAccuracy <= 1 && json.accuracy >= 0,
    JSON.stringify(json),
  );
});

test('inspect --steps N: N at or past the end of training is an error, not the last batch with spent gradients', () => {
  const end = run('inspect', xor, '--steps', '2000', '--json');
  assert.equal(end.code, 1);
  assert.deepEqual(end.out, []);
  assert.match(end.err.join('\n'), /training ends after 2000 steps; .*must be below 2000/);
  assert.equal(run('inspect', xor, '--steps', '1999', '--json').code, 0);
  assert.equal(run('inspect', xor, '--steps', '2001', '--json').code, 1);
});

/** Runs the CLI in a child process with a deadline, for inputs that blocked or exhausted the process before. */
const runChild = (...argv: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'cli.ts'), ...argv], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
};

test(
  'check: a FIFO or a device is refused at once, not read',
  { skip: process.platform === 'win32' && 'no FIFOs' },
  () => {
    const fifo = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-cli-')), 'pipe.nnet');
    execFileSync('mkfifo', [fifo]);
    assert.deepEqual(runChild('check', fifo), {
      code: 2,
      signal: null,
      out: '',
      err: `nnet: '${fifo}' is not a file: it is a pipe\n`,
    });
    assert.deepEqual(runChild('check', '/dev/zero'), {
      code: 2,
      signal: null,
      out: '',
      err: "nnet: '/dev/zero' is not a file: it is a device\n",
    });
  },
);

test('check: nested repeats and deep blocks are diagnostics, not crashes', () => {
  const nested = (open: string, n: number) =>
    `network r\ninput 2\n${`${open}\n`.repeat(n)}dense h 2\n${'end\n'.repeat(n)}dense out 1 sigmoid\nloss bce\ndata generate xor\n`;
  const deep = run('check', temp(nested('residual', 3000)));
  assert.equal(deep.code, 1);
  assert.deepEqual(
    deep.err.map((l) => l.replace(/^.*?:/, '')),
    ["35:1: error: blocks nest 33 deep here, more than the limit of 32: close some with 'end'"],
  );
  const repeats = run('check', temp(nested('repeat 256', 3)));
  assert.equal(repeats.code, 1);
  assert.match(
    repeats.err.join('\n'),
    /:4:1: error: repeating 256 layer\(s\) 256 times makes the network 65,536 layers/,
  );
});

test('check: control characters from the file are escaped, not sent to the terminal', () => {
  const r = run(
    'check',
    temp('network \x1b[31mred\x1b]0;title\x07\u202e\ninput 2\ndense out 1 sigmoid\nloss bce\ndata\n0 0 -> 0\n'),
  );
  assert.equal(r.code, 1);
  assert.match(r.err[0], /:1:9: error: '\\x1B\[31mred\\x1B\]0;title\\x07\\u202E' is not a valid network name$/);
  assert.ok(!/[\u0000-\u001f\u202e]/.test(r.err.join('')));
  assert.equal(printable('a\tb\u0085c'), 'a\\x09b\\x85c');
});

test('check: CR-only line endings are separate lines', () => {
  assert.deepEqual(
    run('check', temp('network c\rinput 2\rdense out 1 sigmoid\rloss bce\rdata\r0 0 -> 0\r1 1 -> 1\r')),
    { code: 0, out: [], err: [] },
  );
});

test('check: at most 100 diagnostics are printed, then a summary line', () => {
  const r = run(
    'check',
    temp(`network x\ninput 2\n${'bogus\n'.repeat(5000)}dense out 1 sigmoid\nloss bce\ndata\n0 0 -> 0\n`),
  );
  assert.equal(r.code, 1);
  assert.equal(r.err.length, 101);
  assert.match(r.err[100], /: … and 4900 more problems$/);
});

test('an unexpected failure prints nnet: message, never a stack trace', () => {
  const err: string[] = [];
  const code = main(
    ['train', xor],
    () => {
      throw new Error('write EPIPE');
    },
    (s) => err.push(s),
  );
  assert.equal(code, 1);
  assert.deepEqual(err, ['nnet: write EPIPE']);
  const bad: string[] = [];
  assert.equal(
    main(
      ['frob', xor],
      () => {},
      (s) => bad.push(s),
    ),
    2,
  );
  assert.match(bad[0], /^nnet: unknown command 'frob'\n/);
});

test('arguments as other compilers take them: --version, --steps=N or --steps N, unknown flags and missing values are usage errors', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  assert.deepEqual(run('--version'), { code: 0, out: [`nnet ${pkg.version}`], err: [] });
  assert.equal(run('-v').out[0], `nnet ${pkg.version}`);
  assert.equal(run('--help').code, 0);
  assert.deepEqual(run('inspect', xor, '--steps=3', '--json').out, run('inspect', xor, '--steps', '3', '--json').out);
  for (const [argv, why] of [
    [['check', xor, '--frobnicate'], /Unknown option '--frobnicate'/],
    [['inspect', xor, '--steps'], /'--steps <value>' argument missing/],
    [['check', xor, '--json'], /check does not take --json/],
    [['train', xor, '--steps', '3'], /train does not take --steps/],
    [['check', xor, 'extra.nnet'], /unexpected argument 'extra\.nnet'/],
    [['inspect', xor, '--steps', '0x10', '--json'], /--steps needs a non-negative integer/],
  ] as const) {
    const r = run(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err.join('\n'), why, argv.join(' '));
  }
});

test("the $nnet problem matcher contributed in package.json reads check's output", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
  const matcher = pkg.contributes.problemMatchers.find((m: { name: string }) => m.name === 'nnet');
  const f = temp('network n\n  input 2\n  dense h1 four tanh\n  dense out 1 sigmoid\nloss bce\ndata\n  0 0 -> 0\n');
  const r = run('check', f);
  assert.equal(r.code, 1);
  const m = new RegExp(matcher.pattern.regexp).exec(r.err[0]);
  assert.ok(m, r.err[0]);
  const p = matcher.pattern;
  assert.deepEqual([m[p.file], m[p.line], m[p.severity]], [f, '3', 'error']);
  assert.ok(Number(m[p.column]) >= 1 && m[p.message].length > 0);
});

test('output piped into a reader that stops early (| head) ends quietly, with no stack trace', () => {
  const cli = path.join(__dirname, 'cli.ts');
  const r = spawnSync(
    'bash',
    ['-c', 'set -o pipefail; "$0" --import tsx "$1" train "$2" --json | head -n 1', process.execPath, cli, xor],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.trim().split('\n').length, 1);
  assert.equal(JSON.parse(r.stdout).epoch, 1);
});

test('gradcheck: every layer of a network agrees with finite differences, in text and in --json', () => {
  const text = run('gradcheck', example('classify.nnet'), '--steps', '3');
  assert.equal(text.code, 0, text.err.join('\n'));
  assert.match(text.out.join('\n'), /^Gradient check of h1 at step 4 .*all 3 gradients agree/m);
  assert.match(text.out.join('\n'), /^ {2}out\.W\.grad\s+max rel error \S+ {2}\(\d+ of \d+ entries\) {2}ok$/m);
  assert.equal(text.out.at(-1), '\nall gradients agree with finite differences (tolerance 1e-6)');
  const doc = JSON.parse(run('gradcheck', example('classify.nnet'), '--steps', '3', '--json').out[0]);
  assert.equal(doc.ok, true);
  assert.equal(doc.step, 4);
  assert.deepEqual(
    doc.layers.map((l: { name: string }) => l.name),
    ['h1', 'bn1', 'dropout3', 'out'],
  );
  for (const l of doc.layers)
    for (const c of l.tensors) assert.ok(c.maxRelError <= doc.tolerance && c.checked > 0, JSON.stringify(c));
});

test('gradcheck: ReLU kinks are explained, not failed; past the end of training is an error', () => {
  const relu = run('gradcheck', example('deep-relu.nnet'), '--steps', '3');
  assert.equal(relu.code, 0);
  assert.match(relu.out.join('\n'), /at a ReLU kink skipped/);
  assert.match(relu.out.join('\n'), /Entries "at a ReLU kink" are skipped, not failed/);
  const end = run('gradcheck', xor, '--steps', '2000');
  assert.equal(end.code, 1);
  assert.match(end.err.join('\n'), /training ends after 2000 steps/);
});

test('export --to pytorch writes the folder; bad targets and missing options are usage errors', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-export-'));
  const r = run('export', xor, '--to', 'pytorch', '--out', dir);
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.deepEqual(fs.readdirSync(dir).sort(), [
    'README.md',
    'data.npz',
    'init.npz',
    'model.py',
    'nnet_torch.py',
    'train.py',
  ]);
  assert.match(
    fs.readFileSync(path.join(dir, 'model.py'), 'utf8'),
    /self\.h1 = Linear\(2, 4\) {2}# line 4: dense h1 4 tanh/,
  );
  assert.match(r.out[0], /^wrote model\.py, train\.py, nnet_torch\.py, init\.npz, data\.npz, README\.md to /);
  const bad = run('export', xor, '--to', 'onnx', '--out', dir);
  assert.deepEqual([bad.code, bad.err], [2, ["nnet: cannot export to 'onnx'; expected --to pytorch"]]);
  const missing = run('export', xor, '--to', 'pytorch');
  assert.equal(missing.code, 2);
  assert.match(missing.err[0], /^nnet: export needs --to pytorch and --out DIR/);
  assert.equal(run('export', xor, '--steps', '3', '--to', 'pytorch', '--out', dir).code, 2);
  const broken = temp(fs.readFileSync(xor, 'utf8').replace('dense h1 4 tanh', 'dense h1 4 tanhh'));
  assert.equal(run('export', broken, '--to', 'pytorch', '--out', dir).code, 1);
});
