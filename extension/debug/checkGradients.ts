// The adapter's `nnet.checkGradients` request (Check Gradients Here): asks the worker to check the paused layer's
// gradients against finite differences, answers with the report and writes it to the Debug Console.

import type { DebugProtocol } from '@vscode/debugprotocol';
import type { WorkerRequests } from '../../debugger/requests';
import type { NnetCustomRequests } from './customEvents';

/** What the handler needs of the session: its worker, whether it is paused, and how to answer and print. */
export interface CheckGradientsHost {
  readonly requests: WorkerRequests | null;
  readonly paused: boolean;
  send(response: DebugProtocol.Response): void;
  fail(response: DebugProtocol.Response, id: number, message: string): void;
  /** A report for the Debug Console, shown at the layer's 1-based line. */
  print(text: string, line: number): void;
}

/** Handles one `nnet.checkGradients` request: `args.layer` names a layer, or null/absent for the paused one. */
export async function checkGradientsRequest(
  host: CheckGradientsHost,
  response: DebugProtocol.Response,
  args: unknown,
): Promise<void> {
  if (!host.requests || !host.paused)
    return host.fail(response, 3040, 'Gradients can be checked only while paused on a layer');
  const a = (typeof args === 'object' && args !== null ? args : {}) as Record<string, unknown>;
  if (a.layer !== undefined && a.layer !== null && typeof a.layer !== 'string')
    return host.fail(response, 3042, "invalid 'nnet.checkGradients' request: layer must be a string or null");
  const layer = typeof a.layer === 'string' ? a.layer : null;
  try {
    const report = (await host.requests.ask({ kind: 'checkGradients', layer })).gradCheck;
    if (!report) throw new Error('the worker sent no gradient check');
    host.print(report.text, report.line);
    const body: NnetCustomRequests['nnet.checkGradients']['body'] = report;
    response.body = body;
    host.send(response);
  } catch (e) {
    host.fail(response, 3041, `Cannot check gradients: ${(e as Error).message}`);
  }
}
