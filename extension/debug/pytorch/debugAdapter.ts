// Standalone PyTorch debug adapter (dist/pytorchDebugAdapter.js): speaks DAP on stdin/stdout for any DAP client,
// with the probe beside the bundle (../probe) and the interpreter found as the extension finds it. Logs to stderr
// from the level in NNET_LOG_LEVEL (default: no log).

import { DebugSession } from '@vscode/debugadapter';
import path from 'node:path';
import { isLogLevel, streamLogger } from '../../../debugger/log';
import { findPython } from '../../python';
import { DEFAULT_SETTINGS } from '../../settings';
import { PyTorchDebugSession } from './session';

const fromEnv = process.env.NNET_LOG_LEVEL;
const threshold = isLogLevel(fromEnv) ? fromEnv : 'off';

/** DebugSession.run constructs the session with no arguments. */
class StandalonePyTorchSession extends PyTorchDebugSession {
  constructor() {
    super({
      log: streamLogger(() => threshold),
      settings: DEFAULT_SETTINGS,
      probeDir: process.env.NNET_PROBE_DIR ?? path.join(__dirname, '..', 'probe'),
      findPython,
    });
    process.on('uncaughtException', (e) => this.reportInternalError(e));
    process.on('unhandledRejection', (e) => this.reportInternalError(e));
    // However the adapter exits, the script's processes go with it.
    process.on('exit', () => this.dispose());
  }
}

DebugSession.run(StandalonePyTorchSession);
