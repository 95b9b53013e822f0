// The checks a spec handed to the engine directly (not through the parser) must pass before it can be trained.

import type { NetworkSpec } from '../language/spec';
import { layerKind } from '../nn/layers';
import { flattenLayers } from '../nn/model';

/** A spec handed to the engine API directly (not through the parser) that cannot be trained. */
export class SpecError extends Error {}

/** Throws SpecError for what the parser would have refused: empty data, wrong widths, NaN, zero-size layers. */
export function validateSpec(spec: NetworkSpec): void {
  const fail = (m: string): never => {
    throw new SpecError(m);
  };
  if (!(spec.inputSize >= 1)) fail(`input width must be at least 1, not ${spec.inputSize}`);
  if (!spec.layers.length) fail('the network has no layers');
  const visit = (layers: NetworkSpec['layers']) =>
    layers.forEach((l) => {
      if (l.kind === 'residual') {
        if (!l.body.length) fail(`residual '${l.name}' has no layers`);
        visit(l.body);
        return;
      }
      const kind = layerKind(l.kind);
      if (!kind) fail(`layer '${l.name}' has an unknown kind '${l.kind}'`);
      const problem = kind!.validate?.(l);
      if (problem) fail(problem);
    });
  visit(spec.layers);
  const outputs = flattenLayers(spec.inputSize, spec.layers).nodes.at(-1)!.outWidth;
  const { x, y } = spec.data;
  if (!x.length) fail('there are no data rows');
  if (x.length !== y.length) fail(`${x.length} input rows but ${y.length} target rows`);
  x.forEach((row, i) => {
    if (row.length !== spec.inputSize) fail(`row ${i} has ${row.length} inputs; the network takes ${spec.inputSize}`);
  });
  y.forEach((row, i) => {
    if (row.length !== outputs) fail(`row ${i} has ${row.length} targets; the network outputs ${outputs}`);
  });
  [x, y].forEach((rows, which) =>
    rows.forEach((row, i) =>
      row.forEach((v, j) => {
        if (!Number.isFinite(v))
          fail(`${which ? 'target' : 'input'} [${i}][${j}] is ${v}; data must be finite numbers`);
      }),
    ),
  );
  const t = spec.train;
  if (!(Number.isInteger(t.batch) && t.batch >= 1)) fail(`batch size must be a positive integer, not ${t.batch}`);
  if (!(Number.isInteger(t.accumulate) && t.accumulate >= 1))
    fail(`accumulate must be a positive integer, not ${t.accumulate}`);
  if (!(t.validation >= 0 && t.validation < 1)) fail(`validation fraction must be in [0, 1), not ${t.validation}`);
  if (x.length - Math.floor(x.length * t.validation) < 1) fail('validation leaves no training rows');
}
