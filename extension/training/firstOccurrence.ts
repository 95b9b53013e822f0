// Go to First Occurrence: moves the paused debug session of a finding's file to the start of the step where its rule
// first held (the adapter's nnet.gotoStep). Runs are deterministic for a file and its seed, so a Train run's steps
// are the session's. Without a session of that file it offers to start one, stopped on entry, and then goes.

import path from 'node:path';
import * as vscode from 'vscode';
import { trace } from '../trace';

/** Longest wait for a new session's first stop (the worker parses the file and loads its data first). */
const FIRST_STOP_MS = 60_000;

/** Same file: the session's program as launched and the finding's file. */
const samePath = (program: unknown, uri: vscode.Uri) =>
  typeof program === 'string' && path.resolve(program) === path.resolve(uri.fsPath);

/** The nnet debug sessions running, and Go to First Occurrence on them. */
export class FirstOccurrence implements vscode.Disposable {
  private readonly sessions = new Set<vscode.DebugSession>();
  private readonly subscriptions = [
    vscode.debug.onDidStartDebugSession((s) => {
      if (s.type === 'nnet') this.sessions.add(s);
    }),
    vscode.debug.onDidTerminateDebugSession((s) => this.sessions.delete(s)),
  ];

  /** @param debugPaused starts a debug session of a file that stops on entry; false if none started. */
  constructor(private readonly debugPaused: (uri: vscode.Uri) => Promise<boolean>) {
    const active = vscode.debug.activeDebugSession;
    if (active?.type === 'nnet') this.sessions.add(active);
  }

  /** Goes to the start of 1-based `step` in the session of `uri`, offering to start one when there is none. */
  async go(uri: vscode.Uri, step: number): Promise<void> {
    trace('command', { id: 'nnet.findings.gotoFirst', file: path.basename(uri.fsPath), step });
    let session = this.sessionOf(uri);
    if (!session) {
      const debug = vscode.l10n.t('Debug and Go');
      const answer = await vscode.window.showInformationMessage(
        vscode.l10n.t(
          'No debug session of {0} is running. Debug it, paused on entry, and go to step {1}?',
          path.basename(uri.fsPath),
          step,
        ),
        debug,
      );
      if (answer !== debug) return;
      session = await this.startPaused(uri);
      if (!session) return;
    }
    try {
      await session.customRequest('nnet.gotoStep', { step });
    } catch (e) {
      void vscode.window.showErrorMessage(e instanceof Error ? e.message : String(e));
    }
  }

  /** The session of `uri`: the active one if it debugs that file, else any that does. */
  private sessionOf(uri: vscode.Uri): vscode.DebugSession | undefined {
    const active = vscode.debug.activeDebugSession;
    if (active?.type === 'nnet' && samePath(active.configuration.program, uri)) return active;
    return [...this.sessions].find((s) => samePath(s.configuration.program, uri));
  }

  /** Starts a session of `uri` stopped on entry and resolves with it once it has stopped (undefined if it does not). */
  private startPaused(uri: vscode.Uri): Promise<vscode.DebugSession | undefined> {
    return new Promise((resolve) => {
      const done = (s: vscode.DebugSession | undefined) => {
        clearTimeout(timer);
        stopped.dispose();
        ended.dispose();
        resolve(s);
      };
      const timer = setTimeout(() => done(undefined), FIRST_STOP_MS);
      // Listening before it starts: the stop on entry may come before startDebugging resolves.
      const stopped = vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type === 'nnet' && e.event === 'nnet.stopped' && samePath(e.session.configuration.program, uri))
          done(e.session);
      });
      const ended = vscode.debug.onDidTerminateDebugSession((s) => {
        if (s.type === 'nnet' && samePath(s.configuration.program, uri)) done(undefined);
      });
      this.debugPaused(uri).then(
        (started) => {
          if (!started) done(undefined);
        },
        () => done(undefined),
      );
    });
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.sessions.clear();
  }
}
