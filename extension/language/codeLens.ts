// "Train", "Debug" and the parameter count as CodeLenses above the `network` line of a .nnet file.

import * as vscode from 'vscode';
import { parameterCount } from '../../engine/language/spec';
import { parseDocument } from './dataFiles';

/** Puts Train / Debug lenses and the network's parameter count on the line that starts the network. */
export class TrainCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    for (let i = 0; i < doc.lineCount; i++) {
      if (/^\s*network\b/.test(doc.lineAt(i).text)) {
        const range = new vscode.Range(i, 0, i, 0);
        const lenses = [
          new vscode.CodeLens(range, { title: '$(play) Train', command: 'nnet.train', arguments: [doc.uri], tooltip: 'Train this network at full speed' }),
          new vscode.CodeLens(range, { title: '$(debug-alt) Debug', command: 'nnet.debug', arguments: [doc.uri], tooltip: 'Train under the backprop debugger' }),
        ];
        const { inputSize, layers } = parseDocument(doc).partial;
        if (inputSize !== null && layers.length) {
          const n = parameterCount(inputSize, layers);
          // An empty command makes the lens a label: the count is information, not an action.
          lenses.push(new vscode.CodeLens(range, { title: `${n.toLocaleString('en-US')} parameter${n === 1 ? '' : 's'}`, command: '', tooltip: 'Trainable parameters: weights, biases, batch-norm γ and β, projections' }));
        }
        return lenses;
      }
    }
    return [];
  }
}
