// Standalone debug adapter (dist/debugAdapter.js): speaks DAP on stdin/stdout for any DAP client. It has no output
// channel: it logs to stderr from the level in NNET_LOG_LEVEL (trace, debug, info, warn, error; default: no log, as
// clients may show stderr as errors), and everything from the launch on when launched with `trace`.

import { DebugSession } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { isLogLevel, streamLogger, type LogLevel } from '../../debugger/log';
import { NnetDebugSession, type NnetLaunchArguments } from './session';

const fromEnv = process.env.NNET_LOG_LEVEL;
let threshold: LogLevel | 'off' = isLogLevel(fromEnv) ? fromEnv : 'off';

/** DebugSession.run constructs the session with no arguments: defaults find dist/worker.js beside this file. */
class StandaloneSession extends NnetDebugSession {
  constructor() {
    super({ log: streamLogger(() => threshold) });
    // The session boundary: a failure no handler caught is reported to the client, and the adapter lives on
    // (Node's default would print a stack trace and exit, taking the debug session and its worker with it).
    process.on('uncaughtException', (e) => this.reportInternalError(e));
    process.on('unhandledRejection', (e) => this.reportInternalError(e));
    // The base class shuts the adapter down on any protocol error, including one malformed message from the client
    // (bad JSON, not a request); such a message is reported and skipped, and only a broken stream ends the adapter.
    this.removeAllListeners('error');
    this.on('error', (e: { body?: unknown }) => {
      const what = String(e?.body ?? e);
      if (what.startsWith('Error handling data'))
        this.reportInternalError(new Error(`ignored a malformed message: ${what}`));
      else this.shutdown();
    });
    // However the adapter exits, the training worker goes with it.
    process.on('exit', () => this.dispose());
  }

  /** A launch with `trace` asks for the DAP traffic on stderr, whatever NNET_LOG_LEVEL says. */
  protected override launchRequest(response: DebugProtocol.LaunchResponse, args: NnetLaunchArguments): Promise<void> {
    if (args.trace === true) threshold = 'trace';
    return super.launchRequest(response, args);
  }
}

DebugSession.run(StandaloneSession);
