// `npm test`: type-checks, checks formatting and lints, packages the extension (the bundles every test uses), makes sure code-server is
// installed, then runs the unit test files (engine, language, adapter over DAP, webview in headless Chromium) two at a
// time, then the end-to-end ones (the extension in a real VS Code, code-server) one at a time.
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
if (only !== 'unit' && e2e.length) {
  console.log('\n▶ code-server for the end-to-end tests');
  ensureCodeServer();
}
fs.mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
// Unit test files run two at a time (the machines this runs on have two cores; a file's timing never decides a test),
// the end-to-end ones one at a time: each drives its own code-server and Chromium, and two would fight for the cores.
// A failing unit test does not stop the end-to-end run: one `npm test` reports every failure.
let failed = 0;
const run = (label, list, concurrency) => {
  if (!list.length) return;
  label = `${label} (${list.length} files, ${concurrency} at a time)`;
  console.log(`\n▶ ${label}`);
  const args = ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...list];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`✖ ${label} failed (exit ${r.status ?? r.signal})`);
    failed = r.status || 1;
  }
};
if (only !== 'e2e') run('unit tests', unit, 2);
if (only !== 'unit') run('end-to-end tests', e2e, 1);
process.exit(failed);
