// What the nnet adapter tells a client it supports (the `initialize` response): stepping back, conditional and
// hit-count breakpoints, logpoints, breakpoint modes for one pass, exception filters with thresholds, and more.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { EXCEPTION_FILTERS, type ExceptionFilterId } from '../../debugger/protocol';
import { conditionDescription } from './exceptionFilters';

/** The capabilities of every nnet debug session. */
export function capabilities(): DebugProtocol.Capabilities {
  return {
    supportsConfigurationDoneRequest: true,
    supportsTerminateRequest: true,
    supportsEvaluateForHovers: true,
    supportsStepBack: true,
    supportsConditionalBreakpoints: true,
    supportsHitConditionalBreakpoints: true,
    supportsLogPoints: true,
    supportsFunctionBreakpoints: true,
    supportsSetVariable: true,
    supportsCompletionsRequest: true,
    completionTriggerCharacters: ['.'],
    supportsExceptionInfoRequest: true,
    supportsExceptionFilterOptions: true,
    // A long Step Back or Reverse Continue shows a cancellable progress; cancelling it (or Pause) stops it.
    supportsCancelRequest: true,
    // Breakpoint modes let a layer breakpoint stop on one pass only (right-click a breakpoint → Edit Mode).
    breakpointModes: [
      {
        mode: 'both',
        label: 'Forward and backward',
        description: 'Stop on the forward and the backward pass of the layer',
        appliesTo: ['source'],
      },
      {
        mode: 'forward',
        label: 'Forward pass only',
        description: 'Stop when the layer computes z and a',
        appliesTo: ['source'],
      },
      {
        mode: 'backward',
        label: 'Backward pass only',
        description: 'Stop when the layer computes δ and its gradients',
        appliesTo: ['source'],
      },
    ],
    exceptionBreakpointFilters: (Object.keys(EXCEPTION_FILTERS) as ExceptionFilterId[]).map((id) => ({
      filter: id,
      label: EXCEPTION_FILTERS[id].label,
      description: EXCEPTION_FILTERS[id].description,
      // NaN/Inf is what a user never wants to train past; the others are opt-in (they stop healthy runs too).
      default: id === 'nan',
      // Constant text: VS Code forgets which filters the user ticked when a new session declares them differently.
      supportsCondition: EXCEPTION_FILTERS[id].thresholds.length > 0,
      // A filter without thresholds has no condition to describe.
      ...(EXCEPTION_FILTERS[id].thresholds.length > 0 ? { conditionDescription: conditionDescription(id) } : {}),
    })),
  };
}
