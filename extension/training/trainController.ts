// The Train and Stop commands: trains a .nnet file in the engine worker with a cancellable progress notification.

import path from 'node:path';
import * as vscode from 'vscode';
import { parseDocument } from '../language/documents';
import { formatSummary } from '../../engine/nn/tensor';
import { trace } from '../trace';
import { thresholdOf, type Logger } from '../../debugger/log';
import { parseLimitsOf, thresholdsOf, type NnetSettings } from '../settings';
import type { WorkerToHost } from '../../debugger/protocol';
import { assertNever } from '../../debugger/protocol';
import { WorkerClient } from '../../debugger/workerClient';
import type { DoctorDiagnostics } from './doctorDiagnostics';
import type { TrainingDisplay } from './trainingDisplay';

/**
 * The extension host sends a progress report at most every 100 ms and drops one still waiting when its task ends
 * (a short run's final report was lost, and its notification lingered at "epoch 1/2000"): the task ends this much
 * after its last report.
 */
const REPORT_THROTTLE_MS = 150;

/** One Train run at a time; Stop or a new Train ends the current one. */
export class TrainController implements vscode.Disposable {
  private worker: WorkerClient | null = null;
  private finishRun: (() => void) | null = null;
  /** The file most recently trained, for the view's Train button when no .nnet editor is active. */
  lastUri: vscode.Uri | null = null;

  /**
   * @param settings read at each Train: the CSV cap and memory budget the worker parses with.
   * @param logger where the worker's log lines go.
   */
  constructor(
    private readonly workerScript: string,
    private readonly display: TrainingDisplay,
    private readonly settings: () => NnetSettings,
    private readonly logger: Logger,
    private readonly doctor?: DoctorDiagnostics,
  ) {}

  get isTraining(): boolean {
    return this.worker !== null;
  }

  /** Trains the document at `uri`. Refuses with a message naming the first error if the file has errors. */
  async train(uri: vscode.Uri): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(uri);
    const name = path.basename(uri.fsPath);
    const { spec, diagnostics } = await parseDocument(doc);
    trace('command', {
      id: 'nnet.train',
      file: name,
      errors: diagnostics.filter((d) => d.severity === 'error').length,
    });
    if (!spec) {
      const first = diagnostics.find((d) => d.severity === 'error');
      const message = vscode.l10n.t(
        'Cannot train {0}: line {1}: {2}',
        name,
        (first?.range.line ?? 0) + 1,
        first?.message ?? vscode.l10n.t('the file has errors'),
      );
      trace('error', message);
      const go = await vscode.window.showErrorMessage(message, vscode.l10n.t('Go to Error'));
      if (go && first) await revealLine(uri, first.range.line);
      return;
    }
    this.stop();
    this.lastUri = uri;
    this.doctor?.clear(uri);
    // The text trained and its version: findings are shown only while the document is still that text.
    const source = doc.getText(),
      version = doc.version;
    const worker = new WorkerClient(this.workerScript);
    this.worker = worker;
    void vscode.commands.executeCommand('setContext', 'nnet.training', true);

    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Training {0}', name), cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          let reported = 0;
          /** Ends the run; `lastReport`: just after a last progress report, which the notification must get first. */
          const done = (lastReport = false) => {
            if (this.worker === worker) {
              this.worker = null;
              void vscode.commands.executeCommand('setContext', 'nnet.training', false);
            }
            worker.dispose();
            this.finishRun = null;
            if (lastReport) setTimeout(resolve, REPORT_THROTTLE_MS);
            else resolve();
          };
          this.finishRun = () => worker.post({ kind: 'stop' });
          token.onCancellationRequested(() => worker.post({ kind: 'stop' }));
          worker.onDidExit((exit) => {
            if (this.worker !== worker) return;
            const message = `The training worker stopped unexpectedly${exit.error ? `: ${exit.error}` : ` (exit code ${exit.code})`}. Train again to restart it.`;
            trace('error', message);
            this.display.ended('', message);
            void vscode.window.showErrorMessage(message);
            done();
          });
          worker.onDidReceiveMessage((m: WorkerToHost) => {
            switch (m.kind) {
              case 'started':
                this.display.started(name, m.layerNames);
                return;
              case 'progress': {
                const p = m.progress;
                const pct = (100 * p.epoch) / p.epochs;
                progress.report({
                  message: `epoch ${p.epoch}/${p.epochs} · loss ${formatSummary(p.loss)}`,
                  increment: pct - reported,
                });
                reported = pct;
                this.display.progress(p);
                return;
              }
              case 'log':
                this.logger.log(m.level, m.message);
                return;
              case 'stopped':
              case 'logpoint':
              case 'reply':
              case 'breakpointProblem':
              case 'replayProgress':
                return; // Train runs without a debugger: no stops, logpoints or requests.
              case 'finished':
                if (m.findings) this.doctor?.show(doc, version, m.findings);
                // VS Code keeps a progress notification up a moment after its task ends: let it say how the run
                // ended, not the epoch of the last progress message (a short run's first).
                progress.report({ message: m.summary, increment: 100 - reported });
                this.display.progress(m.progress);
                this.display.ended(m.summary, null);
                trace('finished', m.summary);
                done(true);
                return;
              case 'error': {
                // A run the NaN ended: the doctor's `nan` finding (and what it saw before) on its line.
                if (m.findings) this.doctor?.show(doc, version, m.findings);
                this.display.ended('', m.message);
                trace('error', m.message);
                const line = m.line;
                void vscode.window
                  .showErrorMessage(
                    vscode.l10n.t('Training {0} stopped: {1}', name, m.message),
                    ...(line > 0 ? [vscode.l10n.t('Go to Layer')] : []),
                  )
                  .then((go) => {
                    if (go) void revealLine(uri, line - 1);
                  });
                done();
                return;
              }
              default:
                assertNever(m);
            }
          });
          const s = this.settings();
          worker.post({
            kind: 'start',
            source,
            fileName: uri.fsPath,
            dataRoot: vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath,
            debug: false,
            stopOnEntry: false,
            breakpoints: [],
            exceptionFilters: [],
            historyBytes: 0,
            limits: parseLimitsOf(s),
            logLevel: thresholdOf(this.logger),
            doctor: this.doctor !== undefined,
            thresholds: thresholdsOf(s),
          });
        }),
    );
  }

  /** Stops the current run, if any. */
  stop(): void {
    this.finishRun?.();
  }

  dispose(): void {
    this.stop();
    this.worker?.dispose();
  }
}

async function revealLine(uri: vscode.Uri, line: number): Promise<void> {
  const editor = await vscode.window.showTextDocument(uri);
  const pos = new vscode.Position(line, 0);
  editor.selection = new vscode.Selection(pos, pos);
  editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
