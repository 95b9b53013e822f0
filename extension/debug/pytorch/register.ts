// Wires the PyTorch debugger into VS Code: the `nnet-pytorch` configuration providers and an inline adapter that
// runs the script under the probe shipped in the extension (`<extensionPath>/probe`). Its custom events reach the
// Gradient Flow view and the status bar through registerDebugger.ts's listener, as the `.nnet` adapter's do.

import path from 'node:path';
import * as vscode from 'vscode';
import type { Logger } from '../../../debugger/log';
import { findPython } from '../../python';
import type { SettingsStore } from '../../settings';
import { trace, tracing } from '../../trace';
import { PYTORCH_DEBUG_TYPE, PyTorchConfigurationProvider, PyTorchDynamicConfigurations } from './configProvider';
import { PyTorchDebugSession } from './session';

/** Registers everything the `nnet-pytorch` debug type needs. */
export function registerPyTorchDebugger(
  extensionPath: string,
  settings: SettingsStore,
  logger: Logger,
): vscode.Disposable {
  const probeDir = path.join(extensionPath, 'probe');
  const disposables: vscode.Disposable[] = [
    vscode.debug.registerDebugConfigurationProvider(PYTORCH_DEBUG_TYPE, new PyTorchConfigurationProvider()),
    vscode.debug.registerDebugConfigurationProvider(
      PYTORCH_DEBUG_TYPE,
      new PyTorchDynamicConfigurations(),
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
    vscode.debug.registerDebugAdapterDescriptorFactory(PYTORCH_DEBUG_TYPE, {
      // Settings are read when the session starts, as for `.nnet` sessions.
      createDebugAdapterDescriptor: () =>
        new vscode.DebugAdapterInlineImplementation(
          new PyTorchDebugSession({
            log: logger,
            settings: settings.current,
            probeDir,
            findPython: (configured) => findPython(configured),
          }),
        ),
    }),
  ];
  if (tracing) {
    disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory(PYTORCH_DEBUG_TYPE, {
        createDebugAdapterTracker: () => ({
          onWillReceiveMessage: (m: unknown) => trace('dap-in', m),
          onDidSendMessage: (m: unknown) => trace('dap-out', m),
        }),
      }),
    );
  }
  return vscode.Disposable.from(...disposables);
}
