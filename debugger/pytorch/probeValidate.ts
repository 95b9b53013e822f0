// Checks every message the probe sends before the adapter reads it: the socket is a trust boundary (any local
// process could connect), so a malformed message is described and dropped, never trusted or thrown on.

import { decodeNumber } from '../../wire/json';
import type { ProbeModule, ProbeModuleStats, ProbeSite, ProbeSummary, ProbeToHost } from './probeProtocol';

/** Thrown inside the checks with what is wrong and where; caught by `parseProbeMessage`. */
class Malformed extends Error {}

type Obj = Record<string, unknown>;

const fail = (where: string, what: string): never => {
  throw new Malformed(`${where} ${what}`);
};

function obj(v: unknown, where: string): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : fail(where, 'is not an object');
}

function str(v: unknown, where: string): string {
  return typeof v === 'string' ? v : fail(where, 'is not a string');
}

function bool(v: unknown, where: string): boolean {
  return typeof v === 'boolean' ? v : fail(where, 'is not a boolean');
}

/** A number in wire/json.ts's forms (NaN as null, 'Infinity', '-Infinity', '-0'). */
function num(v: unknown, where: string): number {
  const n = decodeNumber(v);
  return n === undefined ? fail(where, 'is not a number') : n;
}

function int(v: unknown, where: string, min = 0): number {
  return Number.isSafeInteger(v) && (v as number) >= min ? (v as number) : fail(where, `is not an integer ≥ ${min}`);
}

function arr(v: unknown, where: string): unknown[] {
  return Array.isArray(v) ? v : fail(where, 'is not an array');
}

function shape(v: unknown, where: string): number[] {
  return arr(v, where).map((d, i) => int(d, `${where}[${i}]`));
}

function site(v: unknown, where: string): ProbeSite | null {
  if (v === null) return null;
  const o = obj(v, where);
  return { file: str(o.file, `${where}.file`), line: int(o.line, `${where}.line`, 1) };
}

function module(v: unknown, where: string): ProbeModule {
  const o = obj(v, where);
  return {
    path: str(o.path, `${where}.path`),
    type: str(o.type, `${where}.type`),
    repr: str(o.repr, `${where}.repr`),
    params: arr(o.params, `${where}.params`).map((p, i) => {
      const q = obj(p, `${where}.params[${i}]`);
      return { name: str(q.name, `${where}.params[${i}].name`), shape: shape(q.shape, `${where}.params[${i}].shape`) };
    }),
    site: site(o.site, `${where}.site`),
  };
}

/** A tensor summary (exported for the `summaries` reply). */
export function summary(v: unknown, where: string): ProbeSummary {
  const o = obj(v, where);
  return {
    shape: shape(o.shape, `${where}.shape`),
    dtype: str(o.dtype, `${where}.dtype`),
    mean: num(o.mean, `${where}.mean`),
    std: num(o.std, `${where}.std`),
    min: num(o.min, `${where}.min`),
    max: num(o.max, `${where}.max`),
    norm: num(o.norm, `${where}.norm`),
    meanAbs: num(o.meanAbs, `${where}.meanAbs`),
    nonFinite: int(o.nonFinite, `${where}.nonFinite`),
  };
}

/** Summaries by tensor name. */
export function summaries(v: unknown, where: string): Record<string, ProbeSummary> {
  const o = obj(v, where);
  const out: Record<string, ProbeSummary> = Object.create(null) as Record<string, ProbeSummary>;
  for (const [k, s] of Object.entries(o)) out[k] = summary(s, `${where}.${k}`);
  return out;
}

function stats(v: unknown, where: string): ProbeModuleStats {
  const o = obj(v, where);
  const opt = (k: string) => (o[k] === undefined ? {} : { [k]: num(o[k], `${where}.${k}`) });
  return {
    path: str(o.path, `${where}.path`),
    meanAbsGrad: num(o.meanAbsGrad, `${where}.meanAbsGrad`),
    maxAbsGrad: num(o.maxAbsGrad, `${where}.maxAbsGrad`),
    gradNorm: num(o.gradNorm, `${where}.gradNorm`),
    ...opt('updateRatio'),
    ...opt('deadFraction'),
  };
}

const nullableNum = (v: unknown, where: string) => (v === null ? null : num(v, where));
const statsList = (v: unknown, where: string) => arr(v, where).map((s, i) => stats(s, `${where}[${i}]`));

function error(v: unknown): Extract<ProbeToHost, { kind: 'exit' }>['error'] {
  if (v === null) return null;
  const o = obj(v, 'error');
  return {
    type: str(o.type, 'error.type'),
    message: str(o.message, 'error.message'),
    traceback: str(o.traceback, 'error.traceback'),
    site: site(o.site, 'error.site'),
  };
}

function message(o: Obj): ProbeToHost {
  const kind = str(o.kind, 'kind');
  switch (kind) {
    case 'hello':
      return {
        kind,
        token: str(o.token, 'token'),
        role: o.role === 'rank' || o.role === 'launcher' ? o.role : fail('role', "is not 'rank' or 'launcher'"),
        rank: int(o.rank, 'rank'),
        worldSize: int(o.worldSize, 'worldSize', 1),
        pid: int(o.pid, 'pid'),
        python: str(o.python, 'python'),
        torch: str(o.torch, 'torch'),
        script: str(o.script, 'script'),
        args: arr(o.args, 'args').map((a, i) => str(a, `args[${i}]`)),
      };
    case 'modules':
      return {
        kind,
        root: str(o.root, 'root'),
        modules: arr(o.modules, 'modules').map((m, i) => module(m, `modules[${i}]`)),
      };
    case 'event': {
      const phase =
        o.phase === 'forward' || o.phase === 'backward' ? o.phase : fail('phase', 'is not forward/backward');
      const nan =
        o.nan === undefined || o.nan === null ? {} : { nan: { tensor: str(obj(o.nan, 'nan').tensor, 'nan.tensor') } };
      return {
        kind,
        phase,
        module: str(o.module, 'module'),
        step: int(o.step, 'step'),
        call: int(o.call, 'call'),
        wait: bool(o.wait, 'wait'),
        ...(o.paused === undefined ? {} : { paused: bool(o.paused, 'paused') }),
        ...nan,
        tensors: summaries(o.tensors, 'tensors'),
        loss: nullableNum(o.loss, 'loss'),
        ...(o.modules === undefined ? {} : { modules: statsList(o.modules, 'modules') }),
      };
    }
    case 'stepEnd':
      return {
        kind,
        step: int(o.step, 'step'),
        wait: bool(o.wait, 'wait'),
        loss: nullableNum(o.loss, 'loss'),
        modules: statsList(o.modules, 'modules'),
        gradNormBefore: num(o.gradNormBefore, 'gradNormBefore'),
        gradNormAfter: num(o.gradNormAfter, 'gradNormAfter'),
        clipNorm: nullableNum(o.clipNorm, 'clipNorm'),
      };
    case 'progress':
      return {
        kind,
        step: int(o.step, 'step'),
        stepsPerSecond: num(o.stepsPerSecond, 'stepsPerSecond'),
        losses: arr(o.losses, 'losses').map((p, i) => {
          const pair = arr(p, `losses[${i}]`);
          if (pair.length !== 2) fail(`losses[${i}]`, 'is not a [step, loss] pair');
          return [int(pair[0], `losses[${i}][0]`), num(pair[1], `losses[${i}][1]`)] as const;
        }),
        modules: statsList(o.modules, 'modules'),
        gradNormBefore: num(o.gradNormBefore, 'gradNormBefore'),
        gradNormAfter: num(o.gradNormAfter, 'gradNormAfter'),
        clipNorm: nullableNum(o.clipNorm, 'clipNorm'),
      };
    case 'reply': {
      const id = int(o.id, 'id', 1);
      if (o.ok === true) return { kind, id, ok: true, body: obj(o.body, 'body') as never };
      if (o.ok === false) return { kind, id, ok: false, error: str(o.error, 'error') };
      return fail('ok', 'is not true or false');
    }
    case 'rankExit':
      return {
        kind,
        rank: int(o.rank, 'rank'),
        code: Number.isSafeInteger(o.code) ? (o.code as number) : fail('code', 'is not an integer'),
      };
    case 'exit':
      return {
        kind,
        code: Number.isSafeInteger(o.code) ? (o.code as number) : fail('code', 'is not an integer'),
        error: error(o.error),
      };
    default:
      return fail(`kind '${kind.slice(0, 40)}'`, 'is not a probe message');
  }
}

/**
 * One line from the probe as a message, or why it is not one. A reply's body is checked by the request that
 * asked (its shape depends on the request kind).
 */
export function parseProbeMessage(line: string): { ok: true; message: ProbeToHost } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  try {
    return { ok: true, message: message(obj(json, 'the message')) };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, error: e.message };
    throw e;
  }
}

/** Checks a `values` reply body; throws an Error saying what is wrong. */
export function valuesReply(body: unknown): { shape: number[]; offset: number; total: number; data: string } {
  try {
    const o = obj(body, 'values reply');
    return {
      shape: shape(o.shape, 'shape'),
      offset: int(o.offset, 'offset'),
      total: int(o.total, 'total'),
      data: str(o.data, 'data'),
    };
  } catch (e) {
    throw new Error(`malformed reply from the probe: ${(e as Error).message}`, { cause: e });
  }
}

/** Checks a `summaries` reply body; throws an Error saying what is wrong. */
export function summariesReply(body: unknown): Record<string, ProbeSummary> {
  try {
    return summaries(obj(body, 'summaries reply').tensors, 'tensors');
  } catch (e) {
    throw new Error(`malformed reply from the probe: ${(e as Error).message}`, { cause: e });
  }
}
