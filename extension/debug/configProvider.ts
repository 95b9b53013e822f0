// F5 on a .nnet file with no launch.json: supplies the `nnet` launch configuration and saves the file first
// (the adapter trains what is on disk).

import * as vscode from 'vscode';

/** Supplies and completes `nnet` debug configurations. */
export class NnetConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [{ type: 'nnet', request: 'launch', name: 'Debug .nnet training', program: '${file}', stopOnEntry: false }];
  }

  async resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    if (!config.type && !config.request && !config.name) {
      const editor = vscode.window.activeTextEditor;
      if (editor?.document.languageId === 'nnet') {
        config = { type: 'nnet', request: 'launch', name: 'Debug .nnet training', program: '${file}', stopOnEntry: false };
      }
    }
    if (!config.program) {
      await vscode.window.showErrorMessage('Open a .nnet file to debug, or set "program" in launch.json.');
      return undefined;
    }
    const program = config.program === '${file}' ? vscode.window.activeTextEditor?.document.uri.fsPath : config.program;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === program);
    if (doc?.isDirty) await doc.save();
    // CSV data may live anywhere in the workspace folder, as the editor's checker allows.
    if (!config.dataRoot && program) config.dataRoot = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(program))?.uri.fsPath;
    return config;
  }
}
