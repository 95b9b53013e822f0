// Predict, then see: a lesson that asks a question (`# predict:` / `# answer:` in its leading comment) asks it in a
// quick pick before its run, trains, and reveals the answer with the seed's explanation when the run ends.

import * as vscode from 'vscode';
import { predictionOf } from '../engine/language/lesson';
import { trace } from './trace';

/**
 * Asks the question of the lesson at `uri` (text `text`), then trains it with `train` (which resolves when the run
 * ends) and shows whether the learner's prediction was right, with the reason. Does nothing for a file without a
 * question; a dismissed question trains nothing.
 */
export async function predictThenTrain(
  uri: vscode.Uri,
  text: string,
  train: (uri: vscode.Uri) => Promise<void>,
): Promise<void> {
  const p = predictionOf(text);
  if (!p) return;
  // The answer sits in the leading comment: fold that away while the question is open, unfold it with the reveal.
  const fold = (command: 'editor.fold' | 'editor.unfold') =>
    vscode.window.activeTextEditor?.document.uri.toString() === uri.toString()
      ? vscode.commands.executeCommand(command, { selectionLines: [0], levels: 1 })
      : undefined;
  await fold('editor.fold');
  const picked = await vscode.window.showQuickPick(
    p.choices.map((c) => ({ label: c })),
    {
      title: vscode.l10n.t('Predict, then train: {0}', p.question),
      placeHolder: vscode.l10n.t('Your prediction (the answer comes when the run ends)'),
      ignoreFocusOut: true,
    },
  );
  if (!picked) return void (await fold('editor.unfold'));
  trace('command', { id: 'nnet.predict', question: p.question, prediction: picked.label });
  await train(uri);
  const verdict =
    picked.label === p.answer
      ? vscode.l10n.t('Right: {0}.', p.answer)
      : vscode.l10n.t('You predicted {0}; the answer is {1}.', picked.label, p.answer);
  trace('command', { id: 'nnet.reveal', answer: p.answer, right: picked.label === p.answer });
  await fold('editor.unfold');
  void vscode.window.showInformationMessage(`${verdict} ${p.why.charAt(0).toUpperCase()}${p.why.slice(1)}`);
}
