// `weights "FILE.npz"` end to end: `nnet inspect --json` shows the loaded W, `nnet check` reports a bad file as
// FILE:LINE:COL, and weights of a torch nn.Linear network written by numpy give nnet the forward output, loss and
// first-step gradients torch computes (within 1e-5 relative, float32), with python printing its numbers as JSON.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../cli';
import { pythonForTests, runPython } from '../../test/python';

const py = pythonForTests();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-wcli-'));

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

const ROWS = [
  [0.1, -0.2, 0.3, 0.5, -1],
  [-0.7, 0.4, 1.0, -0.25, 0.75],
  [0.9, -0.6, 0.2, 1, 0],
  [0.0, 0.3, -0.8, -0.5, 0.5],
  [1.2, 0.8, -0.1, 0.2, 0.1],
];
const NET = (file: string) => `network rt
  input 3
  dense h 4 tanh
  dense out 2
loss mse

data
${ROWS.map((r) => `  ${r.slice(0, 3).join(' ')} -> ${r.slice(3).join(' ')}`).join('\n')}

train
  epochs 1
  shuffle off
  optimizer sgd lr=0.1
  weights "${file}"
`;

/** The torch side: a seeded nn.Linear network, its weights saved with np.savez, one forward and backward pass. */
const TORCH = `
import json, numpy as np, torch
torch.manual_seed(3)
h, out = torch.nn.Linear(3, 4), torch.nn.Linear(4, 2)
np.savez('torch.npz', **{'h.W': h.weight.detach().numpy(), 'h.b': h.bias.detach().numpy(),
                         'out.W': out.weight.detach().numpy(), 'out.b': out.bias.detach().numpy()})
rows = torch.tensor(${JSON.stringify(ROWS)}, dtype=torch.float32)
x, y = rows[:, :3], rows[:, 3:]
a = out(torch.tanh(h(x)))
loss = torch.nn.functional.mse_loss(a, y)
loss.backward()
g = lambda t: t.grad.tolist()
print(json.dumps({'loss': loss.item(), 'a': a.tolist(), 'W': {'h': h.weight.tolist()},
  'grad': {'h': [g(h.weight), g(h.bias)], 'out': [g(out.weight), g(out.bias)]}}))
`;

/** Every number of `actual` within 1e-5 relative of `expected` (1e-7 absolute near zero). */
function close(actual: unknown, expected: unknown, where: string): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${where}: shape`);
    expected.forEach((e, i) => close((actual as unknown[])[i], e, `${where}[${i}]`));
    return;
  }
  const a = actual as number,
    e = expected as number;
  assert.ok(Math.abs(a - e) <= 1e-5 * Math.max(Math.abs(a), Math.abs(e)) + 1e-7, `${where}: nnet ${a}, torch ${e}`);
}

test(
  "torch nn.Linear weights saved by numpy: nnet's output, loss and first-step gradients equal torch's",
  { skip: py.skip },
  () => {
    const torch = JSON.parse(runPython(py.python, TORCH, dir)) as {
      loss: number;
      a: number[][];
      W: { h: number[][] };
      grad: Record<string, [number[][], number[]]>;
    };
    const file = path.join(dir, 'rt.nnet');
    fs.writeFileSync(file, NET('torch.npz'));
    const r = run('inspect', file, '--json');
    assert.deepEqual([r.code, r.err], [0, []]);
    const doc = JSON.parse(r.out.at(-1)!) as {
      loss: number;
      batch: { x: number[][] };
      layers: { name: string; W: number[][]; a: number[][]; gradW: number[][]; gradb: number[] }[];
    };
    // Full batch, no shuffling: the rows in file order, as torch has them.
    close(
      doc.batch.x,
      ROWS.map((row) => row.slice(0, 3)),
      'x',
    );
    close(doc.layers[0].W, torch.W.h, 'h.W');
    close(doc.layers[1].a, torch.a, 'output');
    close(doc.loss, torch.loss, 'loss');
    for (const l of doc.layers) {
      close(l.gradW, torch.grad[l.name][0], `${l.name}.gradW`);
      close(l.gradb, torch.grad[l.name][1], `${l.name}.gradb`);
    }
  },
);

test('nnet check prints a bad weights file as FILE:LINE:COL on the weights line and exits 1', { skip: py.skip }, () => {
  runPython(
    py.python,
    `import numpy as np\nnp.savez('short.npz', **{'h.W': np.zeros((3, 4)), 'h.b': np.zeros(4)})`,
    dir,
  );
  const file = path.join(dir, 'bad.nnet');
  fs.writeFileSync(file, NET('short.npz'));
  const r = run('check', file);
  assert.equal(r.code, 1);
  const line =
    NET('short.npz')
      .split('\n')
      .findIndex((l) => l.includes('weights')) + 1;
  assert.deepEqual(r.err, [
    `${file}:${line}:11: error: 'h.W' in 'short.npz' has shape [3, 4]; the network's is [4, 3]`,
    `${file}:${line}:11: error: 'short.npz' has no 'out.W' [2, 4]`,
    `${file}:${line}:11: error: 'short.npz' has no 'out.b' [2]`,
  ]);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
