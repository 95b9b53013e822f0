// F5 on a .nnet file with no launch.json: supplies the `nnet` launch configuration, saves the file first (the
// adapter trains what is on disk), fills in the nnet.* settings the configuration does not override, and offers
// "Debug <file>" for each open .nnet file in the Run and Debug picker.

import path from 'node:path';
import * as vscode from 'vscode';
import { mergeLaunchSettings, type SettingsStore } from '../settings';
import { mayRun } from '../trust';

/** The configuration F5 uses on the active .nnet editor. */
function defaultConfiguration(program = '${file}', name = 'Debug .nnet training'): vscode.DebugConfiguration {
  return { type: 'nnet', request: 'launch', name, program, stopOnEntry: false };
}

/** Supplies and completes `nnet` debug configurations. */
export class NnetConfigurationProvider implements vscode.DebugConfigurationProvider {
  /** @param settings read when a session starts: a setting changed mid-session applies to the next one. */
  constructor(private readonly settings: SettingsStore) {}

  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [defaultConfiguration()];
  }

  async resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    if (!config.type && !config.request && !config.name) {
      const editor = vscode.window.activeTextEditor;
      if (editor?.document.languageId === 'nnet') config = defaultConfiguration();
    }
    if (!config.program) {
      await vscode.window.showErrorMessage(
        vscode.l10n.t('Open a .nnet file to debug, or set "program" in launch.json.'),
      );
      return undefined;
    }
    return config;
  }

  /** Runs after `${file}`, `${workspaceFolder}` and the like are substituted: only now are the paths real. */
  async resolveDebugConfigurationWithSubstitutedVariables(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    const program = typeof config.program === 'string' ? config.program : undefined;
    if (!program) return config;
    if (!(await mayRun('debug', vscode.Uri.file(program)))) return undefined;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === path.resolve(program));
    if (doc?.isDirty) await doc.save();
    // CSV data may live anywhere in the workspace folder, as the editor's checker allows.
    if (!config.dataRoot) config.dataRoot = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(program))?.uri.fsPath;
    // launch.json attributes win for this session; the settings fill in the rest (an invalid attribute is logged).
    return mergeLaunchSettings(config, this.settings.current, (m) => this.settings.reportOnce(m));
  }
}

/** "Debug <file>" for every open .nnet file, listed in the Run and Debug view's picker (dynamic configurations). */
export class NnetDynamicConfigurations implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return vscode.workspace.textDocuments
      .filter((d) => d.languageId === 'nnet' && d.uri.scheme === 'file')
      .map((d) => defaultConfiguration(d.uri.fsPath, `Debug ${path.basename(d.uri.fsPath)}`));
  }
}
