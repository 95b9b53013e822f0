// The `nnet` command line: check, train and inspect .nnet files with the same engine the extension uses.

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { version } from '../package.json';
import { nodeReadFile, readTextFile } from './data/files';
import { gradcheckCommand } from './cliGradcheck';
import { trainCommand } from './cliTrain';
import { nodeReadWeights } from './io/weightsFile';
import { diagnoseRun } from './doctor/run';
import { exportToPyTorch } from './export/pytorch';
import { parseNnet } from './language/parser';
import { LIMITS, type NetworkSpec } from './language/spec';
import { nodeTensors, type NamedTensor } from './runtime/snapshot';
import { NonFiniteError, Trainer } from './runtime/trainer';
import { toNested } from './nn/tensor';

const USAGE = `usage:
  nnet --version                       print the version
  nnet check FILE                      print problems as FILE:LINE:COL: severity: message
  nnet train FILE [--json]             train; --json prints one JSON object per epoch (loss, accuracy,
                                       validation, per layer mean/max |grad| and update ratio)
  nnet inspect FILE [--steps N] --json train N steps, then print weights and one batch's forward/backward tensors
  nnet doctor FILE [--steps N] [--json] train (the file's schedule, or N steps) and print what went wrong as
                                       FILE:LINE:COL: warning: [rule] message (docs/doctor.md)
  nnet gradcheck FILE [--steps N] [--json] train N steps (default 0), then check every layer's ∂L/∂W, ∂L/∂b and δ
                                       against float64 finite differences on the next batch; exit 1 if one disagrees
  nnet export FILE --to pytorch --out DIR
                                       write DIR/model.py, train.py, nnet_torch.py, init.npz, data.npz and
                                       README.md: the same network and training in PyTorch (docs/export.md)`;

/** Diagnostics printed per file; the rest are summarised in one line. */
export const MAX_PRINTED_DIAGNOSTICS = 100;

/**
 * `s` with control characters (C0, DEL, C1) and bidirectional overrides escaped as \xHH / \uHHHH, so file content
 * quoted in a message cannot move the cursor, recolour or retitle the terminal, or reorder what is shown.
 */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
      : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  });
}

/**
 * Runs the CLI with arguments (without node and script) and returns the exit code: 0 fine, 1 problems in the file
 * (or training failed), 2 bad usage or an unreadable file. Never throws: an unexpected error prints `nnet: message`.
 */
export function main(
  argv: readonly string[],
  out: (s: string) => void = (s) => process.stdout.write(s + '\n'),
  err: (s: string) => void = (s) => process.stderr.write(s + '\n'),
): number {
  try {
    return run(argv, out, err);
  } catch (e) {
    err(`nnet: ${printable(e instanceof Error ? e.message : String(e))}`);
    return 1;
  }
}

/** Every option of every command; which command takes which is checked after parsing. */
const OPTIONS = {
  json: { type: 'boolean' },
  steps: { type: 'string' },
  to: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** The options each command takes (besides --help and --version). */
const TAKES: Record<string, readonly string[]> = {
  check: [],
  train: ['json'],
  inspect: ['steps', 'json'],
  doctor: ['steps', 'json'],
  gradcheck: ['steps', 'json'],
  export: ['to', 'out'],
};

/** What `nnet export --to` can write. */
const EXPORT_TARGETS = ['pytorch'];

function run(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    // Unknown flags and flags missing their value are usage errors, as in other compilers.
    err(`nnet: ${printable(e instanceof Error ? e.message : String(e))}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    out(`nnet ${version}`);
    return 0;
  }
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const [command, file, ...extra] = positionals;
  if (!command || !file) {
    err(USAGE);
    return 2;
  }
  if (!Object.hasOwn(TAKES, command)) {
    err(`nnet: unknown command '${printable(command)}'\n${USAGE}`);
    return 2;
  }
  if (extra.length) {
    err(`nnet: unexpected argument '${printable(extra[0])}'\n${USAGE}`);
    return 2;
  }
  const wrong = (Object.keys(values) as (keyof typeof OPTIONS)[]).find(
    (k) => values[k] !== undefined && !TAKES[command].includes(k),
  );
  if (wrong) {
    err(`nnet: ${command} does not take --${wrong}\n${USAGE}`);
    return 2;
  }
  const shown = printable(file);
  // Only a regular file of bounded size: a FIFO or /dev/zero must not block or exhaust memory.
  const read = readTextFile(file, LIMITS.maxSourceBytes, shown);
  if ('error' in read) {
    err(`nnet: ${read.error}`);
    return 2;
  }
  // CSV files may live anywhere under the current directory (the "workspace") when the .nnet file is inside it.
  const rel = path.relative(process.cwd(), path.resolve(file));
  const root = !rel.startsWith('..') && !path.isAbsolute(rel) ? process.cwd() : path.dirname(path.resolve(file));
  const { spec, diagnostics, omittedDiagnostics } = parseNnet(read.text, {
    readFile: nodeReadFile(file, root),
    readWeights: nodeReadWeights(file, root),
  });
  // doctor --json keeps stdout one JSON document: the file's own warnings go to stderr there.
  const quiet = command === 'doctor' && values.json === true;
  for (const d of diagnostics.slice(0, MAX_PRINTED_DIAGNOSTICS))
    (d.severity === 'error' || quiet ? err : out)(
      `${shown}:${d.range.line + 1}:${d.range.col + 1}: ${d.severity}: ${printable(d.message)}`,
    );
  const more = diagnostics.length - Math.min(diagnostics.length, MAX_PRINTED_DIAGNOSTICS) + omittedDiagnostics;
  if (more > 0) (spec && !quiet ? out : err)(`${shown}: … and ${more} more problem${more === 1 ? '' : 's'}`);
  if (!spec) return 1;
  switch (command) {
    case 'export':
      return exportTo(spec, read.text, file, values.to, values.out, out, err);
    case 'train':
      return trainCommand(spec, values.json === true, out, err);
    case 'inspect':
    case 'gradcheck':
    case 'doctor': {
      const steps = values.steps === undefined ? undefined : /^\d+$/.test(values.steps) ? Number(values.steps) : NaN;
      if (steps !== undefined && (!Number.isSafeInteger(steps) || steps < 0)) {
        err('nnet: --steps needs a non-negative integer');
        return 2;
      }
      if (command === 'gradcheck') return gradcheckCommand(spec, steps ?? 0, values.json === true, out, err);
      return command === 'doctor'
        ? doctor(spec, read.text, shown, steps, values.json === true, out)
        : inspect(spec, steps ?? 0, out, err);
    }
    default:
      return 0;
  }
}

/** `nnet export FILE --to pytorch --out DIR`: writes the folder (DIR may exist; its files of those names are replaced). */
function exportTo(
  spec: NetworkSpec,
  source: string,
  file: string,
  to: string | undefined,
  dir: string | undefined,
  out: (s: string) => void,
  err: (s: string) => void,
): number {
  if (to === undefined || dir === undefined) {
    err(`nnet: export needs --to ${EXPORT_TARGETS.join('|')} and --out DIR\n${USAGE}`);
    return 2;
  }
  if (!EXPORT_TARGETS.includes(to)) {
    err(`nnet: cannot export to '${printable(to)}'; expected --to ${EXPORT_TARGETS.join('|')}`);
    return 2;
  }
  const files = exportToPyTorch(spec, source, path.basename(file));
  try {
    fs.mkdirSync(dir, { recursive: true });
    for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.content);
  } catch (e) {
    err(`nnet: cannot write '${printable(dir)}': ${printable(e instanceof Error ? e.message : String(e))}`);
    return 2;
  }
  out(`wrote ${files.map((f) => f.name).join(', ')} to ${printable(dir)}`);
  out(`run: cd ${printable(dir)} && python3 train.py   (--nproc N for N processes; see README.md)`);
  return 0;
}

/**
 * Trains with the doctor watching and prints its findings; findings are not errors (exit 0). Lines and columns are
 * 1-based in both forms, as in `check`.
 */
function doctor(
  spec: NetworkSpec,
  source: string,
  shown: string,
  steps: number | undefined,
  json: boolean,
  out: (s: string) => void,
): number {
  const { findings } = diagnoseRun(spec, { steps, source });
  if (json) {
    out(
      JSON.stringify({
        findings: findings.map((f) => ({
          rule: f.rule,
          severity: f.severity,
          layer: f.layer,
          line: f.line + 1,
          column: f.column + 1,
          firstStep: f.firstStep,
          lastStep: f.lastStep,
          count: f.count,
          evidence: f.evidence,
          message: f.message,
          fixes: f.fixes.map((x) => ({
            title: x.title,
            edits: x.edits.map((e) => ({ ...e, line: e.line + 1, col: e.col + 1, endCol: e.endCol + 1 })),
          })),
        })),
      }),
    );
    return 0;
  }
  for (const f of findings)
    out(`${shown}:${f.line + 1}:${f.column + 1}: ${f.severity}: [${f.rule}] ${printable(f.message)}`);
  return 0;
}

function inspect(spec: NetworkSpec, steps: number, out: (s: string) => void, err: (s: string) => void): number {
  const t = new Trainer(spec);
  try {
    while (t.step < steps && t.advanceStep());
    if (t.step < steps) {
      err(`training ends after ${t.step} steps`);
      return 1;
    }
    const nest = (v: NamedTensor | undefined) => (v ? toNested(v.shape, v.values) : undefined);
    // Parameters after N steps, captured before the next batch's events change anything.
    const weights = t.model.nodes.map((_, i) => {
      const s = nodeTensors(t, i);
      return { W: nest(s.W), b: nest(s.b) };
    });
    const perMicro = 2 * t.model.nodes.length + 1;
    // Forward, loss and backward of the next (micro-)batch: after the last step there is none, and the tensors
    // would be the last batch's with its gradients already spent.
    for (let i = 0; i < perMicro; i++)
      if (!t.advance()) {
        err(
          `nnet: training ends after ${t.step} steps; --steps N inspects the step after N, so N must be below ${t.step}`,
        );
        return 1;
      }
    const x = nodeTensors(t, 0).x!;
    out(
      JSON.stringify({
        network: spec.name,
        steps,
        epoch: t.epoch,
        loss: t.loss,
        batch: {
          shape: { x: x.shape, y: [t.batchSize, t.outputs] },
          x: nest(x),
          y: toNested([t.batchSize, t.outputs], t.yBatch),
        },
        layers: t.model.nodes.map((n, i) => {
          const s = nodeTensors(t, i);
          const shapes = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v!.shape]));
          return {
            name: n.name,
            kind: n.kind,
            activation: n.activation,
            shapes,
            ...weights[i],
            z: nest(s.z),
            a: nest(s.a),
            delta: nest(s.delta),
            gradW: nest(s.gradW),
            gradb: nest(s.gradb),
          };
        }),
      }),
    );
  } catch (e) {
    if (e instanceof NonFiniteError) {
      err(`error: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    t.dispose(); // the helper thread of the large products, if any
  }
  return 0;
}

if (require.main === module) {
  // `nnet train FILE | head`: the reader has gone, so stop quietly as other command-line tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  process.exitCode = main(process.argv.slice(2));
}
