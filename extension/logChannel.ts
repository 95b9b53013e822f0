// The nnet LogOutputChannel as a Logger, so the debug session and the worker (which know nothing of vscode) write to
// it at the level the user chose (Developer: Set Log Level…, or the gear in the Output view).

import * as vscode from 'vscode';
import type { Logger, LogLevel } from '../debugger/log';

/** VS Code's levels in the order of ours, for the comparison with the channel's level. */
const RANK: Readonly<Record<LogLevel, vscode.LogLevel>> = {
  trace: vscode.LogLevel.Trace,
  debug: vscode.LogLevel.Debug,
  info: vscode.LogLevel.Info,
  warn: vscode.LogLevel.Warning,
  error: vscode.LogLevel.Error,
};

/** Wraps `channel`: `enabled` follows its current level, `log` calls the method of that level. */
export function channelLogger(channel: vscode.LogOutputChannel): Logger {
  return {
    enabled: (level) => channel.logLevel !== vscode.LogLevel.Off && RANK[level] >= channel.logLevel,
    log(level, message) {
      switch (level) {
        case 'trace':
          return channel.trace(message);
        case 'debug':
          return channel.debug(message);
        case 'info':
          return channel.info(message);
        case 'warn':
          return channel.warn(message);
        case 'error':
          return channel.error(message);
        default: {
          const never: never = level;
          return never;
        }
      }
    },
  };
}
