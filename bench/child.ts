// One measurement in a fresh process: `--engine E --net N --seconds S --warmup W`, `--overhead --net N [--modes debug,train] …`, or
// `--view-cost --nets N1,N2 --seconds S --warmup W --reps R --long-steps K --long-seconds L` (progress on stderr), or
// `--editor --edits N` (bench/editor.ts), or `--run-side --net N --side bare|train|debug|… --seconds S --warmup W
// [--steps K]` (one side of the overhead bench, bench/freshSides.ts), `--pause-latency --net N`, `--doctor-cost --net N
// --side bare|doctor --seconds S --warmup W [--steps K] [--sharing P]` (one side of bench/doctorCost.ts, warmed up by a whole run of it), `--pick-steps --net N
// --seconds S --warmup W` (the steps the sides of a network all take, and the CPUs this child may run on), or
// `--probe-cost --seconds S --warmup W --reps R` (bench/probeCost.ts; progress on stderr), or
// `--net-kernels --net N --seconds S` (bench/netKernels.ts), `--rewind-latency --net N --seconds S` or
// `--debug-memory --net N --max-steps K --max-seconds S` (bench/debugLatency.ts), or `--step-instructions --net N
// --side bare|doctor --steps K` (bench/instructions.ts counts its instructions).
// Prints one line `BENCH_RESULT {json}` for bench/run.ts.

import { readFileSync } from 'node:fs';
import { useSimdKernels } from '../engine/nn/denseSimd';
import { NETWORKS, makeData, type NetId } from './networks';
import { measureOverhead, nnetRunner, pauseLatencyOf, RUN_MODES, unsupported, type RunMode } from './nnet';
import { measureSide, pickSteps, type Side } from './freshSides';
import { convnetRunner, tfjsRunner } from './peers';
import { measureEditorLatency } from './editor';
import { measureViewCost } from './viewCost';
import { DOCTOR_SIDES, type DoctorSide } from './doctorCost';
import { measureProbeCost } from './probeCost';
import { measurePyTorch } from './pytorch';
import { measureOpenBlas } from './openblas';
import { measureNetKernels } from './netKernels';
import { measureDebugMemory, measureRewindLatency } from './debugLatency';
import { time, type EngineId, type Measurement, type Runner } from './runner';
import { INSTRUCTION_SIDES, stepLoop, type InstructionSide } from './stepLoop';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (fallback === undefined) throw new Error(`missing --${name}`);
  return fallback;
}

async function runner(engine: EngineId, id: NetId): Promise<Runner> {
  const net = NETWORKS[id],
    data = makeData(net);
  switch (engine) {
    case 'nnet':
      return nnetRunner(net, data);
    case 'nnet-1t':
      return nnetRunner(net, data, false, { threads: 1 });
    case 'nnet-js':
      useSimdKernels(false);
      return nnetRunner(net, data);
    case 'tfjs-cpu':
      return tfjsRunner(net, data, 'cpu');
    case 'tfjs-wasm':
      return tfjsRunner(net, data, 'wasm');
    case 'convnetjs':
      return convnetRunner(net, data);
    case 'pytorch':
    case 'pytorch-mt':
    case 'openblas':
    case 'openblas-mt':
      throw new Error(`${engine} times itself in its own process`);
  }
}

/** The CPUs this process may run on, as Linux lists them (`0-1`, `0`), or '' where /proc does not say. */
function allowedCpus(): string {
  try {
    return /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
  } catch {
    return '';
  }
}

async function main(): Promise<unknown> {
  if (process.argv.includes('--editor'))
    return measureEditorLatency(Number(arg('edits', '100')), (line) => process.stderr.write(`${line}\n`));
  if (process.argv.includes('--view-cost')) {
    return measureViewCost({
      nets: arg('nets').split(',') as NetId[],
      seconds: Number(arg('seconds', '2')),
      warmup: Number(arg('warmup', '0.5')),
      reps: Number(arg('reps', '3')),
      longSteps: Number(arg('long-steps', '100000')),
      longSeconds: Number(arg('long-seconds', '20')),
      log: (line) => process.stderr.write(`${line}\n`),
    });
  }
  if (process.argv.includes('--probe-cost'))
    return measureProbeCost(Number(arg('seconds', '5')), Number(arg('warmup', '1')), Number(arg('reps', '3')), (line) =>
      process.stderr.write(`${line}\n`),
    );
  const id = arg('net') as NetId,
    seconds = Number(arg('seconds', '2')),
    warmup = Number(arg('warmup', '0.5'));
  const net = NETWORKS[id];
  if (!net) throw new Error(`unknown network ${id}`);
  if (process.argv.includes('--step-instructions')) {
    const side = arg('side') as InstructionSide;
    if (!INSTRUCTION_SIDES.includes(side)) throw new Error(`unknown --side ${side}`);
    return { status: 'ok', ...(await stepLoop(id, side, Number(arg('steps')))) };
  }
  if (process.argv.includes('--pick-steps')) {
    const why = unsupported(net);
    return why
      ? { status: 'n/a', reason: why }
      : { status: 'ok', steps: pickSteps(id, seconds, warmup), cpus: allowedCpus() };
  }
  const doctorCost = process.argv.includes('--doctor-cost');
  if (doctorCost || process.argv.includes('--run-side')) {
    const why = unsupported(net);
    if (why) return { status: 'n/a', reason: why };
    const given = arg('side');
    const side: Side | undefined = doctorCost
      ? Object.hasOwn(DOCTOR_SIDES, given)
        ? DOCTOR_SIDES[given as DoctorSide]
        : undefined
      : given === 'bare' || Object.hasOwn(RUN_MODES, given)
        ? (given as Side)
        : undefined;
    if (!side) throw new Error(`unknown --side ${given}`);
    const steps = Number(arg('steps', '0')),
      sharing = Number(arg('sharing', '1'));
    return { status: 'ok', ...(await measureSide(id, side, seconds, warmup, steps || undefined, sharing, doctorCost)) };
  }
  if (process.argv.includes('--pause-latency')) {
    const why = unsupported(net);
    return why ? { status: 'n/a', reason: why } : { status: 'ok', ...(await pauseLatencyOf(net, makeData(net))) };
  }
  if (process.argv.includes('--net-kernels')) return { status: 'ok', ...measureNetKernels(net, seconds) };
  if (process.argv.includes('--rewind-latency')) return { status: 'ok', ...(await measureRewindLatency(net, seconds)) };
  if (process.argv.includes('--debug-memory'))
    return {
      status: 'ok',
      ...(await measureDebugMemory(net, Number(arg('max-steps', '1000000')), Number(arg('max-seconds', '120')))),
    };
  if (process.argv.includes('--overhead')) {
    const why = unsupported(net);
    if (why) return { status: 'n/a', reason: why };
    const modes = arg('modes', '');
    return {
      status: 'ok',
      ...(await measureOverhead(
        net,
        makeData(net),
        seconds,
        warmup,
        Number(arg('reps', '3')),
        modes ? (modes.split(',') as RunMode[]) : undefined,
      )),
    };
  }
  const engine = arg('engine') as EngineId;
  if (engine === 'nnet' || engine === 'nnet-1t' || engine === 'nnet-js') {
    const why = unsupported(net);
    if (why) return { status: 'n/a', reason: why } satisfies Measurement;
  }
  if (engine === 'pytorch' || engine === 'pytorch-mt')
    return measurePyTorch(net, makeData(net), seconds, warmup, engine === 'pytorch' ? 1 : 0);
  if (engine === 'openblas' || engine === 'openblas-mt')
    return measureOpenBlas(net, makeData(net), seconds, warmup, engine === 'openblas' ? 1 : 0);
  const r = await runner(engine, id);
  const lossBefore = r.loss();
  const t = time(r, seconds, warmup);
  const lossAfter = r.loss();
  return { status: 'ok', ...t, lossBefore, lossAfter } satisfies Measurement;
}

main().then(
  (result) => {
    process.stdout.write(`\nBENCH_RESULT ${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (e: unknown) => {
    process.stdout.write(
      `\nBENCH_RESULT ${JSON.stringify({ status: 'n/a', reason: `error: ${e instanceof Error ? e.message : String(e)}` })}\n`,
    );
    process.exit(0);
  },
);
