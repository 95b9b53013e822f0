// Restricted Mode and virtual file systems: the language features and views work everywhere; training, debugging
// and reading CSV data files need a trusted workspace and a file on disk, and say so instead of failing silently.

import path from 'node:path';
import * as vscode from 'vscode';
import { trace } from './trace';

/** The command VS Code offers for changing a folder's trust. */
const MANAGE_TRUST = 'workbench.trust.manage';

/** What the user asked for, as messages name it: `debugScript` runs a Python script under the PyTorch debugger. */
export type RunAction = 'train' | 'debug' | 'debugScript';

const NOUN: Record<RunAction, string> = { train: 'Training', debug: 'Debugging', debugScript: 'Debugging' };
/** The verb a message ends with ("Trust the folder to … it"). */
const VERB: Record<RunAction, string> = { train: 'train', debug: 'debug', debugScript: 'debug' };

/**
 * True when `action` may run on `uri`: the workspace is trusted and the file is on disk. Otherwise tells the user
 * what is needed (with a button to manage trust) and returns false.
 */
export async function mayRun(action: RunAction, uri: vscode.Uri): Promise<boolean> {
  const name = path.basename(uri.path);
  if (uri.scheme !== 'file') {
    trace('refused', { action, reason: 'not on disk', scheme: uri.scheme });
    void vscode.window.showWarningMessage(
      vscode.l10n.t(
        "{0} {1} needs the file on disk; this one is on '{2}:'. Save it to a local folder to {3} it.",
        NOUN[action],
        name,
        uri.scheme,
        VERB[action],
      ),
    );
    return false;
  }
  if (vscode.workspace.isTrusted) return true;
  trace('refused', { action, reason: 'restricted mode' });
  const manageTrust = vscode.l10n.t('Manage Workspace Trust');
  const choice = await vscode.window.showWarningMessage(
    action === 'debugScript'
      ? vscode.l10n.t(
          '{0} {1} runs that Python script, and Restricted Mode runs no code from this folder. Trust the folder to debug it.',
          NOUN[action],
          name,
        )
      : vscode.l10n.t(
          "{0} {1} runs the training engine on this folder's files (the .nnet file and the CSV data it names), which Restricted Mode does not allow. Trust the folder to {2} it.",
          NOUN[action],
          name,
          VERB[action],
        ),
    manageTrust,
  );
  if (choice === manageTrust) await vscode.commands.executeCommand(MANAGE_TRUST);
  return false;
}

/** The error a `data csv` line gets in Restricted Mode, where nnet reads no data files. */
export function untrustedCsvMessage(file: string): string {
  return vscode.l10n.t(
    "'{0}' is not read in Restricted Mode: trust this folder to check and train on its data files",
    file,
  );
}
