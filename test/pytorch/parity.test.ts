// Parity with PyTorch: every example exported, then trained by the exported train.py. The gradients at step 0 and
// the weights after 5 steps agree with `nnet inspect --json` within 1e-5 relative; --nproc 2 agrees with one process
// (xor, batchnorm, dropout). Dropout is compared at its real p: train.py draws nnet's masks from nnet's generator.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../../engine/cli';
import { findTorchPython, torchOrSkip } from '../python';
import { largest, relativeError, TOLERANCE } from './compare';

const ROOT = path.join(__dirname, '..', '..');
/** Every example, and the networks beside this test that cover what the examples do not (see their comments). */
const NETWORKS = [
  ...fs
    .readdirSync(path.join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.nnet'))
    .sort()
    .map((f) => path.join(ROOT, 'examples', f)),
  ...fs
    .readdirSync(path.join(__dirname, 'nets'))
    .filter((f) => f.endsWith('.nnet'))
    .sort()
    .map((f) => path.join(__dirname, 'nets', f)),
];
/**
 * Comparisons known to exceed the tolerance, and why. classify.nnet: h1 → relu → batch norm over batches of 3, with
 * AdamW. A unit active on all 3 rows passes its bias straight into batch norm, which removes it: that bias's
 * gradient is 0 in exact arithmetic and rounding noise (~1e-9) in both engines, and Adam's first step is
 * lr·g/(|g| + ε) ≈ ±lr·0.1 whatever g's size, so its sign follows the noise. The biases then differ by ~1e-3 after
 * step 1 and the difference reaches the other weights by step 4 (1.2e-4 at W@5). Its gradients at step 0 agree.
 * deep-sigmoid-batchnorm.nnet: ten batch norms over batches of 4 XOR rows, where a unit's z can vary by as little as
 * σ² = 4e-4 across the batch, so each normalisation divides by σ ≈ 0.02 and float32 rounding grows through the stack:
 * nnet's own float32 gradients at step 0 differ from the same network computed in float64 by 6.9e-4 (of the layer's
 * largest; deep-sigmoid.nnet: 6e-7), and the two engines round differently (1e-3 at grad@0; nnet gradcheck agrees
 * with float64 differences to 5e-8 on every layer, so the formulas are not in question).
 * dying-relu-training.nnet: Adam at lr 0.5 on units at the edge of dying, whose gradients in h2 include 15–101 entries
 * below 1e-7 (but not 0) in steps 2–5; Adam turns each into a step of up to ±lr whatever its size, as for classify.
 */
const KNOWN: Readonly<Record<string, string>> = {
  'classify.nnet W@5': 'AdamW amplifies the rounding noise of a bias batch norm removes',
  'deep-sigmoid-batchnorm.nnet grad@0': 'batch norm over 4 rows with σ ≈ 0.02 amplifies float32 rounding ~1000×',
  'deep-sigmoid-batchnorm.nnet W@5': 'the same rounding, five steps on',
  'dying-relu-training.nnet W@5': 'Adam at lr 0.5 amplifies the rounding noise of near-zero gradients of dying units',
};
const NPROC2 = new Set(['xor.nnet', 'batchnorm.nnet', 'dropout.nnet', 'everything.nnet', 'momentum.nnet']);

interface Dump {
  readonly loss: number | null;
  /**
   * Layers whose b feeds batch norm straight away: b does not change the output and its exact gradient is 0, so
   * after a few Adam steps (which scale rounding noise up to ±lr) its value is noise in both engines; W@5 skips it.
   */
  readonly noiseBias?: ReadonlySet<string>;
  readonly layers: readonly { name: string; W: unknown; b: unknown; gradW: unknown; gradb: unknown }[];
}

function inspect(file: string, steps: number): Dump {
  const out: string[] = [];
  assert.equal(
    main(['inspect', file, '--steps', String(steps), '--json'], (s) => out.push(s)),
    0,
  );
  const d = JSON.parse(out.at(-1)!) as { loss: number; layers: (Dump['layers'][number] & { kind: string })[] };
  const noiseBias = new Set(
    d.layers.filter((l, i) => l.kind === 'dense' && d.layers[i + 1]?.kind === 'batchnorm').map((l) => l.name),
  );
  return { loss: d.loss, layers: d.layers.filter((l) => l.W !== undefined), noiseBias };
}

/** The worst relative error between two dumps over `keys`, and where. */
function compare(nnet: Dump, torch: Dump, keys: readonly ('W' | 'b' | 'gradW' | 'gradb')[]): [number, string] {
  assert.deepEqual(
    torch.layers.map((l) => l.name),
    nnet.layers.map((l) => l.name),
  );
  let worst: [number, string] = [0, ''];
  nnet.layers.forEach((l, i) => {
    const floor = largest(...keys.map((k) => l[k]));
    for (const k of keys) {
      if (k === 'b' && nnet.noiseBias?.has(l.name)) continue;
      const e = relativeError(l[k], torch.layers[i][k], floor);
      if (e > worst[0]) worst = [e, `${l.name}.${k}`];
    }
  });
  const lossErr = relativeError(nnet.loss, torch.loss, 0);
  return lossErr > worst[0] ? [lossErr, 'loss'] : worst;
}

test('relativeError: relative to the larger magnitude, or the floor when both are smaller', () => {
  assert.equal(relativeError([1, 2], [1, 2]), 0);
  assert.ok(Math.abs(relativeError([100], [100.001]) - 1e-5) < 1e-9);
  assert.ok(Math.abs(relativeError([0], [1e-7], 0.01) - 1e-5) < 1e-15);
  assert.equal(relativeError([0], [1e-7]), 1);
  assert.throws(() => relativeError([1], [1, 2]), /shapes differ/);
});

test(
  'every example trains the same in PyTorch: gradients at step 0, weights after 5 steps',
  { skip: torchOrSkip() },
  () => {
    const found = findTorchPython();
    const python = found.python;
    if (!python) throw new Error('unreachable: torchOrSkip skips or fails first');
    const rows: string[] = [];
    const failures: string[] = [];
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-pytorch-'));
    const dirs = NETWORKS.map((file, i) => {
      const dir = path.join(root, `${i}-${path.basename(file, '.nnet')}`);
      assert.equal(
        main(['export', file, '--to', 'pytorch', '--out', dir], () => {}),
        0,
        `export ${file}`,
      );
      return dir;
    });
    const result = path.join(root, 'parity.json');
    const started = performance.now();
    const r: SpawnSyncReturns<string> = spawnSync(
      python,
      [
        path.join(__dirname, 'parity_driver.py'),
        result,
        ...dirs,
        '--nproc2',
        ...dirs.filter((_, i) => NPROC2.has(path.basename(NETWORKS[i]))),
      ],
      { encoding: 'utf8' },
    );
    const wall = (performance.now() - started) / 1000;
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(fs.readFileSync(result, 'utf8')) as Record<string, Record<string, Dump>> & {
      seconds: number;
    };
    NETWORKS.forEach((file, i) => {
      const name = path.basename(file);
      const mine = got[dirs[i]];
      const checks: [string, Dump, Dump, ('W' | 'b' | 'gradW' | 'gradb')[]][] = [
        ['grad@0', inspect(file, 0), mine.steps0, ['gradW', 'gradb']],
        ['W@5', inspect(file, 5), mine.steps5, ['W', 'b']],
      ];
      if (mine.nproc2_steps0) {
        const noiseBias = checks[1][1].noiseBias;
        checks.push(['nproc2 grad@0', mine.steps0, mine.nproc2_steps0, ['gradW', 'gradb']]);
        checks.push(['nproc2 W@5', { ...mine.steps5, noiseBias }, mine.nproc2_steps5, ['W', 'b']]);
        checks.push(['nproc2 W@5 vs nnet', checks[1][1], mine.nproc2_steps5, ['W', 'b']]);
      }
      const cells = checks.map(([label, a, b, keys]) => {
        const [e, where] = compare(a, b, keys);
        const known = KNOWN[`${name} ${label}`];
        if (!(e <= TOLERANCE) && !known) failures.push(`${name} ${label}: ${e.toExponential(2)} at ${where}`);
        return `${label} ${e.toExponential(2)} (${where})${known && e > TOLERANCE ? ' [known, see KNOWN]' : ''}`;
      });
      rows.push(`${name.padEnd(30)} ${cells.join('  ')}`);
    });
    fs.rmSync(root, { recursive: true, force: true });
    process.stdout.write(
      `# parity with PyTorch ${found.torch} (${python}), max relative error (floor: the layer's largest magnitude):\n# ${rows.join('\n# ')}\n` +
        `# python: ${got.seconds.toFixed(1)} s training in one process (${wall.toFixed(1)} s with torch's import and the 2-process spawns) for ${NETWORKS.length} networks\n`,
    );
    assert.deepEqual(failures, []);
  },
);
