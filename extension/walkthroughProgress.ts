// Which debugger steps of the walkthrough a user has done, read from the DAP traffic of an nnet session (no vscode
// import: the extension feeds it from a DebugAdapterTracker, the tests from the real adapter over DAP).

/** The context keys the walkthrough's debugger steps complete on (`completionEvents: onContext:<key>`). */
export const WALKTHROUGH_KEYS = {
  /** Training stopped in the debugger (a breakpoint, a filter, Pause or a step). */
  paused: 'nnet.walkthrough.paused',
  /** A Step Into landed on a backward pass's δ sub-step (δ = ∂L/∂a ⊙ φ′(z), or δ = (a − y)/N fused with the loss). */
  sawDelta: 'nnet.walkthrough.sawDelta',
  /** Step Back or Reverse Continue took the run back to an earlier stop. */
  steppedBack: 'nnet.walkthrough.steppedBack',
} as const;

export type WalkthroughKey = (typeof WALKTHROUGH_KEYS)[keyof typeof WALKTHROUGH_KEYS];

/** The part of a DAP message this reads (requests the client sent, events the adapter sent). */
export interface DapMessage {
  readonly type?: unknown;
  readonly command?: unknown;
  readonly event?: unknown;
  readonly body?: unknown;
}

/** Requests that move the run; the last one decides what the next `stopped` event means. */
const MOVES = new Set([
  'continue',
  'next',
  'stepIn',
  'stepOut',
  'stepBack',
  'reverseContinue',
  'pause',
  'goto',
  'restartFrame',
]);

/** A δ sub-step as the adapter describes a stop on it: `Paused on backward h1: δ = ∂L/∂a ⊙ tanh′(z)`. */
const DELTA_STOP = /^Paused on backward \S+: δ = /;

/**
 * Follows one debug session. `fromClient` gets what VS Code sent, `fromAdapter` what the adapter sent; each returns
 * the walkthrough keys this message completes (empty for most messages).
 */
export class WalkthroughProgress {
  private lastMove: string | null = null;

  /** A message VS Code sent to the adapter. */
  fromClient(m: DapMessage): WalkthroughKey[] {
    if (m.type === 'request' && typeof m.command === 'string' && MOVES.has(m.command)) this.lastMove = m.command;
    return [];
  }

  /** A message the adapter sent to VS Code. */
  fromAdapter(m: DapMessage): WalkthroughKey[] {
    if (m.type !== 'event' || m.event !== 'stopped') return [];
    const body = (m.body ?? {}) as { description?: unknown };
    const keys: WalkthroughKey[] = [WALKTHROUGH_KEYS.paused];
    if (this.lastMove === 'stepIn' && typeof body.description === 'string' && DELTA_STOP.test(body.description)) {
      keys.push(WALKTHROUGH_KEYS.sawDelta);
    }
    if (this.lastMove === 'stepBack' || this.lastMove === 'reverseContinue') keys.push(WALKTHROUGH_KEYS.steppedBack);
    this.lastMove = null;
    return keys;
  }
}
