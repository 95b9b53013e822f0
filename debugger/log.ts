// Logging without vscode: the levels, a Logger the debug session and the worker host write to, and a stderr
// logger for the standalone debug adapter (which has no output channel). The extension host wraps its
// LogOutputChannel in a Logger (extension/logChannel.ts), so the inline adapter and the worker log to it too.

/** Log levels, least severe first (the names VS Code's LogOutputChannel uses for its methods). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where log lines go. `enabled` lets a caller skip building a message nobody will see (DAP traces are large). */
export interface Logger {
  enabled(level: LogLevel): boolean;
  log(level: LogLevel, message: string): void;
}

/** True if `x` is one of the level names (worker and webview messages are checked with it). */
export function isLogLevel(x: unknown): x is LogLevel {
  return typeof x === 'string' && (LOG_LEVELS as readonly string[]).includes(x);
}

/** True if a message at `level` passes a logger set to `threshold` ('off' passes nothing). */
export function passes(level: LogLevel, threshold: LogLevel | 'off'): boolean {
  return threshold !== 'off' && LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold);
}

/** The least severe level `log` passes ('off' when none), for a worker that then skips building the rest. */
export function thresholdOf(log: Logger): LogLevel | 'off' {
  return LOG_LEVELS.find((level) => log.enabled(level)) ?? 'off';
}

/** Writes `[level] message` lines to `write` (default stderr) from `threshold()` up. */
export function streamLogger(
  threshold: () => LogLevel | 'off',
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  return {
    enabled: (level) => passes(level, threshold()),
    log(level, message) {
      if (passes(level, threshold())) write(`[nnet ${level}] ${message}\n`);
    },
  };
}

/** A logger that drops everything (tests, and sessions created without one). */
export const silentLogger: Logger = { enabled: () => false, log: () => undefined };

/** Longest DAP message text a trace line carries; the rest is counted, so one tensor cannot flood the log. */
export const MAX_TRACE_CHARS = 4000;

/** One DAP message as a trace line: `→ request launch {…}` (from the client) or `← event stopped {…}`. */
export function traceLine(direction: 'in' | 'out', message: unknown): string {
  let json: string;
  try {
    json = JSON.stringify(message) ?? String(message);
  } catch {
    json = String(message);
  }
  const m = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
  const what = `${String(m.type ?? 'message')} ${String(m.command ?? m.event ?? '')}`.trim();
  const body =
    json.length > MAX_TRACE_CHARS
      ? `${json.slice(0, MAX_TRACE_CHARS)}… (${json.length - MAX_TRACE_CHARS} more characters)`
      : json;
  return `DAP ${direction === 'in' ? '→' : '←'} ${what} ${body}`;
}
