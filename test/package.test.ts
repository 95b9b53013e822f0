// The packaged .vsix ships the PyTorch debugger's Python side: every module of probe/nnet_probe and the PyTorch
// example, byte for byte, and nothing of the probe's tests or caches; the probe runs from where the .vsix puts it.
// Needs dist/nnet.vsix (`npm run package`; `npm test` packages first).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import zlib from 'node:zlib';

const ROOT = path.resolve(__dirname, '..');
const VSIX = process.env.NNET_E2E_VSIX ?? path.join(ROOT, 'dist', 'nnet.vsix');

/** The files of a zip archive (a .vsix is one), by name, inflated; read from its central directory. */
function readZip(file: string): Map<string, Buffer> {
  const zip = fs.readFileSync(file);
  // The end-of-central-directory record is the last 22 bytes when, as vsce writes it, there is no comment.
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, `${file} is not a zip archive`);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'central directory entry');
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    // The local header repeats the name and has its own extra field before the data.
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + compressed);
    files.set(name, method === 0 ? Buffer.from(data) : zlib.inflateRawSync(data));
    assert.equal(files.get(name)?.length, size, `${name}: inflated size`);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

test('the .vsix ships the PyTorch probe and example exactly, without tests or caches', () => {
  assert.ok(fs.existsSync(VSIX), `${VSIX} is missing: run \`npm run package\` first`);
  const files = readZip(VSIX);
  const probeDir = path.join(ROOT, 'probe', 'nnet_probe');
  const modules = fs.readdirSync(probeDir).filter((f) => f.endsWith('.py'));
  assert.ok(modules.includes('__main__.py') && modules.includes('__init__.py'), 'the probe is a runnable package');
  const shipped = [
    ...modules.map((m) => `probe/nnet_probe/${m}`),
    ...fs
      .readdirSync(path.join(ROOT, 'examples', 'pytorch'))
      .flatMap((f) => (f.endsWith('.py') ? [`examples/pytorch/${f}`] : [])),
  ];
  assert.ok(shipped.includes('examples/pytorch/train.py'));
  for (const rel of shipped) {
    const inVsix = files.get(`extension/${rel}`);
    assert.ok(inVsix, `${rel} missing from the .vsix`);
    assert.ok(inVsix.equals(fs.readFileSync(path.join(ROOT, rel))), `${rel} differs from the repository's`);
  }
  const stray = [...files.keys()].filter((n) => /__pycache__|\.pyc$|^extension\/probe\/tests\//.test(n));
  assert.deepEqual(stray, [], 'no probe tests or bytecode caches in the package');
});

test('the probe runs from where the .vsix installs it (standard library only to start)', () => {
  assert.ok(fs.existsSync(VSIX), `${VSIX} is missing: run \`npm run package\` first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-vsix-'));
  try {
    for (const [name, data] of readZip(VSIX)) {
      if (!name.startsWith('extension/probe/')) continue;
      const out = path.join(dir, name);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, data);
    }
    // No script: the probe answers with its usage and a failing status, having imported its own modules.
    const r = spawnSync('/usr/bin/python3', ['-m', 'nnet_probe'], {
      env: { ...process.env, PYTHONPATH: path.join(dir, 'extension', 'probe'), PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr + r.stdout, /usage: python -m nnet_probe/);
    assert.doesNotMatch(r.stderr, /Traceback/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
