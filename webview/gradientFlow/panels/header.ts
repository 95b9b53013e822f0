// The view's header: Train, Debug, Pause/Continue and Stop, the run's state and its title.

import type { ViewCommand } from '../protocol';
import { appendMarkup, byId, setAttr, setText, type PanelFactory } from '../panel';

const MARKUP = `<div class="toolbar">
  <vscode-button id="train" appearance="primary">Train</vscode-button>
  <vscode-button id="debug" appearance="secondary">Debug</vscode-button>
  <vscode-button id="pause" appearance="secondary" disabled
    ><span id="pause-label" class="swap-label" data-showing="pause"
      ><span data-label="pause">Pause</span><span data-label="continue">Continue</span></span
    ></vscode-button
  >
  <vscode-button id="stop" appearance="secondary" disabled>Stop</vscode-button>
</div>
<p id="status" class="status" role="status" aria-live="polite" data-state="idle">No training run yet.</p>
<h2 id="title" class="title" hidden></h2>`;

/** Least time between two flips of the training dot's brightness. */
const BEAT_MS = 600;

/** The buttons post their command to the host; the state decides which of them are enabled. */
export const headerPanel: PanelFactory = (parent, context) => {
  appendMarkup(parent, MARKUP);
  const train = byId<HTMLElement>('train');
  const debug = byId<HTMLElement>('debug');
  const pause = byId<HTMLElement>('pause');
  const pauseLabel = byId<HTMLElement>('pause-label');
  const stop = byId<HTMLElement>('stop');
  const status = byId<HTMLElement>('status');
  const title = byId<HTMLElement>('title');

  /** Posts a button's command on click; `command` is read at click time (Pause turns into Continue). */
  function onCommand(button: HTMLElement, command: () => ViewCommand): void {
    button.addEventListener('click', () => {
      if (button.hasAttribute('disabled')) return;
      context.post({ kind: 'command', command: command() });
    });
  }
  onCommand(train, () => 'train');
  onCommand(debug, () => 'debug');
  onCommand(pause, () => (pause.dataset.command === 'continue' ? 'continue' : 'pause'));
  onCommand(stop, () => 'stop');

  /**
   * The state dot's heartbeat while training: dims and brightens at most every BEAT_MS as updates are drawn, so it
   * stops when they stop. A CSS animation would have the page paint every frame of a run (style.css).
   */
  let beatAt = -Infinity;
  function beat(training: boolean): void {
    const now = performance.now();
    if (!training || now - beatAt < BEAT_MS) return;
    beatAt = now;
    setAttr(status, 'data-beat', status.dataset.beat === 'bright' ? 'dim' : 'bright');
  }

  return {
    render(model) {
      setText(status, model.stateText);
      setAttr(status, 'data-state', model.state);
      beat(model.state === 'training');
      const running = model.state === 'training' || model.state === 'paused';
      train.toggleAttribute('disabled', running);
      debug.toggleAttribute('disabled', running);
      stop.toggleAttribute('disabled', !running);
      // Pause and Continue act on a debug session; a Train run has no debugger to pause.
      const paused = model.state === 'paused';
      pause.toggleAttribute('disabled', !(running && model.debugging));
      // Both labels are always laid out (style.css .swap-label): the button keeps its width when a session pauses.
      setAttr(pauseLabel, 'data-showing', paused ? 'continue' : 'pause');
      pause.dataset.command = paused ? 'continue' : 'pause';
      setText(title, model.title);
      setAttr(title, 'title', model.title);
      title.hidden = model.title === '';
    },
  };
};
