// F5 on a .py file with no launch.json: supplies the `nnet-pytorch` launch configuration, refuses in Restricted Mode
// (running a script is running the folder's code), saves the script first, fills the interpreter from the
// `nnet.python` setting, and offers "nnet: Debug <file>" for the active .py file in the Run and Debug picker.

import path from 'node:path';
import * as vscode from 'vscode';
import { configuredPython } from '../../python';
import { mayRun } from '../../trust';

/** The debug type of PyTorch scripts (package.json `contributes.debuggers`). */
export const PYTORCH_DEBUG_TYPE = 'nnet-pytorch';

/** The configuration F5 uses on the active .py editor. */
export function pytorchConfiguration(
  program = '${file}',
  name = 'nnet: Debug PyTorch script',
): vscode.DebugConfiguration {
  return { type: PYTORCH_DEBUG_TYPE, request: 'launch', name, program };
}

/** Supplies and completes `nnet-pytorch` debug configurations. */
export class PyTorchConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [pytorchConfiguration()];
  }

  async resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    // F5 with no launch.json hands over an empty configuration: the active Python file is the script.
    if (!config.type && !config.request && !config.name) {
      const editor = vscode.window.activeTextEditor;
      if (editor?.document.languageId === 'python') config = pytorchConfiguration();
    }
    // Attach runs nothing of ours (the user starts the script under the probe): it needs no program.
    if (config.request !== 'attach' && !config.program) {
      await vscode.window.showErrorMessage(
        vscode.l10n.t('Open a PyTorch training script (.py) to debug, or set "program" in launch.json.'),
      );
      return undefined;
    }
    return config;
  }

  /** Runs after `${file}` and the like are substituted: only now is the script's path real. */
  async resolveDebugConfigurationWithSubstitutedVariables(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    const program = typeof config.program === 'string' ? config.program : undefined;
    if (!program) return config;
    const uri = vscode.Uri.file(path.resolve(program));
    if (!(await mayRun('debugScript', uri))) return undefined;
    // The probe runs what is on disk.
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath);
    if (doc?.isDirty) await doc.save();
    // launch.json's `python` wins; else the nnet.python setting of the script's folder (unset: the adapter tries
    // /usr/bin/python3, then python3).
    if (typeof config.python !== 'string' || config.python.trim() === '') {
      const python = configuredPython(vscode.workspace.getConfiguration('nnet', uri));
      if (python) config.python = python;
      else delete config.python;
    }
    return config;
  }
}

/** "nnet: Debug <file>" for the active Python file, listed in the Run and Debug view's picker. */
export class PyTorchDynamicConfigurations implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    const doc = vscode.window.activeTextEditor?.document;
    if (doc?.languageId !== 'python' || doc.uri.scheme !== 'file') return [];
    return [pytorchConfiguration(doc.uri.fsPath, `nnet: Debug ${path.basename(doc.uri.fsPath)}`)];
  }
}
