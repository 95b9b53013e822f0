// The walkthrough's debugger steps complete on real debug events: a tracker on every nnet session reads the DAP
// traffic (WalkthroughProgress) and sets the context keys the steps' `onContext:` completion events wait for.

import * as vscode from 'vscode';
import { WalkthroughProgress, type WalkthroughKey } from './walkthroughProgress';

/** Registers the tracker; a key once set stays set for the window (VS Code remembers a completed step itself). */
export function registerWalkthroughProgress(): vscode.Disposable {
  const set = new Set<WalkthroughKey>();
  const mark = (keys: readonly WalkthroughKey[]) => {
    for (const key of keys) {
      if (set.has(key)) continue;
      set.add(key);
      void vscode.commands.executeCommand('setContext', key, true);
    }
  };
  return vscode.debug.registerDebugAdapterTrackerFactory('nnet', {
    createDebugAdapterTracker: () => {
      const progress = new WalkthroughProgress();
      return {
        onWillReceiveMessage: (m: unknown) => mark(progress.fromClient(m as object)),
        onDidSendMessage: (m: unknown) => mark(progress.fromAdapter(m as object)),
      };
    },
  });
}
