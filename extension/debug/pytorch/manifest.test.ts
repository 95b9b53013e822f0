// package.json declares the nnet-pytorch debugger the way the adapter and the configuration provider expect: its
// launch attributes are the ones checkLaunch reads, every string is in package.nls.json, breakpoints may be set in
// Python files, and resolving the type activates the extension.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkAttach, checkLaunch } from './launch';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const nls = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
const debuggerOf = (type: string) =>
  (pkg.contributes.debuggers as { type: string; [k: string]: unknown }[]).find((d) => d.type === type);

test('the nnet-pytorch debugger: for Python, activated on resolve, breakpoints allowed in .py files', () => {
  const d = debuggerOf('nnet-pytorch');
  assert.ok(d, 'no nnet-pytorch debugger in package.json');
  assert.deepEqual(d.languages, ['python']);
  for (const e of ['onDebugResolve:nnet-pytorch', 'onDebugDynamicConfigurations:nnet-pytorch'])
    assert.ok(pkg.activationEvents.includes(e), e);
  assert.ok(
    (pkg.contributes.breakpoints as { language: string }[]).some((b) => b.language === 'python'),
    'without contributes.breakpoints for python, F9 does nothing in a .py file',
  );
});

test('its launch attributes are what the adapter reads, each described in package.nls.json', () => {
  const d = debuggerOf('nnet-pytorch') as unknown as {
    label: string;
    configurationAttributes: Record<
      'launch' | 'attach',
      { properties: Record<string, { description: string; default?: unknown }> }
    >;
    initialConfigurations: Record<string, unknown>[];
    configurationSnippets: { label: string; description: string; body: Record<string, unknown> }[];
  };
  const props = d.configurationAttributes.launch.properties;
  assert.deepEqual(Object.keys(props).sort(), [
    'args',
    'cwd',
    'env',
    'nproc',
    'program',
    'python',
    'rank',
    'stopOnEntry',
  ]);
  const attach = d.configurationAttributes.attach.properties;
  assert.deepEqual(Object.keys(attach).sort(), ['port', 'rank', 'stopOnEntry']);
  const attachDefaults = Object.fromEntries(Object.entries(attach).map(([k, p]) => [k, p.default]));
  assert.ok(checkAttach(attachDefaults).ok, JSON.stringify(attachDefaults));
  const strings = [
    d.label,
    ...Object.values(props).map((p) => p.description),
    ...Object.values(attach).map((p) => p.description),
    ...d.configurationSnippets.flatMap((s) => [s.label, s.description]),
  ];
  for (const s of strings) {
    const key = /^%(.+)%$/.exec(s)?.[1];
    assert.ok(key && typeof nls[key] === 'string' && nls[key].length > 0, `${s} has no text in package.nls.json`);
  }
  // Every attribute's default passes the adapter's check, as does the configuration F5 uses.
  const defaults = Object.fromEntries(
    Object.entries(props).flatMap(([k, p]) => (p.default === undefined ? [] : [[k, p.default]])),
  );
  const check = checkLaunch({ ...defaults, program: '/tmp/train.py', cwd: '/tmp' });
  assert.ok(check.ok, JSON.stringify(check));
  for (const c of [...d.initialConfigurations, ...d.configurationSnippets.map((s) => s.body)]) {
    assert.equal(c.type, 'nnet-pytorch');
    if (c.request === 'attach') assert.ok(checkAttach(c).ok, JSON.stringify(c));
    else {
      assert.equal(c.request, 'launch');
      assert.ok(checkLaunch({ ...c, program: '/tmp/train.py' }).ok, JSON.stringify(c));
    }
  }
});
