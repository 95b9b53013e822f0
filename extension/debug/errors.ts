// The nnet debug session's refusals with fixed text, by id: what the client is told when a request cannot be done
// in the session's present state (`showUser`: shown to the user, else only the request fails).

import type { DebugProtocol } from '@vscode/debugprotocol';
import { NOT_PAUSED } from './customRequests';

/** A second launch in one session: a second worker would be orphaned, training on after disconnect. */
export function alreadyLaunched(programName: string): DebugProtocol.Message {
  return {
    id: 3005,
    format: `This debug session already launched ${programName || 'a program'}; start a new session to train another`,
    showUser: true,
  };
}

/** The client disconnected while the launch was reading the program or waiting for breakpoints. */
export const ENDED_BEFORE_START: DebugProtocol.Message = {
  id: 3006,
  format: 'The debug session ended before training started',
  showUser: false,
};

/** Evaluate while running (or before launch). */
export const EVALUATE_WHILE_PAUSED: DebugProtocol.Message = {
  id: 3003,
  format: 'Expressions can be evaluated only while paused',
  showUser: false,
};

/** Set Value on anything but the learning rate or one entry of a parameter tensor. */
export const NOT_SETTABLE: DebugProtocol.Message = {
  id: 3020,
  format: 'Only lr and single entries of parameter tensors (W, b, γ, β) can be set',
  showUser: true,
};

/** A custom `nnet.*` request while running. */
export function notPaused(command: keyof typeof NOT_PAUSED): DebugProtocol.Message {
  return { id: 3030, format: NOT_PAUSED[command], showUser: false };
}
