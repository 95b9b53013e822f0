// The configuration of one nnet debug session: the options it is constructed with, the extension's settings (which may
// change while it lives) overridden by the launch attributes, and the exception filters the client enabled; what of
// them the worker is told.

import type { Logger } from '../../debugger/log';
import type { HostToWorker, ParseLimits } from '../../debugger/protocol';
import { DEFAULT_SETTINGS, parseLimitsOf, sessionSettings, type NnetSettings, type SessionSettings } from '../settings';
import { doctorThresholds, exceptionFilters, type RequestedFilter } from './exceptionFilters';
import type { NnetLaunchArguments } from './launch';

/** Options for constructing a session (the standalone adapter uses the defaults). */
export interface NnetSessionOptions {
  /** Path of dist/worker.js; defaults to the file beside this bundle. */
  readonly workerScript?: string;
  /** Where the session and its worker log (the nnet output channel inline, stderr standalone); default: nowhere. */
  readonly log?: Logger;
  /** The settings launch attributes override; default: the built-in defaults (the standalone adapter has no settings). */
  readonly settings?: NnetSettings;
  /** Trace DAP traffic from the first request (the inline adapter knows the launch configuration up front). */
  readonly trace?: boolean;
  /** What to tell a user who asked for a DAP trace while the log level hides trace lines. */
  readonly traceHint?: string;
}

/** A session's thresholds, limits and enabled filters. */
export class SessionConfig {
  /** Thresholds and limits: the settings passed in, then the launch attributes. */
  private current: SessionSettings;
  /** The launch arguments (they override settings), kept so a change of settings mid-session keeps them winning. */
  private launchArgs: Record<string, unknown> = {};
  /** The settings as last changed while this session lives (before that: `initial`). */
  private latest: NnetSettings | null = null;
  /** The exception filters the client enabled. */
  filters: RequestedFilter[] = [];

  constructor(private readonly initial: NnetSettings | undefined) {
    this.current = sessionSettings({}, () => undefined, initial ?? DEFAULT_SETTINGS);
  }

  /** The settings in force. */
  get settings(): SessionSettings {
    return this.current;
  }

  /** At launch: its attributes override the settings for this session; a bad one goes to `warn` and the setting is used. */
  launch(args: NnetLaunchArguments, warn: (message: string) => void): SessionSettings {
    this.launchArgs = args as unknown as Record<string, unknown>;
    this.current = sessionSettings(this.launchArgs, warn, this.latest ?? this.initial ?? DEFAULT_SETTINGS);
    return this.current;
  }

  /**
   * The user changed settings mid-session. Before launch they are kept for it; after, thresholds apply from the next
   * check (the launch attributes still win; limits and history stay as the run began). True when the worker must hear.
   */
  changed(settings: NnetSettings, launched: boolean): boolean {
    this.latest = settings;
    if (!launched) return false; // the launch reads them
    this.current = sessionSettings(this.launchArgs, () => undefined, settings);
    return true;
  }

  /** The parser's limits (CSV size, memory budget). */
  parseLimits(): ParseLimits {
    return parseLimitsOf(this.current);
  }

  /** The enabled filters and the doctor's thresholds (settings, then launch attributes, then conditions). */
  filtersMessage(): Extract<HostToWorker, { kind: 'setExceptionFilters' }> {
    return {
      kind: 'setExceptionFilters',
      filters: exceptionFilters(this.filters, this.current),
      thresholds: doctorThresholds(this.filters, this.current),
    };
  }
}
