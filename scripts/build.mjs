// Bundles every program of the extension with esbuild: extension host, engine worker, standalone debug adapter,
// CLI and the webview scripts. `--production` minifies; `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const node = {
  bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: !production, minify: production,
  logLevel: 'warning', absWorkingDir: root,
};
/** @type {esbuild.BuildOptions[]} */
const builds = [
  { ...node, entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...node, entryPoints: ['debugger/worker.ts'], outfile: 'dist/worker.js' },
  { ...node, entryPoints: ['extension/debug/debugAdapter.ts'], outfile: 'dist/debugAdapter.js' },
  { ...node, entryPoints: ['engine/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  {
    bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: !production, minify: production,
    logLevel: 'warning', absWorkingDir: root,
    entryPoints: { gradientFlow: 'webview/gradientFlow/main.ts', inspector: 'webview/inspector/main.ts' }, outdir: 'dist/webview',
    loader: { '.css': 'css' },
  },
];

if (production) fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true }); // no stale maps in the .vsix
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('watching…');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (fs.existsSync(path.join(root, 'dist/cli.js'))) fs.chmodSync(path.join(root, 'dist/cli.js'), 0o755);
  console.log(`built ${builds.length} bundles${production ? ' (production)' : ''}`);
}
