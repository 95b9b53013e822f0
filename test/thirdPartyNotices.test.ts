// ThirdPartyNotices.txt covers every npm package the shipped bundles include, as the last build reported them
// (dist/bundled-packages.json, from esbuild's metafiles): a new bundled dependency fails here until
// `node scripts/notices.mjs` is run again.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..');

test('every bundled package is in ThirdPartyNotices.txt, with its version and a license text', () => {
  const listed = path.join(root, 'dist', 'bundled-packages.json');
  assert.ok(fs.existsSync(listed), 'run `npm run build` first');
  const packages = JSON.parse(fs.readFileSync(listed, 'utf8')) as { name: string; version: string }[];
  // The build's report itself: the webview bundles chart.js and the toolkit, the adapter the DAP library.
  for (const known of ['chart.js', '@vscode/webview-ui-toolkit', '@vscode/debugadapter']) {
    assert.ok(
      packages.some((p) => p.name === known),
      `the build no longer reports ${known}`,
    );
  }
  const notices = fs.readFileSync(path.join(root, 'ThirdPartyNotices.txt'), 'utf8');
  const blocks = notices.split(/^-{78}$/m);
  const missing = packages.filter((p) => !blocks.some((b) => b.trim().startsWith(`${p.name} ${p.version} — `)));
  assert.deepEqual(
    missing.map((p) => `${p.name}@${p.version}`),
    [],
    'bundled but not in ThirdPartyNotices.txt: run `node scripts/notices.mjs`',
  );
  for (const p of packages) {
    const i = blocks.findIndex((b) => b.trim().startsWith(`${p.name} ${p.version} — `));
    assert.match(blocks[i + 1] ?? '', /(copyright|permission|license)/i, `no license text after ${p.name}`);
  }
});
