// Shows a training run — from Train or from a debug session — in the status bar and the Gradient Flow view.

import * as vscode from 'vscode';
import { formatSummary } from '../../engine/nn/tensor';
import { batchOf, type HostToWebview, type HostUpdate } from '../../webview/gradientFlow/protocol';
import type { Progress, RuntimeLocation } from '../../debugger/protocol';

/** Where training updates go: anything that accepts webview messages (the Gradient Flow view provider). */
export interface WebviewSink {
  post(msg: HostToWebview): void;
}

/** A single sample at `step` (none before the first step). */
function sample<T>(step: number, value: number, point: (step: number, value: number) => T): T[] {
  return step > 0 ? [point(step, value)] : [];
}

/** Drives the status-bar item and the Gradient Flow view from run events. */
export class TrainingDisplay implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('nnet.status', vscode.StatusBarAlignment.Left, 10);
  private title = '';
  /** Step of the last gradient-norm sample posted, so repeated progress at one step (pauses) adds no duplicates. */
  private lastNormStep = -1;
  /** Likewise for the per-step loss samples. */
  private lastLossStep = -1;
  private debugging = false;

  constructor(private readonly view: WebviewSink) {
    this.item.name = 'nnet Training';
    this.item.command = 'workbench.view.extension.nnet';
  }

  /** A run began; `debugging` when it is a debug session (the view then offers Pause and Continue). */
  started(title: string, layerNames: readonly string[], debugging = false): void {
    this.title = title;
    this.debugging = debugging;
    this.lastNormStep = -1;
    this.lastLossStep = -1;
    this.view.post(
      batchOf([
        { kind: 'reset', title, layerNames },
        { kind: 'state', state: 'training', text: `Training ${title}…`, debugging },
      ]),
    );
    this.item.text = vscode.l10n.t('$(sync~spin) nnet: {0} starting', title);
    this.item.tooltip = vscode.l10n.t('Training {0}', title);
    this.item.show();
  }

  /** Live progress, or the state at a debugger stop when `paused` is set: one post to the view. */
  progress(p: Progress, paused: RuntimeLocation | null = null): void {
    const updates: HostUpdate[] = [];
    // Numbers arrive as they were computed (structured clone from the worker, or decodeProgress over DAP).
    if (p.layers.length) updates.push({ kind: 'gradFlow', layers: p.layers, step: p.step });
    if (p.ranks) updates.push({ kind: 'ranks', ranks: p.ranks });
    if (p.newLossPoints.length) updates.push({ kind: 'loss', points: p.newLossPoints });
    updates.push(...this.stepCurves(p));
    const loss = !Number.isNaN(p.loss) ? ` · loss ${formatSummary(p.loss)}` : '';
    const where =
      p.epochs > 0 ? `epoch ${Math.min(p.epoch + 1, p.epochs)}/${p.epochs}${loss}` : `step ${p.step + 1}${loss}`;
    if (paused) {
      const text = `Paused on ${paused.phase}${paused.layer >= 0 ? ` ${paused.layerName}` : ''} · step ${paused.step + 1}`;
      updates.push({
        kind: 'state',
        state: 'paused',
        text,
        debugging: this.debugging,
        at: { step: paused.step + 1, epoch: paused.epoch + 1 },
      });
      // Without epochs, `where` would repeat the step the pause text already names.
      this.item.text = `$(debug-pause) nnet: ${text}${p.epochs > 0 ? ` · ${where}` : loss}`;
    } else {
      updates.push({
        kind: 'state',
        state: 'training',
        text: `Training ${this.title}: ${where}`,
        debugging: this.debugging,
      });
      this.item.text = `$(sync~spin) nnet: ${where} · ${Math.round(p.stepsPerSecond)} steps/s`;
    }
    this.view.post(batchOf(updates));
  }

  /**
   * The per-step curves' new points: every step since the last message (thinned by the worker) when the sender traces
   * them; else one sample a message, the latest mini-batch's loss and norms (a PyTorch run).
   */
  private stepCurves(p: Progress): HostUpdate[] {
    const updates: HostUpdate[] = [];
    const clipNorm = p.clipNorm ?? null;
    // A pause repeats the step it stopped at; a replay after Step Back (worker-side) is not sent again.
    const loss = (p.stepLoss ?? sample(p.step, p.batchLoss ?? NaN, (step, loss) => ({ step, loss }))).filter(
      (x) => x.step > this.lastLossStep && !Number.isNaN(x.loss),
    );
    // Before the first clip event the norms are NaN and there is nothing to plot.
    const norms = (
      p.stepNorms ??
      sample(p.step, p.gradNormBeforeClip, (step, before) => ({ step, before, after: p.gradNormAfterClip }))
    ).filter((x) => x.step > this.lastNormStep && !Number.isNaN(x.before));
    if (loss.length) {
      this.lastLossStep = loss[loss.length - 1].step;
      updates.push({ kind: 'stepLoss', points: loss });
    }
    if (norms.length) {
      this.lastNormStep = norms[norms.length - 1].step;
      updates.push({ kind: 'gradNorm', points: norms, clipNorm, ...(p.stepCount && { counted: p.stepCount }) });
    }
    return updates;
  }

  /** The run ended normally, by Stop, or with an error. */
  ended(summary: string, error: string | null): void {
    this.view.post({
      kind: 'state',
      state: error ? 'error' : 'finished',
      text: error ?? `${this.title}: ${summary}`,
      debugging: this.debugging,
    });
    this.item.text = error ? vscode.l10n.t('$(error) nnet: {0} failed', this.title) : `$(check) nnet: ${summary}`;
    this.item.tooltip = error ?? summary;
  }

  dispose(): void {
    this.item.dispose();
  }
}
