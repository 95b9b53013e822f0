// nnet: Export to PyTorch — asks for a folder (default `<file>-pytorch` beside the file), writes what
// `nnet export --to pytorch` writes there with vscode.workspace.fs, and shows its README rendered.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { exportToPyTorch } from '../engine/export/pytorch';
import { parseDocument } from './language/documents';

/** Exports the .nnet file at `target`; every failure is a message to the user, never a thrown error. */
export async function exportToPyTorchCommand(target: vscode.Uri): Promise<void> {
  const name = path.basename(target.path);
  try {
    const doc = await vscode.workspace.openTextDocument(target);
    const { spec, diagnostics } = await parseDocument(doc);
    if (!spec) {
      const first = diagnostics.find((d) => d.severity === 'error');
      const where = first ? ` (line ${first.range.line + 1}: ${first.message})` : '';
      return void vscode.window.showErrorMessage(
        vscode.l10n.t('Cannot export {0}: fix its errors first{1}.', name, where),
      );
    }
    const folder = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(target, '..', `${name.replace(/\.nnet$/, '')}-pytorch`),
      saveLabel: vscode.l10n.t('Export'),
      title: vscode.l10n.t('Folder for the PyTorch export of {0}', name),
    });
    if (!folder) return;
    const files = exportToPyTorch(spec, doc.getText(), name);
    await vscode.workspace.fs.createDirectory(folder);
    for (const f of files)
      await vscode.workspace.fs.writeFile(
        vscode.Uri.joinPath(folder, f.name),
        typeof f.content === 'string' ? new TextEncoder().encode(f.content) : f.content,
      );
    await openReadme(vscode.Uri.joinPath(folder, 'README.md'));
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Exported {0} to {1}: run python3 train.py there (README.md says more).', name, folder.fsPath),
    );
  } catch (e) {
    void vscode.window.showErrorMessage(
      vscode.l10n.t('Export of {0} failed: {1}', name, e instanceof Error ? e.message : String(e)),
    );
  }
}

/** Shows the export's README rendered (Markdown preview), or as text where the Markdown extension is not there. */
async function openReadme(readme: vscode.Uri): Promise<void> {
  try {
    await vscode.commands.executeCommand('markdown.showPreview', readme);
  } catch {
    await vscode.window.showTextDocument(readme);
  }
}
