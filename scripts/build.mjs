// Bundles every program of the extension with esbuild: extension host, engine worker, standalone debug adapter,
// CLI and the webview scripts. `--production` minifies; `--watch` rebuilds on change. Each build also lists the npm
// packages the bundles include (dist/bundled-packages.json, from esbuild's metafile) for the third-party notices.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
  metafile: true,
};
/** @type {esbuild.BuildOptions[]} */
const builds = [
  { ...node, entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...node, entryPoints: ['debugger/worker.ts'], outfile: 'dist/worker.js' },
  { ...node, entryPoints: ['extension/debug/debugAdapter.ts'], outfile: 'dist/debugAdapter.js' },
  { ...node, entryPoints: ['extension/debug/pytorch/debugAdapter.ts'], outfile: 'dist/pytorchDebugAdapter.js' },
  { ...node, entryPoints: ['engine/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    absWorkingDir: root,
    metafile: true,
    entryPoints: { gradientFlow: 'webview/gradientFlow/main.ts', inspector: 'webview/inspector/main.ts' },
    outdir: 'dist/webview',
    loader: { '.css': 'css' },
  },
];

/** Every npm package any bundle includes code from (name, version, folder; sorted), read from esbuild's metafiles. */
function bundledPackages(results) {
  const dirs = new Set();
  for (const r of results) {
    for (const input of Object.keys(r.metafile?.inputs ?? {})) {
      // node_modules/pkg/… or node_modules/@scope/pkg/…, the innermost node_modules for nested copies
      const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*\/node_modules\/)/.exec(input);
      if (m) dirs.add(input.slice(0, m.index + m[0].length - 1));
    }
  }
  return [...dirs]
    .map((dir) => {
      const pkg = JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
      return { name: pkg.name, version: pkg.version, dir };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

if (production) fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true }); // no stale maps in the .vsix
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('watching…');
} else {
  const results = await Promise.all(builds.map((b) => esbuild.build(b)));
  fs.writeFileSync(
    path.join(root, 'dist', 'bundled-packages.json'),
    `${JSON.stringify(bundledPackages(results), null, 2)}\n`,
  );
  if (fs.existsSync(path.join(root, 'dist/cli.js'))) fs.chmodSync(path.join(root, 'dist/cli.js'), 0o755);
  console.log(`built ${builds.length} bundles${production ? ' (production)' : ''}`);
}
