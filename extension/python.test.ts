// The interpreter finder: order (setting, /usr/bin/python3, python3), a broken setting reported as such, the
// message naming every interpreter tried and how to install torch; the real probe on this machine's interpreters.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PYTHON_SETTING, configuredPython, findPython, probeTorch, type Probe, type ProbeResult } from './python';

/** A probe over a table of fake interpreters; records what it was asked. */
function fake(table: Record<string, ProbeResult>): Probe & { asked: string[] } {
  const asked: string[] = [];
  const probe = async (p: string) => {
    asked.push(p);
    return table[p] ?? { ok: false as const, reason: 'not found' };
  };
  return Object.assign(probe, { asked });
}

test('the setting comes first, then /usr/bin/python3, then python3', async () => {
  const all = fake({
    '/opt/py/bin/python': { ok: true, torch: '2.3.0' },
    '/usr/bin/python3': { ok: true, torch: '1.13.1' },
    python3: { ok: true, torch: '2.0.0' },
  });
  assert.deepEqual(await findPython('/opt/py/bin/python', all), {
    path: '/opt/py/bin/python',
    torch: '2.3.0',
    source: 'setting',
  });
  assert.deepEqual(await findPython(undefined, all), { path: '/usr/bin/python3', torch: '1.13.1', source: 'default' });
  const onlyPath = fake({
    '/usr/bin/python3': { ok: false, reason: 'no module torch' },
    python3: { ok: true, torch: '2.0' },
  });
  assert.deepEqual(await findPython(undefined, onlyPath), { path: 'python3', torch: '2.0', source: 'PATH' });
  assert.deepEqual(onlyPath.asked, ['/usr/bin/python3', 'python3']);
});

test('a broken setting is reported, not silently replaced; none found names every one tried and how to install', async () => {
  const none = fake({ '/usr/bin/python3': { ok: false, reason: 'no module torch' } });
  const broken = await findPython('/nope/python', fake({ '/usr/bin/python3': { ok: true, torch: '1.13.1' } }));
  assert.ok('message' in broken);
  assert.match(broken.message, /the interpreter in nnet\.python, \/nope\/python, cannot run PyTorch: not found/);
  const r = await findPython(undefined, none);
  assert.ok('message' in r);
  assert.deepEqual(r.tried, ['/usr/bin/python3 (no module torch)', 'python3 (not found)']);
  assert.match(
    r.message,
    /tried \/usr\/bin\/python3 \(no module torch\), python3 \(not found\); .*apt install python3-torch.*pip install torch/,
  );
  assert.equal(configuredPython({ get: () => '  ' }), undefined);
  assert.equal(configuredPython({ get: () => 42 }), undefined);
  assert.equal(configuredPython({ get: () => ' /x/python ' }), '/x/python');
});

test('the real probe: a missing file, a file that is no interpreter, and a script without torch', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-py-'));
  try {
    assert.deepEqual(await probeTorch(path.join(dir, 'absent')), { ok: false, reason: 'not found' });
    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, 'not a program');
    assert.deepEqual(await probeTorch(plain), { ok: false, reason: 'not executable' });
    const noTorch = path.join(dir, 'notorch');
    fs.writeFileSync(noTorch, '#!/bin/sh\necho "ModuleNotFoundError: No module named \'torch\'" >&2\nexit 1\n', {
      mode: 0o755,
    });
    assert.deepEqual(await probeTorch(noTorch), { ok: false, reason: 'no module torch' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'on a machine with python3-torch, /usr/bin/python3 is found with its torch version',
  { skip: !fs.existsSync('/usr/bin/python3') && 'no /usr/bin/python3' },
  async () => {
    const r = await findPython(undefined);
    if ('message' in r) {
      if (process.env.CI) assert.fail(r.message);
      return;
    }
    assert.match(r.torch, /^\d+\.\d+/);
    process.stderr.write(`found ${r.path} with torch ${r.torch}\n`);
  },
);

test('package.json declares nnet.python: a string, machine-overridable, not read in untrusted workspaces', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
  const p = pkg.contributes.configuration.properties[PYTHON_SETTING];
  assert.deepEqual([p.type, p.default, p.scope], ['string', '', 'machine-overridable']);
  assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(PYTHON_SETTING));
});
