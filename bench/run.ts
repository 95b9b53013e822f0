// `npm run bench`: trains N1–N5 with this engine and its peers, each measurement in a fresh child process, engine
// order rotated between repetitions, and reports the median samples/s, the ratio of nnet to each peer, the costs of
// watching training and the rest of issue 18's targets. Its options: bench/runOptions.ts (`npm run bench -- --help`).

import fs from 'node:fs';
import path from 'node:path';
import { simdKernelsAvailable } from '../engine/nn/denseSimd';
import type { BenchJson, Maybe } from './benchJson';
import type { EditorLatency } from './editor';
import { checkKernels, runKernelBench } from './kernels';
import type { NetKernels } from './netKernels';
import { NETWORKS, weightCount, type NetId } from './networks';
import { openBlasPeak } from './openblas';
import type { EngineId, Measurement } from './runner';
import { doctorCostSection, overheadSection } from './runCosts';
import { debugMemorySection, netKernelsSection, rewindLatencySection, writeReport } from './runExtras';
import { BenchUsageError, parseBenchOptions, USAGE, type BenchOptions } from './runOptions';
import { buildChild, child, fmt, machine, median, printer, table } from './runPrint';
import { editorLatencySection, probeCostSection, viewCostSection, type ProbeCostish } from './runSections';
import type { ViewCost } from './viewCost';

const ROOT = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  let o: BenchOptions;
  try {
    o = parseBenchOptions(process.argv.slice(2), ROOT);
  } catch (e) {
    if (!(e instanceof BenchUsageError)) throw e;
    console.error(`npm run bench: ${e.message}`);
    process.exitCode = 2;
    return;
  }
  const { seconds, warmup, reps, nets, engines, out, edits, flag } = o;
  const { viewNets, viewLongSteps, viewLongSeconds, latencyNets, latencySeconds, memorySteps, memorySeconds } = o;
  if (flag('help')) {
    console.log(USAGE);
    return;
  }
  buildChild();
  if (flag('kernels')) {
    runKernelBench(seconds);
    return;
  }
  if (flag('editor-only')) {
    console.log(`nnet bench (editor latency only): ${machine}`);
    const e = editorLatencySection(o);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(
      out,
      JSON.stringify({ date: new Date().toISOString(), machine, settings: { edits }, editorLatency: e }, null, 2) +
        '\n',
    );
    console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
    return;
  }
  if (flag('probe-only')) {
    console.log(`nnet bench (PyTorch probe cost only): ${machine}`);
    const p = probeCostSection(o);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(
      out,
      JSON.stringify(
        { date: new Date().toISOString(), machine, settings: { seconds, warmup, reps }, probeCost: p },
        null,
        2,
      ) + '\n',
    );
    console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
    return;
  }
  if (flag('view-only')) {
    console.log(`nnet bench (view cost only): ${machine}`);
    const v = viewCostSection(o);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(
      out,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          machine,
          settings: { seconds, warmup, reps, viewNets, viewLongSteps, viewLongSeconds },
          viewCost: v,
        },
        null,
        2,
      ) + '\n',
    );
    console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
    return;
  }
  console.log(
    `nnet bench: ${machine}; ${seconds} s timed + ${warmup} s warm-up per engine, network and repetition; median of ${reps}; each in a fresh process, engine order rotated`,
  );
  const check = checkKernels();
  console.log(
    `dense kernels agree with the naive loops on ${check.cases} shapes (max rel. difference float32 ${check.f32.toExponential(1)}, float64 ${check.f64.toExponential(1)}); WebAssembly SIMD kernels ${simdKernelsAvailable() ? 'on' : 'unavailable'}`,
  );
  if (check.f32 > 1e-5 || check.f64 > 1e-10) {
    console.error('the dense kernels disagree with the naive loops: numbers below are not trustworthy');
    process.exitCode = 1;
  }
  const peak = engines.some((e) => e.startsWith('openblas')) ? openBlasPeak() : null;
  if (peak)
    console.log(
      typeof peak === 'string'
        ? `OpenBLAS: ${peak}`
        : `OpenBLAS sgemm peak (${peak.n}×${peak.n}×${peak.n}): ${Object.entries(peak.gflops)
            .map(([t, g]) => `${g === null ? 'n/a' : g.toFixed(1)} GFLOP/s on ${t} thread${t === '1' ? '' : 's'}`)
            .join(', ')}`,
    );
  const runs: Record<string, Record<string, Measurement[]>> = {};
  for (const n of nets) {
    runs[n] = {};
    for (const e of engines) runs[n][e] = [];
  }
  for (let rep = 0; rep < reps; rep++) {
    nets.forEach((n, ni) => {
      const k = (rep + ni) % engines.length;
      for (const e of [...engines.slice(k), ...engines.slice(0, k)]) {
        const m = child([
          '--engine',
          e,
          '--net',
          n,
          '--seconds',
          String(seconds),
          '--warmup',
          String(warmup),
        ]) as Measurement;
        runs[n][e].push(m);
        process.stderr.write(
          `  [${rep + 1}/${reps}] ${n} ${e.padEnd(10)} ${m.status === 'ok' ? `${fmt(m.samplesPerSec)} samples/s (${m.steps} steps, loss ${m.lossBefore.toPrecision(3)} → ${m.lossAfter.toPrecision(3)}${m.note ? `; ${m.note}` : ''})` : m.reason}\n`,
        );
      }
    });
  }

  const result: Record<
    string,
    Record<
      string,
      { samplesPerSec: number | null; runs: number[]; reason?: string; lossBefore?: number; lossAfter?: number }
    >
  > = {};
  for (const n of nets) {
    result[n] = {};
    for (const e of engines) {
      const ok = runs[n][e].filter((m): m is Extract<Measurement, { status: 'ok' }> => m.status === 'ok');
      const bad = runs[n][e].find((m): m is Extract<Measurement, { status: 'n/a' }> => m.status === 'n/a');
      result[n][e] = ok.length
        ? {
            samplesPerSec: median(ok.map((m) => m.samplesPerSec)),
            runs: ok.map((m) => m.samplesPerSec),
            lossBefore: ok[0].lossBefore,
            lossAfter: ok[ok.length - 1].lossAfter,
          }
        : { samplesPerSec: null, runs: [], reason: bad?.reason ?? 'no result' };
    }
  }

  const cell = (n: NetId, e: EngineId) => {
    const r = result[n][e];
    return r.samplesPerSec !== null ? fmt(r.samplesPerSec) : `n/a (${r.reason})`;
  };
  console.log(`\nSamples per second (higher is better), median of ${reps}:\n`);
  console.log(
    table(
      [
        'engine',
        ...nets.map(
          (n) => `${n} (${fmt(weightCount(NETWORKS[n])).replace(/\.0+(?=[kM]?$)/, '')} w, batch ${NETWORKS[n].batch})`,
        ),
      ],
      engines.map((e) => [e, ...nets.map((n) => cell(n, e))]),
    ),
  );
  // A dense step is three products of the weights' size per sample (forward, ∂L/∂W, ∂L/∂x), 2 flops per multiply-add;
  // the first layer's ∂L/∂x is not needed but every engine here computes it or not alike, so count it for all.
  const gflops = (n: NetId, e: EngineId) => {
    const r = result[n][e];
    return r.samplesPerSec === null ? 'n/a' : ((r.samplesPerSec * 6 * weightCount(NETWORKS[n])) / 1e9).toFixed(2);
  };
  console.log('\nGFLOP/s of the training step (6 × weights × samples/s; arithmetic only, not dispatch):\n');
  console.log(
    table(
      ['engine', ...nets],
      engines.map((e) => [e, ...nets.map((n) => gflops(n, e))]),
    ),
  );

  const ratios: Record<string, Record<string, number | null>> = {};
  if (engines.includes('nnet')) {
    const peers = engines.filter((e) => e !== 'nnet' && e !== 'nnet-js');
    for (const n of nets) {
      ratios[n] = {};
      for (const p of peers) {
        const a = result[n].nnet.samplesPerSec,
          b = result[n][p].samplesPerSec;
        ratios[n][p] = a !== null && b !== null ? a / b : null;
      }
    }
    if (peers.length) {
      console.log('\nnnet ÷ peer (>1 means nnet is faster):\n');
      console.log(
        table(
          ['vs', ...nets],
          peers.map((p) => [
            p,
            ...nets.map((n) => {
              const r = ratios[n][p];
              return r !== null
                ? `${r.toFixed(2)}×`
                : result[n].nnet.samplesPerSec === null
                  ? `n/a (${result[n].nnet.reason})`
                  : 'n/a';
            }),
          ]),
        ),
      );
    }
  }

  const kernels: Record<string, Maybe<NetKernels>> = {};
  if (engines.includes('nnet') && !flag('no-net-kernels'))
    Object.assign(kernels, netKernelsSection(printer, nets, result, seconds));

  const overhead = engines.includes('nnet') && !flag('no-overhead') ? overheadSection(o) : {};
  const doctor = engines.includes('nnet') && !flag('no-doctor') ? await doctorCostSection(o) : {};

  const view: ViewCost | null = flag('no-view') ? null : viewCostSection(o);
  const editor: EditorLatency | null = flag('no-editor') ? null : editorLatencySection(o);
  const probe: ProbeCostish | null = flag('no-probe') ? null : probeCostSection(o);
  const rewinds = flag('no-latency') ? null : rewindLatencySection(printer, latencyNets, latencySeconds);
  const memory = flag('memory') ? debugMemorySection(printer, memorySteps, memorySeconds) : null;

  const report: BenchJson = {
    date: new Date().toISOString(),
    machine,
    settings: {
      seconds,
      warmup,
      reps,
      nets,
      engines,
      ...(view ? { viewNets, viewLongSteps, viewLongSeconds } : {}),
      ...(editor ? { edits } : {}),
      ...(rewinds ? { latencyNets } : {}),
      ...(memory ? { memorySteps, memorySeconds } : {}),
    },
    networks: Object.fromEntries(
      nets.map((n) => [n, { shape: NETWORKS[n].shape, batch: NETWORKS[n].batch, weights: weightCount(NETWORKS[n]) }]),
    ),
    kernelCheck: check,
    simd: simdKernelsAvailable(),
    openBlasPeak: peak,
    samplesPerSec: result,
    ratioNnetToPeer: ratios,
    instrumentationOverhead: overhead,
    doctorCost: doctor,
    viewCost: view,
    editorLatency: editor,
    probeCost: probe,
    netKernels: kernels,
    rewindLatency: rewinds,
    debugMemory: memory,
  };
  writeReport(printer, report, out);
}

void main();
