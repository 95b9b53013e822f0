// Standalone debug adapter (dist/debugAdapter.js): speaks DAP on stdin/stdout for any DAP client.

import { DebugSession } from '@vscode/debugadapter';
import { NnetDebugSession } from './session';

/** DebugSession.run constructs the session with no arguments: defaults find dist/worker.js beside this file. */
class StandaloneSession extends NnetDebugSession {
  constructor() {
    super();
  }
}

DebugSession.run(StandaloneSession);
