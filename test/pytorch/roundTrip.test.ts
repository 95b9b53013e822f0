// The way there and back: export a network, train it 5 steps in PyTorch, save the weights, load them in nnet with a
// `weights "…"` line, and the next step's loss and gradients agree in both engines within 1e-5 relative — so a user
// who trained big in PyTorch can step through one exact step of the trained network in nnet. Batch norm's running
// statistics travel too.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../../engine/cli';
import { findTorchPython, torchOrSkip } from '../python';
import { largest, relativeError, TOLERANCE } from './compare';

interface LayerGrads {
  readonly name: string;
  readonly gradW?: unknown;
  readonly gradb?: unknown;
}

/** Runs the export's train.py in `dir`; fails the test with its stderr when it fails. */
function trainPy(python: string, dir: string, args: readonly string[]): void {
  const r = spawnSync(python, ['train.py', ...args], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr || r.error?.message);
}

for (const example of ['xor.nnet', 'batchnorm.nnet']) {
  test(
    `${example}: weights saved by PyTorch after 5 steps give nnet PyTorch's next-step gradients`,
    { skip: torchOrSkip() },
    () => {
      const python = findTorchPython().python!;
      const source = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', example), 'utf8');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-roundtrip-'));
      try {
        const program = path.join(dir, 'net.nnet');
        fs.writeFileSync(program, source);
        assert.equal(
          main(['export', program, '--to', 'pytorch', '--out', dir], () => {}),
          0,
        );
        trainPy(python, dir, ['--steps', '5', '--save', 'trained.npz']);
        // PyTorch from the saved weights: the loss and gradients of its first batch.
        trainPy(python, dir, ['--init', 'trained.npz', '--steps', '0', '--dump', 'torch.json']);
        const torch = JSON.parse(fs.readFileSync(path.join(dir, 'torch.json'), 'utf8')) as {
          loss: number;
          layers: LayerGrads[];
        };
        // nnet from the same file, through the language.
        fs.writeFileSync(program, source.replace(/^train\n/m, 'train\n  weights "trained.npz"\n'));
        const out: string[] = [],
          err: string[] = [];
        assert.equal(
          main(
            ['inspect', program, '--steps', '0', '--json'],
            (s) => out.push(s),
            (s) => err.push(s),
          ),
          0,
          err.join('\n'),
        );
        const nnet = JSON.parse(out.at(-1)!) as { loss: number; layers: LayerGrads[] };
        const weighted = nnet.layers.filter((l) => l.gradW !== undefined);
        assert.deepEqual(
          weighted.map((l) => l.name),
          torch.layers.map((l) => l.name),
        );
        assert.ok(relativeError(nnet.loss, torch.loss) <= TOLERANCE, `loss ${nnet.loss} vs ${torch.loss}`);
        weighted.forEach((l, i) => {
          const floor = largest(l.gradW, l.gradb);
          for (const k of ['gradW', 'gradb'] as const) {
            const e = relativeError(l[k], torch.layers[i][k], floor);
            assert.ok(e <= TOLERANCE, `${l.name}.${k}: relative error ${e.toExponential(2)}`);
          }
        });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
