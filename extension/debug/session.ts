// The nnet debug session: a flat list of DAP request handlers that translate between the Debug Adapter Protocol
// and the engine worker. Runs inline in the extension host or standalone (debugAdapter.ts) on stdio.

import {
  BreakpointEvent,
  ContinuedEvent,
  Handles,
  InitializedEvent,
  InvalidatedEvent,
  Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import path from 'node:path';
import type { Finding } from '../../engine/doctor/types';
import type { NetworkSpec } from '../../engine/language/spec';
import type { CompletionTarget, StepKind } from '../../debugger/protocol';
import { silentLogger, thresholdOf } from '../../debugger/log';
import type { NnetSettings } from '../settings';
import { lineBreakpoints } from './breakpoints';
import { capabilities } from './capabilities';
import { completionTargets, evaluateBody, exceptionInfo, setValueTarget } from './console';
import { customReply, isCustomRequest } from './customRequests';
import type { NnetCustomRequests } from './customEvents';
import { alreadyLaunched, ENDED_BEFORE_START, EVALUATE_WHILE_PAUSED, NOT_SETTABLE, notPaused } from './errors';
import { requestedFilters } from './exceptionFilters';
import { launchLogLine, readProgram, readSpec, startMessage, type NnetLaunchArguments } from './launch';
import { DapProgress } from './progress';
import { SessionBreakpoints } from './sessionBreakpoints';
import { SessionConfig, type NnetSessionOptions } from './sessionConfig';
import { SessionWorker } from './sessionWorker';
import { THREAD_ID, consoleAtLine, stackFrames } from './stops';
import { GuardedSession } from './guardedSession';
import { scopesOf, variablesOf, type Stopped, type VarRef } from './variables';
import { sayEnded, workerExitReason, type WorkerMessageSink } from './workerMessages';

export type { NnetLaunchArguments } from './launch';
export type { NnetSessionOptions } from './sessionConfig';

/** A debug session training one .nnet program in a worker thread, paused and stepped over DAP. */
export class NnetDebugSession extends GuardedSession {
  private readonly worker = new SessionWorker();
  private program = '';
  private spec: NetworkSpec | null = null;
  private readonly breakpoints = new SessionBreakpoints();
  private readonly config: SessionConfig;
  private stopped: Stopped | null = null;
  private refs = new Handles<VarRef>(1);
  private ended = false;
  /** Set by the first launch: one session trains one program, with one worker. */
  private launched = false;
  private readonly progress = new DapProgress((e) => this.sendEvent(e));

  constructor(private readonly options: NnetSessionOptions = {}) {
    super(options.log ?? silentLogger, options.trace === true);
    this.config = new SessionConfig(options.settings);
  }

  /** Ends the worker with the session, however the session ends (the extension disposes inline sessions). */
  override dispose(): void {
    this.worker.close('the debug session ended');
    super.dispose();
  }

  protected override initializeRequest(
    response: DebugProtocol.InitializeResponse,
    args: DebugProtocol.InitializeRequestArguments,
  ): void {
    this.progress.clientSupports = !!args.supportsProgressReporting;
    response.body = { ...response.body, ...capabilities() };
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.markConfigured();
    this.sendResponse(response);
  }

  protected override async setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): Promise<void> {
    const file = args.source.path ?? '';
    const requested = args.breakpoints ?? [];
    const { spec, firstError } = await readSpec(file, this.config.parseLimits());
    const { breakpoints, specs } = lineBreakpoints(file, requested, spec, firstError, this.breakpoints.nextId);
    response.body = { breakpoints };
    if (!this.program || path.resolve(file) === path.resolve(this.program)) {
      this.breakpoints.setLines(specs);
      this.sendBreakpoints();
    }
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(
    response: DebugProtocol.SetFunctionBreakpointsResponse,
    args: DebugProtocol.SetFunctionBreakpointsArguments,
  ): void {
    this.breakpoints.requestFunctions(args.breakpoints);
    response.body = { breakpoints: this.resolveFunctionBreakpoints() };
    this.sendResponse(response);
  }

  /** Matches function breakpoints to layers (once the program is parsed) and sends them to the worker. */
  private resolveFunctionBreakpoints(): DebugProtocol.Breakpoint[] {
    const breakpoints = this.breakpoints.placeFunctions(this.spec, this.program);
    this.sendBreakpoints();
    return breakpoints;
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    const { filters, results } = requestedFilters(args);
    this.config.filters = filters;
    this.sendExceptionFilters();
    response.body = { breakpoints: results };
    this.sendResponse(response);
  }

  /** The enabled filters and the doctor's thresholds to the worker. */
  private sendExceptionFilters(): void {
    this.worker.post(this.config.filtersMessage());
  }

  /** The user changed settings mid-session: thresholds apply from the doctor's and the filters' next check. */
  settingsChanged(settings: NnetSettings): void {
    if (this.ended) return;
    if (this.config.changed(settings, this.launched)) this.sendExceptionFilters();
  }

  protected override async launchRequest(
    response: DebugProtocol.LaunchResponse,
    args: NnetLaunchArguments,
  ): Promise<void> {
    // A second worker would be orphaned, training on after disconnect.
    if (this.launched) return this.sendErrorResponse(response, alreadyLaunched(path.basename(this.program)));
    this.launched = true;
    // launch.json attributes override the settings for this session; a bad one is reported and the setting used.
    const settings = this.config.launch(args, (m) => this.log('warn', m));
    this.traceFromLaunch(settings.trace, args, this.options.traceHint);
    await Promise.race([this.configured, new Promise((r) => setTimeout(r, 2000))]);
    if (this.ended) return this.sendErrorResponse(response, ENDED_BEFORE_START);
    this.program = path.resolve(args.program);
    const limits = this.config.parseLimits();
    const read = await readProgram(this.program, args.dataRoot, limits, path.basename(this.program));
    if ('readError' in read)
      return this.sendErrorResponse(response, { id: 3001, format: read.readError, showUser: true });
    const { source, spec } = read;
    // The worker starts with every breakpoint the client has set so far.
    await this.breakpointsSet;
    if (this.ended) return this.sendErrorResponse(response, ENDED_BEFORE_START);
    if (!spec) return this.sendErrorResponse(response, { id: 3002, format: read.parseError, showUser: true });
    this.spec = spec;
    if (this.breakpoints.anyFunctions) {
      for (const bp of this.resolveFunctionBreakpoints())
        this.sendEvent(new BreakpointEvent('changed', bp) as DebugProtocol.BreakpointEvent);
    }
    this.worker.start(this.options.workerScript, this.workerSink(), (exit) => {
      if (this.ended) return;
      const why = workerExitReason(exit);
      this.log('error', why);
      this.end('', why, 0);
    });
    this.log('info', launchLogLine(this.program, !args.noDebug, settings));
    this.worker.post(
      startMessage({
        args,
        program: this.program,
        source,
        breakpoints: this.breakpoints.all(),
        filters: this.config.filters,
        settings,
        limits,
        logLevel: thresholdOf(this.logger),
      }),
    );
    this.sendResponse(response);
    this.progress.startTraining(path.basename(this.program));
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD_ID, `training ${this.spec?.name ?? ''}`.trim())] };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse): void {
    const frames = stackFrames(this.stopped, this.program);
    response.body = { stackFrames: frames, totalFrames: frames.length };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse): void {
    response.body = { scopes: scopesOf(this.stopped, this.refs) };
    this.sendResponse(response);
  }

  protected override async variablesRequest(
    response: DebugProtocol.VariablesResponse,
    args: DebugProtocol.VariablesArguments,
  ): Promise<void> {
    const s = this.stopped,
      ref = this.refs.get(args.variablesReference);
    let variables: DebugProtocol.Variable[] = [];
    try {
      if (s && ref)
        variables = await variablesOf(s, ref, args, this.refs, (p) => this.worker.requests!.ask('tensor', { path: p }));
    } catch (e) {
      return this.sendErrorResponse(response, { id: 3010, format: (e as Error).message, showUser: false });
    }
    response.body = { variables };
    this.sendResponse(response);
  }

  protected override async setVariableRequest(
    response: DebugProtocol.SetVariableResponse,
    args: DebugProtocol.SetVariableArguments,
  ): Promise<void> {
    const target = setValueTarget(this.refs.get(args.variablesReference), args.name);
    const requests = this.worker.requests;
    if (!target || !requests) return this.sendErrorResponse(response, NOT_SETTABLE);
    try {
      const r = await requests.ask('setValue', { path: target, value: args.value });
      response.body = { value: r.text };
      this.sendResponse(response);
      this.refreshStop();
    } catch (e) {
      this.sendErrorResponse(response, { id: 3021, format: (e as Error).message, showUser: true });
    }
  }

  protected override async evaluateRequest(
    response: DebugProtocol.EvaluateResponse,
    args: DebugProtocol.EvaluateArguments,
  ): Promise<void> {
    const requests = this.worker.requests;
    if (!requests || !this.stopped) return this.sendErrorResponse(response, EVALUATE_WHILE_PAUSED);
    try {
      response.body = evaluateBody(await requests.ask('evaluate', { expression: args.expression }), this.refs);
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, { id: 3004, format: (e as Error).message, showUser: false });
    }
  }

  protected override async completionsRequest(
    response: DebugProtocol.CompletionsResponse,
    args: DebugProtocol.CompletionsArguments,
  ): Promise<void> {
    let items: readonly CompletionTarget[] = [];
    try {
      const requests = this.worker.requests;
      if (requests) items = (await requests.ask('completions', { text: args.text, offset: args.column - 1 })).items;
    } catch {
      /* no completions is an acceptable answer */
    }
    response.body = { targets: completionTargets(items) };
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    response.body = exceptionInfo(this.stopped);
    this.sendResponse(response);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.resume({ kind: 'continue' });
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
  }

  protected override nextRequest(response: DebugProtocol.NextResponse): void {
    this.stepRequest(response, 'over');
  }
  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.stepRequest(response, 'into');
  }
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.stepRequest(response, 'out');
  }
  protected override stepBackRequest(response: DebugProtocol.StepBackResponse): void {
    this.stepRequest(response, 'back');
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.resume({ kind: 'reverseContinue' });
    this.sendResponse(response);
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.worker.post({ kind: 'pause' });
    this.sendResponse(response);
  }

  /** Cancelling the progress of a rewind (or of training) pauses it, as the Pause button does. */
  protected override cancelRequest(
    response: DebugProtocol.CancelResponse,
    args: DebugProtocol.CancelArguments | undefined,
  ): void {
    // Its arguments are optional in DAP, so they are not validated up front.
    if (this.progress.isShowing(args?.progressId)) this.worker.post({ kind: 'pause' });
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.worker.post({ kind: 'stop' });
    this.sendResponse(response);
    // A worker that does not answer the stop (busy in a long step, or wedged) is ended anyway.
    if (this.worker.running) setTimeout(() => this.end('', null, 0), 3000).unref();
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.ended = true;
    this.progress.end();
    this.worker.close('the debug session ended');
    this.sendResponse(response);
  }

  protected override async customRequest(
    command: string,
    response: DebugProtocol.Response,
    args: unknown,
  ): Promise<void> {
    if (!isCustomRequest(command)) return super.customRequest(command, response, args);
    const requests = this.worker.requests;
    if (!requests || !this.stopped) return this.sendErrorResponse(response, notPaused(command));
    // Going to a step moves the session: no other request may resume it meanwhile; a refusal leaves it where it was.
    const moving = command === 'nnet.gotoStep' ? this.stopped : null;
    if (moving) this.stopped = null;
    try {
      const body = await customReply(command, args, requests);
      if (moving && !this.stopped && !this.ended) {
        // Not stopped yet (a replay or a run forward under way): the client shows the session running until it is.
        this.refs.reset();
        this.sendEvent(new ContinuedEvent(THREAD_ID, true));
      }
      if (command === 'nnet.checkGradients') {
        // The report also goes to the Debug Console, at the checked layer's line.
        const report = body as NnetCustomRequests['nnet.checkGradients']['reply'];
        this.sendEvent(consoleAtLine(report.text, this.program, report.line));
      }
      response.body = body;
      this.sendResponse(response);
    } catch (e) {
      if (moving && !this.stopped && !this.ended) this.stopped = moving;
      this.sendErrorResponse(response, { id: 3031, format: (e as Error).message, showUser: false });
    }
  }

  private stepRequest(response: DebugProtocol.Response, step: StepKind): void {
    this.resume({ kind: 'step', step });
    this.sendResponse(response);
  }

  private resume(msg: { kind: 'continue' } | { kind: 'reverseContinue' } | { kind: 'step'; step: StepKind }): void {
    if (!this.stopped) return; // only a paused session can be resumed; a stray request must not start a second loop
    this.stopped = null;
    this.refs.reset();
    this.worker.post(msg);
    if (msg.kind === 'continue') this.progress.startTraining(path.basename(this.program));
  }

  /** What the worker's messages act on: the client, the progress, the stop, the end. */
  private workerSink(): WorkerMessageSink {
    return {
      program: this.program,
      progress: this.progress,
      logger: this.logger,
      sendEvent: (e) => this.sendEvent(e),
      sendCustom: (name, body) => this.sendCustom(name, body),
      sendEnded: (body) => this.sendEnded(body),
      log: (level, message) => this.log(level, message),
      pausedAt: (m) => {
        this.stopped = m;
        this.refs.reset();
      },
      end: (summary, error, line, findings) => this.end(summary, error, line, findings),
    };
  }

  /** After Set Value: ask the worker for a fresh stop view and tell the client to refresh. */
  private refreshStop(): void {
    this.sendEvent(new InvalidatedEvent(['variables']) as DebugProtocol.InvalidatedEvent);
  }

  private sendBreakpoints(): void {
    this.worker.post({ kind: 'setBreakpoints', breakpoints: this.breakpoints.all() });
  }

  private end(summary: string, error: string | null, line: number, findings?: readonly Finding[]): void {
    if (this.ended) return;
    this.ended = true;
    this.stopped = null;
    sayEnded(this.workerSink(), summary, error, line, findings);
    this.worker.close('training ended');
  }
}
