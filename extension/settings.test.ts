// The settings module against a fake workspace configuration: defaults, validation (reported once, default used),
// change events, the merge into a launch configuration, and package.json declaring exactly these settings.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PYTHON_SETTING } from './python';
import {
  DEFAULT_SETTINGS,
  LAUNCH_SETTINGS,
  SETTINGS,
  SettingsStore,
  mergeLaunchSettings,
  sessionSettings,
  thresholdsOf,
  type ConfigurationSource,
  type SettingName,
} from './settings';
import { DEFAULT_THRESHOLDS, THRESHOLD_INFO, type DoctorThresholds } from '../engine/doctor/thresholds';

/** A configuration the test edits, with VS Code's change event (only for sections the edit touched). */
function fakeWorkspace(initial: Record<string, unknown> = {}) {
  let values: Record<string, unknown> = { ...initial };
  const listeners = new Set<(e: { affectsConfiguration(section: string): boolean }) => unknown>();
  const source: ConfigurationSource = {
    getConfiguration: () => ({ get: <T>(key: string) => values[key] as T }),
    onDidChangeConfiguration: (l) => {
      listeners.add(l);
      return { dispose: () => listeners.delete(l) };
    },
  };
  const set = (changes: Record<string, unknown>, section = 'nnet') => {
    values = { ...values, ...changes };
    for (const l of [...listeners]) l({ affectsConfiguration: (s) => section === s || section.startsWith(`${s}.`) });
  };
  return { source, set, listeners };
}

test('unset settings read as the defaults, which are the constants the code used before', () => {
  const ws = fakeWorkspace();
  const store = new SettingsStore(ws.source, () => assert.fail('nothing to report'));
  assert.deepEqual(store.current, DEFAULT_SETTINGS);
  assert.deepEqual(
    [
      DEFAULT_SETTINGS.vanishingRatio,
      DEFAULT_SETTINGS.vanishingFloor,
      DEFAULT_SETTINGS.explodingNorm,
      DEFAULT_SETTINGS.deadReluShare,
      DEFAULT_SETTINGS.historyMB,
      DEFAULT_SETTINGS.runsKept,
      DEFAULT_SETTINGS.curvePoints,
      DEFAULT_SETTINGS.heatmapCells,
      DEFAULT_SETTINGS.maxTensorValues,
      DEFAULT_SETTINGS.maxCsvMB,
      DEFAULT_SETTINGS.memoryBudgetMB,
    ],
    [1e-3, 1e-7, 100, 0.5, 256, 5, 2000, 256, 1 << 20, 16, 2048],
  );
});

test('a value of the wrong type or out of range is reported once, and the default is used', () => {
  const reports: string[] = [];
  const ws = fakeWorkspace({
    'debug.historyMB': 'lots',
    'exceptions.deadReluShare': 1.5,
    'gradientFlow.runsKept': 2.5,
    'exceptions.explodingNorm': 7,
  });
  const store = new SettingsStore(ws.source, (m) => reports.push(m));
  assert.equal(store.current.historyMB, 256);
  assert.equal(store.current.deadReluShare, 0.5);
  assert.equal(store.current.runsKept, 5);
  assert.equal(store.current.explodingNorm, 7, 'a valid value is used');
  assert.deepEqual(reports, [
    'nnet.exceptions.deadReluShare: 1.5 is outside 0…1; using 0.5',
    'nnet.debug.historyMB: "lots" is not a number; using 256',
    'nnet.gradientFlow.runsKept: 2.5 is not a whole number; using 5',
  ]);
  // Another change re-reads everything: the same bad values are not reported again, a new one is.
  ws.set({ 'exceptions.explodingNorm': 8 });
  ws.set({ 'exceptions.explodingNorm': -1 });
  assert.equal(store.current.explodingNorm, 100);
  assert.deepEqual(reports.slice(3), ['nnet.exceptions.explodingNorm: -1 is outside 0…1000000000000; using 100']);
  for (const bad of [NaN, Infinity, null, true, [1], {}])
    assert.ok(sessionSettings({ historyMB: bad }, () => undefined).historyMB === 256, `${String(bad)} is refused`);
});

test('onDidChange fires with the new settings only when an nnet setting changed, and stops after dispose', () => {
  const ws = fakeWorkspace();
  const store = new SettingsStore(ws.source, () => undefined);
  const seen: number[] = [];
  const sub = store.onDidChange((s) => seen.push(s.vanishingRatio));
  ws.set({ 'exceptions.vanishingRatio': 0.01 });
  ws.set({ 'exceptions.vanishingRatio': 0.01 }); // same value: no event
  ws.set({ 'editor.fontSize': 20 }, 'editor'); // another extension's section: not re-read
  ws.set({ 'exceptions.vanishingRatio': 0.02 });
  sub.dispose();
  ws.set({ 'exceptions.vanishingRatio': 0.03 });
  assert.deepEqual(seen, [0.01, 0.02]);
  assert.equal(store.current.vanishingRatio, 0.03, 'the store itself keeps reading');
  store.dispose();
  assert.equal(ws.listeners.size, 0, 'dispose unsubscribes from the workspace');
});

test('launch attributes override the settings per session; the rest are filled in; a bad attribute is reported and the setting used', () => {
  const settings = { ...DEFAULT_SETTINGS, historyMB: 512, explodingNorm: 10, runsKept: 3 };
  const reports: string[] = [];
  const config = {
    type: 'nnet',
    request: 'launch',
    name: 'x',
    program: '/a.nnet',
    historyMB: 64,
    deadReluShare: 2,
    trace: true,
  };
  const merged = mergeLaunchSettings<Record<string, unknown>>(config, settings, (m) => reports.push(m));
  assert.equal(merged.historyMB, 64, 'launch.json wins');
  assert.equal(merged.explodingNorm, 10, 'filled in from the settings');
  assert.equal(merged.deadReluShare, 0.5, 'out of range: the setting instead');
  assert.equal(merged.trace, true);
  assert.equal(merged.runsKept, undefined, 'view settings are not launch attributes');
  assert.equal(merged.program, '/a.nnet');
  assert.deepEqual(reports, ["launch attribute 'deadReluShare': 2 is outside 0…1; using 0.5"]);
  assert.deepEqual(
    Object.keys(merged)
      .filter((k) => !(k in config))
      .sort(),
    LAUNCH_SETTINGS.filter((k) => !(k in config)).sort(),
  );
  assert.equal(config.historyMB, 64, 'the configuration passed in is not modified');
  // The session (standalone: no settings) reads the same attributes, with the built-in defaults under them.
  const s = sessionSettings({ historyMB: 64, trace: 'yes' }, (m) => reports.push(m));
  assert.deepEqual([s.historyMB, s.explodingNorm, s.trace], [64, 100, false]);
  assert.equal(reports.at(-1), `launch attribute 'trace': "yes" is not true or false; using false`);
});

test("package.json declares every setting with this default and range, and each launch attribute in the debugger's configurationAttributes", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
  const props = pkg.contributes.configuration.properties as Record<string, Record<string, unknown>>;
  const names = Object.keys(SETTINGS) as SettingName[];
  // nnet.python, a path, is declared by extension/python.ts (python.test.ts checks it); the rest are numbers here.
  assert.deepEqual(
    Object.keys(props)
      .filter((k) => k !== PYTHON_SETTING)
      .sort(),
    names.map((n) => `nnet.${SETTINGS[n].key}`).sort(),
  );
  for (const n of names) {
    const s = SETTINGS[n],
      p = props[`nnet.${s.key}`];
    assert.deepEqual(
      [p.type, p.default, p.minimum, p.maximum],
      [s.integer ? 'integer' : 'number', s.default, s.minimum, s.maximum],
      n,
    );
    assert.ok(typeof p.markdownDescription === 'string' && p.markdownDescription.length > 40, `${n} is documented`);
  }
  const launch = pkg.contributes.debuggers[0].configurationAttributes.launch.properties as Record<
    string,
    Record<string, unknown>
  >;
  for (const n of LAUNCH_SETTINGS)
    assert.deepEqual(
      [launch[n]?.minimum, launch[n]?.maximum],
      [SETTINGS[n].minimum, SETTINGS[n].maximum],
      `launch attribute ${n}`,
    );
  assert.equal(launch.trace?.type, 'boolean');
});

test("every threshold of the doctor is a setting with the doctor's default and range (one definition)", () => {
  for (const k of Object.keys(THRESHOLD_INFO) as (keyof DoctorThresholds)[]) {
    const s = SETTINGS[k];
    assert.equal(s.default, DEFAULT_THRESHOLDS[k], k);
    assert.deepEqual(
      [s.minimum, s.maximum, s.integer],
      [THRESHOLD_INFO[k].minimum, THRESHOLD_INFO[k].maximum, THRESHOLD_INFO[k].integer],
      k,
    );
    assert.ok(DEFAULT_THRESHOLDS[k] >= s.minimum && DEFAULT_THRESHOLDS[k] <= s.maximum, `${k}'s default is in range`);
    assert.match(s.key, /^(exceptions|doctor)\./, k);
  }
  assert.equal(SETTINGS.saturatedShare.key, 'doctor.saturatedShare');
  assert.equal(SETTINGS.explodingNorm.key, 'exceptions.explodingNorm', 'the settings the filters had keep their keys');
  assert.deepEqual(thresholdsOf(DEFAULT_SETTINGS), DEFAULT_THRESHOLDS);
});

test("docs/doctor.md's thresholds table names every threshold with its default and its setting", () => {
  const doc = fs.readFileSync(path.join(__dirname, '..', 'docs', 'doctor.md'), 'utf8');
  for (const k of Object.keys(THRESHOLD_INFO) as (keyof DoctorThresholds)[]) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${k}\` |`));
    assert.ok(row, `${k} has a row`);
    assert.ok(row.includes(`| ${DEFAULT_THRESHOLDS[k]} |`), `${k}: default ${DEFAULT_THRESHOLDS[k]}`);
    assert.ok(row.includes(`\`nnet.${SETTINGS[k].key}\``), `${k}: its setting`);
  }
});
