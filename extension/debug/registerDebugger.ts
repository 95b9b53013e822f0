// Wires the nnet debugger into VS Code: configuration provider, inline adapter, tracing, and the custom events
// that keep the Gradient Flow view and status bar in step with a debug session.

import path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingDisplay } from '../training/trainingDisplay';
import type { Logger } from '../../debugger/log';
import type { SettingsStore } from '../settings';
import type { DoctorDiagnostics } from '../training/doctorDiagnostics';
import { trace, tracing } from '../trace';
import { NnetConfigurationProvider, NnetDynamicConfigurations } from './configProvider';
import { NnetInlineValues } from './inlineValues';
import type { RuntimeLocation } from '../../debugger/protocol';
import type { Encoded } from '../../wire/json';
import type { Finding } from '../../engine/doctor/types';
import { decodeEnded, decodeProgress, decodeStopped, isNnetCustomEvent, type NnetCustomEvents } from './customEvents';
import { NnetDebugSession } from './session';
import { PYTORCH_DEBUG_TYPE } from './pytorch/configProvider';

/** The debug types whose custom events drive the Gradient Flow view and status bar: `.nnet` and PyTorch sessions. */
export const NNET_DEBUG_TYPES: ReadonlySet<string> = new Set(['nnet', PYTORCH_DEBUG_TYPE]);

/** Registers everything the `nnet` debug type needs. */
export function registerDebugger(
  workerScript: string,
  display: TrainingDisplay,
  settings: SettingsStore,
  logger: Logger,
  /** Called after each stop of an nnet session (the Layer Inspector follows the paused layer through it). */
  onStopped?: (session: vscode.DebugSession, body: NnetCustomEvents['nnet.stopped']) => void,
  /** Where the doctor's findings of a debug session go when it ends (as Train's do). */
  doctor?: DoctorDiagnostics,
): vscode.Disposable {
  const inline = new NnetInlineValues();
  /** The live sessions' adapters, told of settings changes (thresholds apply from the next check). */
  const adapters = new Set<NnetDebugSession>();
  /** Per session: the program's document and its version when training began (findings describe that text). */
  const trained = new Map<string, { uri: vscode.Uri; version: number | null }>();
  const disposables: vscode.Disposable[] = [
    inline,
    settings.onDidChange((s) => {
      for (const a of adapters) a.settingsChanged(s);
    }),
    vscode.debug.onDidTerminateDebugSession((s) => trained.delete(s.id)),
    vscode.languages.registerInlineValuesProvider({ language: 'nnet' }, inline),
    vscode.debug.registerDebugConfigurationProvider('nnet', new NnetConfigurationProvider(settings)),
    vscode.debug.registerDebugConfigurationProvider(
      'nnet',
      new NnetDynamicConfigurations(),
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
    vscode.debug.registerDebugAdapterDescriptorFactory('nnet', {
      // The configuration is resolved (settings merged in) by now; `trace` starts tracing from the first request.
      createDebugAdapterDescriptor: (session) => {
        const adapter = new NnetDebugSession({
          workerScript,
          log: logger,
          settings: settings.current,
          trace: session.configuration.trace === true,
          traceHint:
            'DAP trace is on (launch attribute "trace"), but the nnet log level hides trace lines: run "Developer: Set Log Level…", pick nnet, then Trace',
        });
        adapters.add(adapter);
        adapter.onDidSendMessage((m) => {
          if ((m as { type?: string; event?: string }).event === 'terminated') adapters.delete(adapter);
        });
        return new vscode.DebugAdapterInlineImplementation(adapter);
      },
    }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      // PyTorch sessions send the same events: the view and the status bar follow them too.
      if (!NNET_DEBUG_TYPES.has(e.session.type) || !isNnetCustomEvent(e.event)) return;
      const nnet = e.session.type === 'nnet';
      switch (e.event) {
        case 'nnet.started': {
          const body = e.body as NnetCustomEvents['nnet.started'];
          display.started(path.basename(body.program), body.layerNames, true);
          // The training doctor's findings are for .nnet programs only (they point at its layer lines).
          if (!nnet) return;
          // The worker read the file from disk: an open document with unsaved edits is not the text trained.
          const uri = vscode.Uri.file(body.program);
          const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
          trained.set(e.session.id, { uri, version: doc ? (doc.isDirty ? -1 : doc.version) : null });
          // The last run's findings stay while the session runs: a run is deterministic, so their steps are this
          // session's too (Go to First Occurrence starts a session to reach them). The session's own replace them
          // when it ends.
          return;
        }
        case 'nnet.progress': {
          const body = e.body as Encoded<NnetCustomEvents['nnet.progress']>;
          display.progress(decodeProgress(body.progress), body.paused as RuntimeLocation | null);
          return;
        }
        case 'nnet.stopped': {
          if (!nnet) return; // inline values and the Layer Inspector read .nnet sessions only
          const body = decodeStopped(e.body as Encoded<NnetCustomEvents['nnet.stopped']>);
          inline.update(body.network, body.location.layerName);
          onStopped?.(e.session, body);
          return;
        }
        case 'nnet.ended': {
          inline.clear();
          const body = decodeEnded(e.body as Encoded<NnetCustomEvents['nnet.ended']>);
          display.ended(body.summary, body.error);
          const run = trained.get(e.session.id);
          if (run && body.findings && doctor) void showFindings(doctor, run, body.findings);
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

/** Shows a debug session's findings on the program, unless its text changed since training began. */
async function showFindings(
  doctor: DoctorDiagnostics,
  run: { uri: vscode.Uri; version: number | null },
  findings: readonly Finding[],
): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(run.uri);
  if (doc.isDirty || (run.version !== null && run.version !== doc.version)) return;
  doctor.show(doc, doc.version, findings);
}
