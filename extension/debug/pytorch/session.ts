// The PyTorch debug session: a flat list of DAP request handlers that translate between the Debug Adapter Protocol
// and a PyTorch script run under nnet's probe (debugger/pytorch/). Runs inline in the extension host or standalone.

import { InitializedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Logger } from '../../../debugger/log';
import type { PythonFound } from '../../python';
import type { NnetSettings } from '../../settings';
import { GuardedSession } from '../guardedSession';

/** What a PyTorch session needs from its host. */
export interface PyTorchSessionOptions {
  /** Where the session logs (the nnet output channel inline, stderr standalone). */
  readonly log: Logger;
  /** The doctor's thresholds for the exception filters (launch attributes do not override them yet). */
  readonly settings: NnetSettings;
  /** The folder holding the `nnet_probe` package (put on PYTHONPATH). */
  readonly probeDir: string;
  /** Finds the interpreter with torch: the launch's `python`, else the defaults (extension/python.ts). */
  readonly findPython: (configured: string | undefined) => Promise<PythonFound>;
}

/** A debug session over one PyTorch script (one or many ranks). */
export class PyTorchDebugSession extends GuardedSession {
  /** The host's services, read by launch. */
  protected readonly options: PyTorchSessionOptions;

  constructor(options: PyTorchSessionOptions) {
    super(options.log, false);
    this.options = options;
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = { ...response.body, supportsConfigurationDoneRequest: true, supportsStepBack: false };
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse): Promise<void> {
    this.sendErrorResponse(response, { id: 3300, format: 'not implemented yet', showUser: true });
    return Promise.resolve();
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse): Promise<void> {
    response.body = { variables: [] };
    this.sendResponse(response);
    return Promise.resolve();
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse): Promise<void> {
    this.sendErrorResponse(response, { id: 3301, format: 'a PyTorch tensor cannot be set here', showUser: true });
    return Promise.resolve();
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse): Promise<void> {
    this.sendErrorResponse(response, { id: 3302, format: 'not implemented yet', showUser: false });
    return Promise.resolve();
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse): Promise<void> {
    response.body = { targets: [] };
    this.sendResponse(response);
    return Promise.resolve();
  }

  protected override setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): Promise<void> {
    response.body = { breakpoints: (args.breakpoints ?? []).map(() => ({ verified: false })) };
    this.sendResponse(response);
    return Promise.resolve();
  }
}
