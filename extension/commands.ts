// The typed map of the extension's command ids and their arguments, matching package.json `contributes.commands`.

import * as vscode from 'vscode';

/** Every nnet command and the arguments it takes. */
export interface NnetCommands {
  /** Write a new network from a lesson template into the workspace (or an untitled editor). */
  'nnet.newNetwork': [];
  /** Open one of the lesson examples shipped with the extension. */
  'nnet.openExample': [];
  /** Train a .nnet file at full speed (the active editor's when no URI is given). */
  'nnet.train': [uri?: vscode.Uri];
  /** Stop the current training run. */
  'nnet.stop': [];
  /** Start a debug session on a .nnet file. */
  'nnet.debug': [uri?: vscode.Uri];
  /** Open the Layer Inspector on a layer by name (a CodeLens on its line), else on the layer the debugger is paused on. */
  'nnet.inspectLayer': [layer?: unknown];
  /** Open the Layer Inspector on the layer of a variable (the Variables view's context menu passes `{ variable }`). */
  'nnet.inspectVariable': [context?: unknown];
  /** Check the paused layer's gradients against finite differences (a Variables-view item's layer when invoked on one). */
  'nnet.checkGradients': [context?: unknown];
  /** Write the PyTorch export of a .nnet file (the active editor's when no URI is given) into a folder. */
  'nnet.exportPyTorch': [uri?: vscode.Uri];
  /** Reveal a Findings view row's line (the row's own command, on selection). */
  'nnet.findings.reveal': [node?: unknown];
  /** Apply a Findings view row's first Quick Fix. */
  'nnet.findings.applyFix': [node?: unknown];
  /** Go to the step where a Findings view row's rule first held, in a debug session of its file. */
  'nnet.findings.gotoFirst': [node?: unknown];
}

export type NnetCommandId = keyof NnetCommands;

/** Registers a command with its typed arguments. */
export function registerCommand<K extends NnetCommandId>(
  id: K,
  handler: (...args: NnetCommands[K]) => unknown,
): vscode.Disposable {
  return vscode.commands.registerCommand(id, handler as (...args: unknown[]) => unknown);
}

/** The layer a Variables-view context names: the first part of the variable's expression path (`h1.W.grad` → `h1`). */
export function layerOfVariableContext(context: unknown): string | null {
  const v = (context as { variable?: { evaluateName?: unknown; name?: unknown } } | undefined)?.variable;
  const path = typeof v?.evaluateName === 'string' ? v.evaluateName : typeof v?.name === 'string' ? v.name : '';
  const layer = /^[A-Za-z_]\w*/.exec(path)?.[0];
  return layer ?? null;
}
