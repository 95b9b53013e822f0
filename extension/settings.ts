// The one place nnet's settings are read and checked: every threshold and limit as a typed NnetSettings, with
// defaults and ranges, an event when they change, and the merge of settings into a launch configuration.
// No runtime vscode import (the workspace is passed in), so the debug session and the tests use it as is.

import type * as vscode from 'vscode';
import { DEFAULT_THRESHOLDS, THRESHOLD_INFO, type DoctorThresholds } from '../engine/doctor/thresholds';

/**
 * All settings, read and checked: what the rest of the extension uses instead of constants. The doctor's thresholds
 * (engine/doctor/thresholds.ts) are settings one for one: the Train run's doctor and the debugger's exception
 * filters read them (explodingNorm: the view highlights a layer whose max |∇W| is above it; vanishingRatio too).
 */
export interface NnetSettings extends DoctorThresholds {
  /** Memory for Step Back and Reverse Continue, in MB. */
  readonly historyMB: number;
  /** Earlier runs the Gradient Flow view keeps for comparison. */
  readonly runsKept: number;
  /** Points a Gradient Flow curve keeps before it halves its resolution. */
  readonly curvePoints: number;
  /** Cells per side a Layer Inspector heat map draws at most. */
  readonly heatmapCells: number;
  /** Values per tensor the Layer Inspector reads at most. */
  readonly maxTensorValues: number;
  /** Largest CSV data file read, in MB. */
  readonly maxCsvMB: number;
  /** Memory a network may need to train (parameters, gradients, optimizer state, activations), in MB. */
  readonly memoryBudgetMB: number;
}
export type SettingName = keyof NnetSettings;

/** How one numeric setting is declared: its key under `nnet.`, default and range. */
export interface NumberSetting {
  readonly key: string;
  readonly default: number;
  readonly minimum: number;
  readonly maximum: number;
  readonly integer: boolean;
  /** Also a `launch.json` attribute (same name as the NnetSettings field) that overrides it per debug session. */
  readonly launch: boolean;
}

const n = (
  key: string,
  dflt: number,
  minimum: number,
  maximum: number,
  integer: boolean,
  launch: boolean,
): NumberSetting => ({ key, default: dflt, minimum, maximum, integer, launch });

/** The thresholds the four first exception filters had as settings before the doctor: their keys stay. */
const EXCEPTION_SETTINGS: ReadonlySet<keyof DoctorThresholds> = new Set([
  'vanishingRatio',
  'vanishingFloor',
  'explodingNorm',
  'deadReluShare',
]);

/** The doctor's thresholds as settings: `nnet.exceptions.*` (also launch attributes) or `nnet.doctor.*`. */
export const THRESHOLD_SETTINGS = Object.fromEntries(
  (Object.keys(THRESHOLD_INFO) as (keyof DoctorThresholds)[]).map((k) => {
    const i = THRESHOLD_INFO[k],
      old = EXCEPTION_SETTINGS.has(k);
    return [k, n(`${old ? 'exceptions' : 'doctor'}.${k}`, DEFAULT_THRESHOLDS[k], i.minimum, i.maximum, i.integer, old)];
  }),
) as { readonly [K in keyof DoctorThresholds]: NumberSetting };

/** Every setting; package.json's `contributes.configuration` declares the same (a unit test compares them). */
export const SETTINGS: { readonly [K in SettingName]: NumberSetting } = {
  ...THRESHOLD_SETTINGS,
  historyMB: n('debug.historyMB', 256, 1, 65536, true, true),
  runsKept: n('gradientFlow.runsKept', 5, 0, 20, true, false),
  curvePoints: n('gradientFlow.curvePoints', 2000, 100, 20000, true, false),
  heatmapCells: n('inspector.heatmapCells', 256, 16, 1024, true, false),
  maxTensorValues: n('inspector.maxTensorValues', 1 << 20, 1024, 1 << 21, true, false),
  maxCsvMB: n('data.maxCsvMB', 16, 1, 1024, true, true),
  memoryBudgetMB: n('limits.memoryBudgetMB', 2048, 16, 1 << 20, true, true),
};

const NAMES = Object.keys(SETTINGS) as SettingName[];

/** The settings a launch configuration may override, by attribute name. */
export const LAUNCH_SETTINGS: readonly SettingName[] = NAMES.filter((k) => SETTINGS[k].launch);

/** The defaults, as a settings object. */
export const DEFAULT_SETTINGS: NnetSettings = Object.fromEntries(
  NAMES.map((k) => [k, SETTINGS[k].default]),
) as unknown as NnetSettings;

/** Why `value` cannot be the setting `name`, or null if it can. */
export function settingProblem(name: SettingName, value: unknown): string | null {
  const s = SETTINGS[name];
  if (typeof value !== 'number' || !Number.isFinite(value))
    return `${JSON.stringify(value) ?? String(value)} is not a number`;
  if (s.integer && !Number.isInteger(value)) return `${value} is not a whole number`;
  if (value < s.minimum || value > s.maximum) return `${value} is outside ${s.minimum}…${s.maximum}`;
  return null;
}

/**
 * Reads every setting through `get` (undefined: not set); a value of the wrong type or out of range is reported
 * through `report` and replaced by `fallback`'s (default: the built-in default).
 */
export function readSettings(
  get: (name: SettingName) => unknown,
  report: (message: string) => void,
  fallback: NnetSettings = DEFAULT_SETTINGS,
  where = (name: SettingName) => `nnet.${SETTINGS[name].key}`,
): NnetSettings {
  const out: Record<string, number> = {};
  for (const name of NAMES) {
    const value = get(name);
    const problem = value === undefined ? null : settingProblem(name, value);
    if (problem) report(`${where(name)}: ${problem}; using ${fallback[name]}`);
    out[name] = value === undefined || problem ? fallback[name] : (value as number);
  }
  return out as unknown as NnetSettings;
}

/** The limits the editor and the worker parse with, in bytes (the settings are in MB). */
export function parseLimitsOf(s: { readonly maxCsvMB: number; readonly memoryBudgetMB: number }): {
  maxCsvBytes: number;
  memoryBudget: number;
} {
  return { maxCsvBytes: s.maxCsvMB * 1024 * 1024, memoryBudget: s.memoryBudgetMB * 1024 * 1024 };
}

/** The doctor's thresholds among settings. */
export function thresholdsOf(s: DoctorThresholds): DoctorThresholds {
  return Object.fromEntries(
    (Object.keys(THRESHOLD_INFO) as (keyof DoctorThresholds)[]).map((k) => [k, s[k]]),
  ) as unknown as DoctorThresholds;
}

/**
 * What a debug session reads from its launch configuration once settings are merged in: the doctor's thresholds
 * (four of them launch attributes), the limits, tracing.
 */
export interface SessionSettings extends DoctorThresholds {
  readonly historyMB: number;
  readonly maxCsvMB: number;
  readonly memoryBudgetMB: number;
  /** Log every DAP request, response and event at trace level. */
  readonly trace: boolean;
}

/**
 * The session's settings from launch arguments: each launch attribute if valid, else `base`'s value (the standalone
 * adapter has no settings, so `base` is the defaults there). Problems go to `report`.
 */
export function sessionSettings(
  args: Readonly<Record<string, unknown>>,
  report: (message: string) => void,
  base: NnetSettings = DEFAULT_SETTINGS,
): SessionSettings {
  const launch = new Set<string>(LAUNCH_SETTINGS);
  const s = readSettings(
    (name) => (launch.has(name) ? args[name] : undefined),
    report,
    base,
    (name) => `launch attribute '${name}'`,
  );
  if (args.trace !== undefined && typeof args.trace !== 'boolean')
    report(`launch attribute 'trace': ${JSON.stringify(args.trace)} is not true or false; using false`);
  return {
    ...thresholdsOf(s),
    historyMB: s.historyMB,
    maxCsvMB: s.maxCsvMB,
    memoryBudgetMB: s.memoryBudgetMB,
    trace: args.trace === true,
  };
}

/**
 * A launch configuration with every launch setting it does not set filled in from `settings`: the attributes in
 * launch.json win for that session, the settings apply to the rest. An invalid attribute is reported and replaced.
 */
export function mergeLaunchSettings<C extends Record<string, unknown>>(
  config: C,
  settings: NnetSettings,
  report: (message: string) => void,
): C {
  const s = sessionSettings(config, report, settings);
  const out: Record<string, unknown> = { ...config };
  for (const name of LAUNCH_SETTINGS) out[name] = s[name as keyof SessionSettings];
  if (config.trace !== undefined) out.trace = s.trace;
  return out as C;
}

/** The part of `vscode.workspace` the store reads (a fake in tests). */
export interface ConfigurationSource {
  getConfiguration(section: 'nnet'): Pick<vscode.WorkspaceConfiguration, 'get'>;
  onDidChangeConfiguration(listener: (e: Pick<vscode.ConfigurationChangeEvent, 'affectsConfiguration'>) => unknown): {
    dispose(): unknown;
  };
}

/** The current settings, re-read when the user changes any `nnet.*` setting. Each invalid value is reported once. */
export class SettingsStore {
  private value: NnetSettings;
  private readonly listeners = new Set<(s: NnetSettings) => void>();
  private readonly reported = new Set<string>();
  private readonly subscription: { dispose(): unknown };

  constructor(
    private readonly source: ConfigurationSource,
    private readonly report: (message: string) => void,
  ) {
    this.value = this.read();
    this.subscription = source.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('nnet')) return;
      const next = this.read();
      if (NAMES.every((k) => next[k] === this.value[k])) return;
      this.value = next;
      for (const l of [...this.listeners]) l(next);
    });
  }

  /** The settings now. */
  get current(): NnetSettings {
    return this.value;
  }

  /** Calls `listener` with the new settings after each change; dispose the result to stop. */
  onDidChange(listener: (s: NnetSettings) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  /** Reports each distinct invalid value once, however often it is read. */
  reportOnce(message: string): void {
    if (this.reported.has(message)) return;
    this.reported.add(message);
    this.report(message);
  }

  dispose(): void {
    this.subscription.dispose();
    this.listeners.clear();
  }

  private read(): NnetSettings {
    const c = this.source.getConfiguration('nnet');
    return readSettings(
      (name) => c.get(SETTINGS[name].key),
      (m) => this.reportOnce(m),
    );
  }
}
