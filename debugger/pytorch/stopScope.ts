// The expression scope of a PyTorch stop: module tensors by path (`fc2.weight.grad`, `encoder.layers.0.fc1.output`)
// and the scalars `step`, `loss`, `rank`. Expressions evaluate synchronously, so the tensors an expression names are
// fetched from the blocked probe first (`prefetch`, in pages of `values`).

import { namesIn } from '../../engine/expr/ast';
import type { CompiledExpr } from '../../engine/expr/evaluate';
import { NotComputedError, type ExprScope, type Tensor, type Value } from '../../engine/expr/values';
import { decodeFloat32 } from '../../wire/float32';
import type { ProbeModule } from './probeProtocol';
import { valuesReply } from './probeValidate';

/** Values fetched per `values` request (4 MiB of float32; a page is a line of ~5.6 MB). */
export const VALUES_PAGE = 1 << 20;
/** Largest tensor an expression may fetch whole (64 Mi values: 256 MiB). */
export const MAX_FETCH = 1 << 26;

/** Asks the blocked probe for a page of a tensor's values (ProbeRequests['values']); resolves with the raw body. */
export type FetchValues = (module: string, tensor: string, offset: number, count: number) => Promise<unknown>;

/** The tensors a module can show besides its parameters and their gradients (ProbeTensorName). */
const ACTIVATIONS = ['input', 'output', 'grad_output', 'grad_input'];

/** The tensor names of a module: activations, parameters and their `.grad`. */
export function tensorNamesOf(m: ProbeModule): string[] {
  return [...ACTIVATIONS, ...m.params.flatMap((p) => [p.name, `${p.name}.grad`])];
}

/** Reads a whole tensor from the probe, page by page. */
export async function fetchTensor(fetch: FetchValues, module: string, tensor: string): Promise<Tensor> {
  const first = valuesReply(await fetch(module, tensor, 0, VALUES_PAGE));
  if (first.total > MAX_FETCH)
    throw new Error(`${module}.${tensor} has ${first.total} values, more than an expression may read (${MAX_FETCH})`);
  const data = new Float32Array(first.total);
  let got = 0;
  for (let page = first; ;) {
    const values = decodeFloat32(page.data);
    if (!values || page.offset !== got) throw new Error(`malformed values page of ${module}.${tensor}`);
    data.set(values.subarray(0, Math.min(values.length, first.total - got)), got);
    got += values.length;
    if (got >= first.total || values.length === 0) break;
    page = valuesReply(await fetch(module, tensor, got, VALUES_PAGE));
  }
  return { shape: first.shape, data };
}

/** Scalars of a stop. */
export interface StopScalars {
  readonly step: number;
  readonly loss: number | null;
  readonly rank: number;
}

/** The scope of one stop; tensors are fetched on demand and kept for the stop's lifetime. */
export class StopScope implements ExprScope {
  private readonly paths = new Map<string, { module: string; tensor: string }>();
  private readonly fetched = new Map<string, Tensor | Error>();

  constructor(
    modules: readonly ProbeModule[],
    private readonly scalars: StopScalars,
    private readonly fetch: FetchValues,
  ) {
    for (const m of modules)
      for (const t of tensorNamesOf(m)) this.paths.set(`${m.path}.${t}`, { module: m.path, tensor: t });
  }

  /** Fetches the tensors a compiled expression names (failures are kept and reported when looked up). */
  async prefetch(expr: CompiledExpr): Promise<void> {
    for (const n of namesIn(expr.ast)) {
      const where = this.paths.get(n.path);
      if (!where || this.fetched.has(n.path)) continue;
      try {
        this.fetched.set(n.path, await fetchTensor(this.fetch, where.module, where.tensor));
      } catch (e) {
        this.fetched.set(n.path, e instanceof Error ? e : new Error(String(e)));
      }
    }
  }

  lookup(name: string): Value | undefined {
    switch (name) {
      case 'step':
        return this.scalars.step;
      case 'rank':
        return this.scalars.rank;
      case 'loss':
        if (this.scalars.loss === null) throw new NotComputedError('no loss yet: backward() has not been called');
        return this.scalars.loss;
    }
    const t = this.fetched.get(name);
    if (t instanceof Error) throw new NotComputedError(`${name}: ${t.message}`);
    if (t) return t;
    if (this.paths.has(name)) throw new NotComputedError(`${name} was not fetched`);
    return undefined;
  }

  names(): string[] {
    return ['step', 'loss', 'rank', ...this.paths.keys()];
  }
}
