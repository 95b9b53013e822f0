// The one way to add a Gradient Flow panel holds: the host's page is only the container, every panel module is in
// PANELS, and the ids of the panels' markup are unique on the page.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { renderGradientFlowHtml } from '../../../extension/views/gradientFlowHtml';
import { VIEW_CONTAINER_ID } from '../panel';

const DIR = __dirname;
const modules = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.endsWith('.test.ts'))
  .map((f) => path.basename(f, '.ts'));

test("the host's page gives the view one empty container and no panel markup", () => {
  const html = renderGradientFlowHtml({ cspSource: 'x', nonce: 'n', styleNonce: 's', scriptUri: 'a', styleUri: 'b' });
  const body = /<body>([\s\S]*)<script/.exec(html)?.[1].trim();
  assert.equal(body, `<div id="${VIEW_CONTAINER_ID}"></div>`);
});

test('every module in panels/ is imported by index.ts and listed in PANELS', () => {
  const index = fs.readFileSync(path.join(DIR, 'index.ts'), 'utf8');
  const list = /PANELS[^=]*=\s*\[([^\]]*)\]/.exec(index)?.[1] ?? '';
  assert.ok(modules.length >= 5, modules.join());
  for (const m of modules) {
    const imported = new RegExp(`import \\{ (\\w+) \\} from '\\./${m}';`).exec(index);
    assert.ok(imported, `panels/${m}.ts is not imported by index.ts`);
    assert.ok(new RegExp(`\\b${imported[1]}\\b`).test(list), `${imported[1]} is not in PANELS`);
  }
});

test("the panels' markup ids are unique across the page", () => {
  const seen = new Map<string, string>();
  for (const m of modules) {
    const source = fs.readFileSync(path.join(DIR, `${m}.ts`), 'utf8');
    const markup = /const MARKUP = `([\s\S]*?)`;/.exec(source)?.[1];
    assert.ok(markup, `panels/${m}.ts has no MARKUP`);
    for (const [, id] of markup.matchAll(/\sid="([^"]+)"/g)) {
      assert.ok(!seen.has(id), `#${id} in both ${seen.get(id)} and ${m}`);
      seen.set(id, m);
    }
  }
  for (const id of ['status', 'gradflow-chart', 'ratio-chart', 'loss-chart', 'norm-chart', 'loss-compare']) {
    assert.ok(seen.has(id), `#${id} missing`);
  }
});
