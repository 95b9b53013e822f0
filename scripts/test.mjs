// `npm test`: type-checks, checks formatting and lints, packages the extension (the bundles every test uses), makes sure code-server is
// installed, then runs every test file in one node:test run: engine, language, adapter over DAP, webview in
// headless Chromium, and the extension end to end in a real VS Code (code-server).
// `--only unit` skips the end-to-end tests; `--only e2e` runs just those.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, ensureCodeServer } from './codeServer.mjs';

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : 'all';

function step(label, cmd, args) {
  console.log(`\n▶ ${label}`);
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`✖ ${label} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

/** Test files under `dir`, recursively. */
function findTests(dir, pattern) {
  const out = [];
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') out.push(...findTests(rel, pattern));
    } else if (pattern.test(e.name)) out.push(rel);
  }
  return out.sort();
}

step('type-check (tsc, the whole project and each layer within its import boundaries)', 'npm', [
  'run',
  '--silent',
  'typecheck',
]);
step('formatting (prettier --check)', 'npm', ['run', '--silent', 'format:check']);
step('lint (eslint)', 'npm', ['run', '--silent', 'lint']);
step('package the extension (npm run package)', 'npm', ['run', '--silent', 'package']);

const unit = ['engine', 'debugger', 'extension', 'webview', 'test', 'bench'].flatMap((d) =>
  findTests(d, /(?<!\.e2e)\.test\.ts$/),
);
const e2e = findTests('test', /\.e2e\.test\.ts$/);
const files = only === 'unit' ? unit : only === 'e2e' ? e2e : [...unit, ...e2e];
if (only !== 'unit' && e2e.length) {
  console.log('\n▶ code-server for the end-to-end tests');
  ensureCodeServer();
}
fs.mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
step(`tests (${files.length} files)`, process.execPath, [
  '--import',
  'tsx',
  '--test',
  '--test-concurrency=1',
  ...files,
]);
