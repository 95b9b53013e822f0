// The import boundaries of boundaries/README.md hold: a file that reaches past its layer fails to compile under the
// layer's tsconfig, and the same file's permitted twin compiles.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(__dirname, '..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
// Inside the repository (and git-ignored) so that node_modules/@types resolve as they do for the real layers.
const PROBES = path.join(ROOT, 'test-results', 'boundary-probes');

/** Type-checks one probe file under `layer`'s tsconfig; the compiler's output (empty when it compiles). */
function compileUnder(layer: string, name: string, source: string): string {
  const dir = path.join(PROBES, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'probe.ts'), source);
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: path.join(ROOT, layer, 'tsconfig.json'),
      include: ['probe.ts', path.join(ROOT, 'boundaries', 'webassembly.d.ts')],
    }),
  );
  const r = spawnSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8' });
  return r.status === 0 ? '' : r.stdout + r.stderr;
}

test('the engine may use Node but not vscode, DAP, chart.js or the DOM', () => {
  assert.equal(
    compileUnder('engine', 'engine-ok', "import fs from 'node:fs';\nexport const read = fs.readFileSync;\n"),
    '',
  );
  const out = compileUnder(
    'engine',
    'engine-bad',
    [
      "import * as vscode from 'vscode';",
      "import { DebugSession } from '@vscode/debugadapter';",
      'export const v = vscode.version;',
      'export const s = DebugSession;',
      'export const t = document.title;',
    ].join('\n'),
  );
  assert.match(out, /boundaries\/forbidden\/vscode/);
  assert.match(out, /has no exported member 'DebugSession'/);
  assert.match(out, /Cannot find name 'document'/);
});

test('the debug runtime may not use vscode', () => {
  const out = compileUnder(
    'debugger',
    'worker-bad',
    "import * as vscode from 'vscode';\nexport const v = vscode.debug;\n",
  );
  assert.match(out, /boundaries\/forbidden\/vscode/);
});

test('the webviews may use the DOM but not Node or vscode', () => {
  assert.equal(compileUnder('webview', 'webview-ok', 'export const t = (): string => document.title;\n'), '');
  const out = compileUnder(
    'webview',
    'webview-bad',
    [
      "import fs from 'node:fs';",
      "import * as vscode from 'vscode';",
      'export const r = fs.readFileSync;',
      'export const v = vscode.version;',
      'export const p = process.pid;',
    ].join('\n'),
  );
  assert.match(out, /boundaries\/forbidden\/node/);
  assert.match(out, /boundaries\/forbidden\/vscode/);
  assert.match(out, /Cannot find name 'process'/);
});
