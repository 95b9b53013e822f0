// The peer engines, each set up the way its users would train a plain dense network with SGD:
// @tensorflow/tfjs (cpu backend), @tensorflow/tfjs-backend-wasm (SIMD; single-threaded under Node) and convnetjs.

import { createRequire } from 'node:module';
import path from 'node:path';
import { BATCHES, initOf, LEARNING_RATE, outputs, prng, type Dataset, type NetDef } from './networks';
import type { Runner } from './runner';

const require = createRequire(__filename);

/** Initial weights [fanIn, units] (tfjs's layout), He normal or Glorot uniform like the nnet file asks for. */
function initialWeights(fanIn: number, units: number, kind: 'he' | 'xavier', rnd: () => number): Float32Array {
  const w = new Float32Array(fanIn * units);
  if (kind === 'xavier') {
    const lim = Math.sqrt(6 / (fanIn + units));
    for (let i = 0; i < w.length; i++) w[i] = (rnd() * 2 - 1) * lim;
  } else {
    const std = Math.sqrt(2 / fanIn);
    for (let i = 0; i < w.length; i++) {
      const u = 1 - rnd(),
        v = rnd();
      w[i] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
  }
  return w;
}

/** tfjs with the fastest plain API: variables, matMul, fused softmax cross-entropy, optimizer.minimize. */
export async function tfjsRunner(net: NetDef, data: Dataset, backend: 'cpu' | 'wasm'): Promise<Runner> {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // Under Node the .wasm files are read from the file system: point at the package's dist folder.
    wasm.setWasmPaths(
      path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep,
    );
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' failed to initialise`);
  await tf.ready();

  const B = net.batch,
    C = net.input,
    K = outputs(net);
  const rnd = prng(7);
  const Ws: import('@tensorflow/tfjs').Variable[] = [],
    bs: import('@tensorflow/tfjs').Variable[] = [];
  let fanIn = C;
  for (const l of net.layers) {
    Ws.push(tf.variable(tf.tensor2d(initialWeights(fanIn, l.units, initOf(l), rnd), [fanIn, l.units])));
    bs.push(tf.variable(tf.zeros([l.units])));
    fanIn = l.units;
  }
  const vars = [...Ws, ...bs];
  const xs = Array.from({ length: BATCHES }, (_, b) => tf.tensor2d(data.x.slice(b * B * C, (b + 1) * B * C), [B, C]));
  const ys = Array.from({ length: BATCHES }, (_, b) => tf.tensor2d(data.y.slice(b * B * K, (b + 1) * B * K), [B, K]));
  const opt = tf.train.sgd(LEARNING_RATE);
  const L = net.layers.length;

  const lossOf = (b: number) => {
    let h: import('@tensorflow/tfjs').Tensor2D = xs[b];
    for (let i = 0; i < L; i++) {
      const z = tf.add(tf.matMul(h, Ws[i]), bs[i]) as import('@tensorflow/tfjs').Tensor2D;
      const act = net.layers[i].activation;
      if (act === 'softmax') {
        if (i !== L - 1 || net.loss !== 'cross_entropy') throw new Error('softmax only as the output of cross_entropy');
        return tf.losses.softmaxCrossEntropy(ys[b], z) as import('@tensorflow/tfjs').Scalar;
      }
      h = act === 'relu' ? tf.relu(z) : act === 'tanh' ? tf.tanh(z) : tf.sigmoid(z);
    }
    return tf.losses.meanSquaredError(ys[b], h) as import('@tensorflow/tfjs').Scalar;
  };

  let b = 0;
  return {
    samplesPerStep: B,
    run(k) {
      for (let s = 0; s < k; s++) {
        tf.tidy(() => {
          opt.minimize(() => lossOf(b), false, vars);
        });
        b = (b + 1) % BATCHES;
      }
    },
    sync() {
      bs[0].dataSync();
    },
    loss() {
      const cost = opt.minimize(() => lossOf(b), true, vars)!;
      const v = cost.dataSync()[0];
      cost.dispose();
      return v;
    },
  };
}

interface ConvnetVol {
  w: Float64Array;
}
interface ConvnetJs {
  Vol: new (sx: number, sy: number, depth: number, c: number) => ConvnetVol;
  Net: new () => { layers: unknown[] };
  Trainer: new (
    net: unknown,
    opts: Record<string, unknown>,
  ) => { train(x: ConvnetVol, y: number | number[]): { loss: number } };
  [layer: string]: unknown;
}

/** convnetjs: per-sample forward/backward with gradients summed over the batch, then one SGD step (Float64). */
export function convnetRunner(net: NetDef, data: Dataset): Runner {
  const cj = require('convnetjs') as ConvnetJs;
  const layer = (name: string, opt: Record<string, number>) =>
    new (cj[name] as new (o: Record<string, number>) => unknown)(opt);
  const B = net.batch,
    C = net.input,
    K = outputs(net);
  const n = new cj.Net();
  n.layers.push(layer('InputLayer', { out_sx: 1, out_sy: 1, out_depth: C }));
  let fanIn = C;
  for (const l of net.layers) {
    n.layers.push(layer('FullyConnLayer', { num_neurons: l.units, in_sx: 1, in_sy: 1, in_depth: fanIn, bias_pref: 0 }));
    const shape = { in_sx: 1, in_sy: 1, in_depth: l.units };
    n.layers.push(
      layer(
        { relu: 'ReluLayer', tanh: 'TanhLayer', sigmoid: 'SigmoidLayer', softmax: 'SoftmaxLayer' }[l.activation],
        shape,
      ),
    );
    fanIn = l.units;
  }
  if (net.loss === 'mse') n.layers.push(layer('RegressionLayer', { in_sx: 1, in_sy: 1, in_depth: K }));
  else if (net.layers[net.layers.length - 1].activation !== 'softmax')
    throw new Error('cross_entropy needs a softmax output');

  const vols = Array.from({ length: data.n }, (_, r) => {
    const v = new cj.Vol(1, 1, C, 0);
    v.w.set(data.x.subarray(r * C, (r + 1) * C));
    return v;
  });
  const targets: (number | number[])[] = Array.from({ length: data.n }, (_, r) =>
    net.loss === 'cross_entropy' ? data.labels[r] : Array.from(data.y.subarray(r * K, (r + 1) * K)),
  );
  const trainer = new cj.Trainer(n, {
    method: 'sgd',
    learning_rate: LEARNING_RATE,
    batch_size: B,
    momentum: 0,
    l2_decay: 0,
    l1_decay: 0,
  });
  let r = 0;
  const oneStep = () => {
    let s = 0;
    for (let i = 0; i < B; i++) {
      s += trainer.train(vols[r], targets[r]).loss;
      r = (r + 1) % data.n;
    }
    return s / B;
  };
  return {
    samplesPerStep: B,
    run(k) {
      for (let s = 0; s < k; s++) oneStep();
    },
    sync() {},
    // convnetjs reports 2·Σ(a − y)² per sample for regression (its gradient is a − y); put it on the mse scale.
    loss() {
      const l = oneStep();
      return net.loss === 'mse' ? l / (2 * K) : l;
    },
  };
}
