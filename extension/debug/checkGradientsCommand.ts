// `nnet.checkGradients` (nnet: Check Gradients Here): while an nnet session is paused, asks its adapter to check
// the paused layer's gradients (or the layer of the Variables-view item it was invoked on) against finite
// differences. The adapter prints the report to the Debug Console, which is brought into view; the Layer Inspector
// shows it too.

import * as vscode from 'vscode';
import type { GradCheckReport } from '../../debugger/protocol';
import type { Encoded } from '../../wire/json';
import { decodeGradCheckReport } from './customEvents';
import { layerOfVariableContext } from '../commands';

/** Runs the check on the active nnet session and hands the report to `show` (the Layer Inspector). */
export async function checkGradientsHere(context: unknown, show: (report: GradCheckReport) => void): Promise<void> {
  const session = vscode.debug.activeDebugSession;
  if (!session || session.type !== 'nnet') {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Start the nnet debugger and pause on a layer to check its gradients.'),
    );
    return;
  }
  const layer = layerOfVariableContext(context);
  try {
    const reply = (await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('nnet: checking gradients…') },
      () => session.customRequest('nnet.checkGradients', { layer }),
    )) as Encoded<GradCheckReport>;
    const report = decodeGradCheckReport(reply);
    void vscode.commands.executeCommand('workbench.debug.action.focusRepl');
    show(report);
  } catch (e) {
    void vscode.window.showWarningMessage(e instanceof Error ? e.message : String(e));
  }
}
