// Standalone debug adapter (dist/debugAdapter.js): speaks DAP on stdin/stdout for any DAP client.

import { DebugSession } from '@vscode/debugadapter';
import { NnetDebugSession } from './session';

/** DebugSession.run constructs the session with no arguments: defaults find dist/worker.js beside this file. */
class StandaloneSession extends NnetDebugSession {
  constructor() {
    super();
    // The session boundary: a failure no handler caught is reported to the client, and the adapter lives on
    // (Node's default would print a stack trace and exit, taking the debug session and its worker with it).
    process.on('uncaughtException', (e) => this.reportInternalError(e));
    process.on('unhandledRejection', (e) => this.reportInternalError(e));
    // The base class shuts the adapter down on any protocol error, including one malformed message from the client
    // (bad JSON, not a request); such a message is reported and skipped, and only a broken stream ends the adapter.
    this.removeAllListeners('error');
    this.on('error', (e: { body?: unknown }) => {
      const what = String(e?.body ?? e);
      if (what.startsWith('Error handling data')) this.reportInternalError(new Error(`ignored a malformed message: ${what}`));
      else this.shutdown();
    });
    // However the adapter exits, the training worker goes with it.
    process.on('exit', () => this.dispose());
  }
}

DebugSession.run(StandaloneSession);
