// "Train" and "Debug" CodeLenses above the `network` line of a .nnet file.

import * as vscode from 'vscode';

/** Puts Train / Debug lenses on the line that starts the network. */
export class TrainCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    for (let i = 0; i < doc.lineCount; i++) {
      if (/^\s*network\b/.test(doc.lineAt(i).text)) {
        const range = new vscode.Range(i, 0, i, 0);
        return [
          new vscode.CodeLens(range, { title: '$(play) Train', command: 'nnet.train', arguments: [doc.uri], tooltip: 'Train this network at full speed' }),
          new vscode.CodeLens(range, { title: '$(debug-alt) Debug', command: 'nnet.debug', arguments: [doc.uri], tooltip: 'Train under the backprop debugger' }),
        ];
      }
    }
    return [];
  }
}
