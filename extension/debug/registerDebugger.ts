// Wires the nnet debugger into VS Code: configuration provider, inline adapter, tracing, and the custom events
// that keep the Gradient Flow view and status bar in step with a debug session.

import path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingDisplay } from '../training/trainingDisplay';
import type { Logger } from '../../debugger/log';
import type { SettingsStore } from '../settings';
import { trace, tracing } from '../trace';
import { NnetConfigurationProvider, NnetDynamicConfigurations } from './configProvider';
import { NnetInlineValues } from './inlineValues';
import type { RuntimeLocation } from '../../debugger/protocol';
import type { Encoded } from '../../wire/json';
import { decodeProgress, decodeStopped, isNnetCustomEvent, type NnetCustomEvents } from './customEvents';
import { NnetDebugSession } from './session';

/** Registers everything the `nnet` debug type needs. */
export function registerDebugger(
  workerScript: string,
  display: TrainingDisplay,
  settings: SettingsStore,
  logger: Logger,
  /** Called after each stop of an nnet session (the Layer Inspector follows the paused layer through it). */
  onStopped?: (session: vscode.DebugSession, body: NnetCustomEvents['nnet.stopped']) => void,
): vscode.Disposable {
  const inline = new NnetInlineValues();
  const disposables: vscode.Disposable[] = [
    inline,
    vscode.languages.registerInlineValuesProvider({ language: 'nnet' }, inline),
    vscode.debug.registerDebugConfigurationProvider('nnet', new NnetConfigurationProvider(settings)),
    vscode.debug.registerDebugConfigurationProvider(
      'nnet',
      new NnetDynamicConfigurations(),
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
    vscode.debug.registerDebugAdapterDescriptorFactory('nnet', {
      // The configuration is resolved (settings merged in) by now; `trace` starts tracing from the first request.
      createDebugAdapterDescriptor: (session) =>
        new vscode.DebugAdapterInlineImplementation(
          new NnetDebugSession({
            workerScript,
            log: logger,
            settings: settings.current,
            trace: session.configuration.trace === true,
            traceHint:
              'DAP trace is on (launch attribute "trace"), but the nnet log level hides trace lines: run "Developer: Set Log Level…", pick nnet, then Trace',
          }),
        ),
    }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== 'nnet' || !isNnetCustomEvent(e.event)) return;
      switch (e.event) {
        case 'nnet.started': {
          const body = e.body as NnetCustomEvents['nnet.started'];
          display.started(path.basename(body.program), body.layerNames, true);
          return;
        }
        case 'nnet.progress': {
          const body = e.body as Encoded<NnetCustomEvents['nnet.progress']>;
          display.progress(decodeProgress(body.progress), body.paused as RuntimeLocation | null);
          return;
        }
        case 'nnet.stopped': {
          const body = decodeStopped(e.body as Encoded<NnetCustomEvents['nnet.stopped']>);
          inline.update(body.network, body.location.layerName);
          onStopped?.(e.session, body);
          return;
        }
        case 'nnet.ended': {
          inline.clear();
          const body = e.body as NnetCustomEvents['nnet.ended'];
          display.ended(body.summary, body.error);
          if (body.error) void vscode.window.showErrorMessage(vscode.l10n.t('Debugging stopped: {0}', body.error));
          return;
        }
      }
    }),
  ];
  if (tracing) {
    disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory('nnet', {
        createDebugAdapterTracker: () => ({
          onWillReceiveMessage: (m: unknown) => trace('dap-in', m),
          onDidSendMessage: (m: unknown) => trace('dap-out', m),
        }),
      }),
    );
  }
  return vscode.Disposable.from(...disposables);
}
