// What a stop shows of the network: each layer's gradient norm is the layer's gradient statistics' ‖∂W‖ to the bit
// (the same lane order as the trainer's statistics and the tensor summaries), on every example that does not clip.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeReadFile } from '../engine/data/files';
import { parseNnet } from '../engine/language/parser';
import { EventState } from '../engine/runtime/eventState';
import { Trainer } from '../engine/runtime/trainer';
import { networkSummary } from './stopView';

const EXAMPLES = join(__dirname, '..', 'examples');

test("a stop's per-layer gradient norm is the trainer's ‖∂W‖ statistic bit for bit, on every example without clip", () => {
  let compared = 0;
  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.nnet'))) {
    const spec = parseNnet(readFileSync(join(EXAMPLES, file), 'utf8'), {
      readFile: nodeReadFile(join(EXAMPLES, file)),
    }).spec;
    if (!spec || spec.train.clip) continue; // (a clip changes ∂W after the statistics measured it)
    const t = new Trainer(spec);
    t.advanceStep(); // a whole step (generated where it can be)
    for (let ev = t.advance(); ev && ev.phase !== 'clip'; ev = t.advance()); // the next step's events, to its clip
    const ev = t.eventBefore();
    const nodes = networkSummary(t, new EventState(t, ev));
    nodes.forEach((n, i) => {
      if (n.gradNorm === null || t.model.nodes[i].kind !== 'dense') return;
      assert.ok(
        Object.is(n.gradNorm, t.gradNorm[i]),
        `${file} ${n.name}: ${n.gradNorm} shown, ${t.gradNorm[i]} measured`,
      );
      compared++;
    });
  }
  assert.ok(compared > 50, `${compared} layers compared`);
});
