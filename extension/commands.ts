// The typed map of the extension's command ids and their arguments, matching package.json `contributes.commands`.

import * as vscode from 'vscode';

/** Every nnet command and the arguments it takes. */
export interface NnetCommands {
  /** Train a .nnet file at full speed (the active editor's when no URI is given). */
  'nnet.train': [uri?: vscode.Uri];
  /** Stop the current training run. */
  'nnet.stop': [];
  /** Start a debug session on a .nnet file. */
  'nnet.debug': [uri?: vscode.Uri];
  /** Open the Layer Inspector on the layer the debugger is paused on. */
  'nnet.inspectLayer': [];
}

export type NnetCommandId = keyof NnetCommands;

/** Registers a command with its typed arguments. */
export function registerCommand<K extends NnetCommandId>(id: K, handler: (...args: NnetCommands[K]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, handler as (...args: unknown[]) => unknown);
}
