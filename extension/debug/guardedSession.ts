// The plumbing under both debug sessions (nnet's and PyTorch's): every request's arguments validated before a handler
// reads them, the async handlers' failures answered (the DAP library drops their promises), setBreakpoints answered in
// order, configurationDone awaited, DAP traffic traced to the log on request, and the custom `nnet.*` events sent.

import {
  Event,
  LoggingDebugSession,
  OutputEvent,
  Response,
  TerminatedEvent,
  type ErrorDestination,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { traceLine, type Logger, type LogLevel } from '../../debugger/log';
import { encodeDap, type NnetCustomEventName, type NnetCustomEvents } from './customEvents';
import { requestProblem } from './validate';

/** Requests that let training run on: they wait for breakpoints being set, so they take effect first. */
const RESUMING: ReadonlySet<string> = new Set(['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue']);

/** A LoggingDebugSession that validates, traces and never lets a handler's rejection end the adapter. */
export abstract class GuardedSession extends LoggingDebugSession {
  /** Sequence numbers of requests whose async handler has not answered yet. */
  private readonly unanswered = new Set<number>();
  /** setBreakpoints requests, answered in order (each reads its file without blocking); launch waits for them. */
  protected breakpointsSet: Promise<void> = Promise.resolve();
  /** setBreakpoints requests not answered yet. */
  private breakpointsPending = 0;
  private configurationDone!: () => void;
  /** Resolves once the client has sent configurationDone (it has set its breakpoints and filters). */
  protected readonly configured = new Promise<void>((resolve) => {
    this.configurationDone = resolve;
  });

  constructor(
    protected readonly logger: Logger,
    /** Trace DAP traffic (at trace level of the log). */
    protected tracing: boolean,
  ) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  /** The client's configurationDone arrived: `configured` resolves. */
  protected markConfigured(): void {
    this.configurationDone();
  }

  // The handlers `dispatchRequest` awaits, so their failures are answered.
  protected abstract override launchRequest(
    response: DebugProtocol.LaunchResponse,
    args: DebugProtocol.LaunchRequestArguments,
  ): Promise<void>;
  protected abstract override variablesRequest(
    response: DebugProtocol.VariablesResponse,
    args: DebugProtocol.VariablesArguments,
  ): Promise<void>;
  protected abstract override setVariableRequest(
    response: DebugProtocol.SetVariableResponse,
    args: DebugProtocol.SetVariableArguments,
  ): Promise<void>;
  protected abstract override evaluateRequest(
    response: DebugProtocol.EvaluateResponse,
    args: DebugProtocol.EvaluateArguments,
  ): Promise<void>;
  protected abstract override completionsRequest(
    response: DebugProtocol.CompletionsResponse,
    args: DebugProtocol.CompletionsArguments,
  ): Promise<void>;
  protected abstract override setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): Promise<void>;

  /**
   * Validates every request's arguments before a handler reads them, and answers a request whose async handler
   * fails: the base class drops the handlers' promises, so a rejection would otherwise end the adapter.
   */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    if (this.tracing && this.logger.enabled('trace')) this.logger.log('trace', traceLine('in', request));
    const response = new Response(request);
    const problem = requestProblem(request.command, request.arguments);
    if (problem) return this.sendErrorResponse(response, { id: 3100, format: problem, showUser: true });
    const args = request.arguments;
    let pending: Promise<void>;
    switch (request.command) {
      case 'launch':
        pending = this.launchRequest(response, args);
        break;
      case 'attach':
        // Only PyTorch sessions attach (their handler is async); every argument of attach is optional.
        pending = Promise.resolve(this.attachRequest(response, (args ?? {}) as DebugProtocol.AttachRequestArguments));
        break;
      case 'variables':
        pending = this.variablesRequest(response as DebugProtocol.VariablesResponse, args);
        break;
      case 'setVariable':
        pending = this.setVariableRequest(response as DebugProtocol.SetVariableResponse, args);
        break;
      case 'evaluate':
        pending = this.evaluateRequest(response as DebugProtocol.EvaluateResponse, args);
        break;
      case 'completions':
        pending = this.completionsRequest(response as DebugProtocol.CompletionsResponse, args);
        break;
      case 'setBreakpoints':
        this.breakpointsPending++;
        pending = this.breakpointsSet
          .then(() => this.setBreakPointsRequest(response as DebugProtocol.SetBreakpointsResponse, args))
          .finally(() => this.breakpointsPending--);
        this.breakpointsSet = pending.catch(() => {
          /* answered by reportInternalError below */
        });
        break;
      default:
        // setBreakpoints reads the file before it reaches the worker: a Continue or a step sent right after F9 waits
        // for it, or training would run past the breakpoint the user has just set.
        if (this.breakpointsPending > 0 && RESUMING.has(request.command)) {
          void this.breakpointsSet.then(() => super.dispatchRequest(request));
          return;
        }
        return super.dispatchRequest(request);
    }
    this.unanswered.add(response.request_seq);
    pending.catch((e: unknown) => this.reportInternalError(e, response));
  }

  override sendResponse(response: DebugProtocol.Response): void {
    this.unanswered.delete(response.request_seq);
    if (this.tracing && this.logger.enabled('trace')) this.logger.log('trace', traceLine('out', response));
    super.sendResponse(response);
  }

  override sendEvent(event: DebugProtocol.Event): void {
    if (this.tracing && this.logger.enabled('trace')) this.logger.log('trace', traceLine('out', event));
    super.sendEvent(event);
  }

  protected log(level: LogLevel, message: string): void {
    this.logger.log(level, `debug adapter: ${message}`);
  }

  /**
   * A launch that asks for a DAP trace (its `trace` attribute or setting) starts tracing there, from the launch
   * request itself; a user who asked while the log level hides trace lines is told so (`hint`: how to show them).
   */
  protected traceFromLaunch(asked: boolean, args: unknown, hint: string | undefined): void {
    if (asked && !this.tracing) {
      this.tracing = true;
      this.logger.log('trace', traceLine('in', { type: 'request', command: 'launch', arguments: args }));
    }
    if (this.tracing && !this.logger.enabled('trace'))
      this.log('info', hint ?? 'DAP trace requested, but the log level hides trace lines');
  }

  /**
   * Sends a custom `nnet.*` event. `extra` carries what only PyTorch runs have (the rank a progress event comes
   * from); the decoders ignore it.
   */
  protected sendCustom<K extends NnetCustomEventName>(name: K, body: NnetCustomEvents[K], extra: object = {}): void {
    // DAP JSON: numbers JSON would lose are spelled out; customEvents.ts decodes them on the extension's side.
    this.sendEvent(new Event(name, { ...encodeDap(body), ...extra }));
  }

  /** The session's last two events: `nnet.ended` for the views, then `terminated` for the client. */
  protected sendEnded(body: NnetCustomEvents['nnet.ended']): void {
    this.sendCustom('nnet.ended', body);
    this.sendEvent(new TerminatedEvent());
  }

  protected override sendErrorResponse(
    response: DebugProtocol.Response,
    codeOrMessage: number | DebugProtocol.Message,
    format?: string,
    variables?: unknown,
    dest?: ErrorDestination,
  ): void {
    // The base class answers a handler's exception with its stack trace as the message; the client gets the message.
    if (format === '{_stack}') format = 'internal error in the nnet debug adapter: {_exception}';
    super.sendErrorResponse(response, codeOrMessage as number, format, variables, dest);
  }

  /**
   * Reports a failure no handler caught: an error response if the request is still unanswered, a line in the Debug
   * Console (where the user is looking), and the log with the stack.
   */
  reportInternalError(e: unknown, response?: DebugProtocol.Response): void {
    const message = e instanceof Error ? e.message : String(e);
    this.log('error', `internal error: ${message}`);
    if (e instanceof Error && e.stack) this.log('debug', e.stack);
    try {
      if (response && this.unanswered.has(response.request_seq))
        this.sendErrorResponse(response, {
          id: 3101,
          format: `internal error in the nnet debug adapter: ${message}`,
          showUser: true,
        });
      this.sendEvent(new OutputEvent(`nnet debug adapter: internal error: ${message}\n`, 'stderr'));
    } catch {
      /* the connection is gone; nothing left to tell */
    }
  }
}
