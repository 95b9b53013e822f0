// What a PyTorch session tells a client it supports: the `.nnet` adapter's capabilities less what a live PyTorch run
// cannot do (Step Back, Set Value, completions, cancelling a rewind), and only the exception filters that exist here.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { PYTORCH_FILTERS } from '../../../debugger/pytorch/stepFilters';
import { capabilities } from '../capabilities';

/** Why Step Back and Reverse Continue are refused. */
export const NO_STEP_BACK = 'a PyTorch run cannot be rewound; Step Back works in .nnet sessions';

/** The capabilities of every PyTorch session. */
export function pytorchCapabilities(): DebugProtocol.Capabilities {
  const nnet = capabilities();
  return {
    ...nnet,
    supportsStepBack: false,
    supportsSetVariable: false,
    supportsCompletionsRequest: false,
    completionTriggerCharacters: undefined,
    supportsCancelRequest: false,
    breakpointModes: [
      {
        mode: 'both',
        label: 'Forward and backward',
        description: 'Stop on the forward and the backward pass of the module',
        appliesTo: ['source'],
      },
      {
        mode: 'forward',
        label: 'Forward pass only',
        description: 'Stop when the module has computed its output',
        appliesTo: ['source'],
      },
      {
        mode: 'backward',
        label: 'Backward pass only',
        description: "Stop when the module's parameter gradients are accumulated",
        appliesTo: ['source'],
      },
    ],
    exceptionBreakpointFilters: nnet.exceptionBreakpointFilters?.filter((f) =>
      (PYTORCH_FILTERS as readonly string[]).includes(f.filter),
    ),
  };
}
