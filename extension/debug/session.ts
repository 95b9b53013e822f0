// The nnet debug session: a flat list of DAP request handlers that translate between the Debug Adapter Protocol
// and the engine worker. Runs inline in the extension host or standalone (debugAdapter.ts) on stdio.

import {
  BreakpointEvent,
  ContinuedEvent,
  Event,
  Handles,
  InitializedEvent,
  InvalidatedEvent,
  OutputEvent,
  TerminatedEvent,
  Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import path from 'node:path';
import type { Finding } from '../../engine/doctor/types';
import type { NetworkSpec } from '../../engine/language/spec';
import {
  assertNever,
  type BreakpointSpec,
  type CompletionTarget,
  type ParseLimits,
  type StepKind,
  type WorkerToHost,
} from '../../debugger/protocol';
import { silentLogger, thresholdOf, traceLine, type Logger } from '../../debugger/log';
import { DEFAULT_SETTINGS, parseLimitsOf, sessionSettings, type NnetSettings, type SessionSettings } from '../settings';
import { WorkerRequests } from '../../debugger/requests';
import { WorkerClient } from '../../debugger/workerClient';
import { lineBreakpoints, resolveFunctionBreakpoints } from './breakpoints';
import { capabilities } from './capabilities';
import { completionTargets, evaluateBody, exceptionInfo, setValueTarget } from './console';
import { customReply, isCustomRequest, NOT_PAUSED } from './customRequests';
import { encodeDap, type NnetCustomEventName, type NnetCustomEvents, type NnetCustomRequests } from './customEvents';
import { doctorThresholds, exceptionFilters, requestedFilters, type RequestedFilter } from './exceptionFilters';
import { readProgram, readSpec, type NnetLaunchArguments } from './launch';
import { DapProgress } from './progress';
import {
  THREAD_ID,
  breakpointProblemEvent,
  consoleAtLine,
  logpointEvent,
  stackFrames,
  startedEvent,
  stoppedEvent,
} from './stops';
import { GuardedSession } from './guardedSession';
import { scopesOf, variablesOf, type Stopped, type VarRef } from './variables';

export type { NnetLaunchArguments } from './launch';

/** Options for constructing a session (the standalone adapter uses the defaults). */
export interface NnetSessionOptions {
  /** Path of dist/worker.js; defaults to the file beside this bundle. */
  readonly workerScript?: string;
  /** Where the session and its worker log (the nnet output channel inline, stderr standalone); default: nowhere. */
  readonly log?: Logger;
  /** The settings launch attributes override; default: the built-in defaults (the standalone adapter has no settings). */
  readonly settings?: NnetSettings;
  /** Trace DAP traffic from the first request (the inline adapter knows the launch configuration up front). */
  readonly trace?: boolean;
  /** What to tell a user who asked for a DAP trace while the log level hides trace lines. */
  readonly traceHint?: string;
}

export class NnetDebugSession extends GuardedSession {
  private worker: WorkerClient | null = null;
  private requests: WorkerRequests | null = null;
  private program = '';
  private spec: NetworkSpec | null = null;
  private lineBreakpoints: BreakpointSpec[] = [];
  private functionBreakpoints: BreakpointSpec[] = [];
  private functionRequests: (DebugProtocol.FunctionBreakpoint & { id: number })[] = [];
  private requestedFilters: RequestedFilter[] = [];
  /** Thresholds and limits: the settings passed in, then the launch attributes. */
  private settings: SessionSettings;
  /** The launch arguments (they override settings), kept so a change of settings mid-session keeps them winning. */
  private launchArgs: Record<string, unknown> = {};
  /** The settings as last changed while this session lives (before that: options.settings). */
  private latestSettings: NnetSettings | null = null;
  private nextBreakpointId = 1;
  private stopped: Stopped | null = null;
  private refs = new Handles<VarRef>(1);
  private configurationDone!: () => void;
  private readonly configured = new Promise<void>((resolve) => {
    this.configurationDone = resolve;
  });
  private ended = false;
  /** Set by the first launch: one session trains one program, with one worker. */
  private launched = false;
  private readonly progress = new DapProgress((e) => this.sendEvent(e));

  constructor(private readonly options: NnetSessionOptions = {}) {
    super(options.log ?? silentLogger, options.trace === true);
    this.settings = sessionSettings({}, () => undefined, options.settings ?? DEFAULT_SETTINGS);
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  /** Ends the worker with the session, however the session ends (the extension disposes inline sessions). */
  override dispose(): void {
    this.killWorker();
    super.dispose();
  }

  private killWorker(): void {
    this.requests?.rejectAll('the debug session ended');
    this.worker?.dispose();
    this.worker = null;
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
    this.configurationDone();
    this.sendResponse(response);
  }

  protected override async setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): Promise<void> {
    const file = args.source.path ?? '';
    const requested = args.breakpoints ?? [];
    const { spec, firstError } = await readSpec(file, this.parseLimits());
    const { breakpoints, specs } = lineBreakpoints(file, requested, spec, firstError, () => this.nextBreakpointId++);
    response.body = { breakpoints };
    if (!this.program || path.resolve(file) === path.resolve(this.program)) {
      this.lineBreakpoints = specs;
      this.sendBreakpoints();
    }
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(
    response: DebugProtocol.SetFunctionBreakpointsResponse,
    args: DebugProtocol.SetFunctionBreakpointsArguments,
  ): void {
    this.functionRequests = args.breakpoints.map((b) => ({ ...b, id: this.nextBreakpointId++ }));
    response.body = { breakpoints: this.resolveFunctionBreakpoints() };
    this.sendResponse(response);
  }

  /** Matches function breakpoints to layers (once the program is parsed) and sends them to the worker. */
  private resolveFunctionBreakpoints(): DebugProtocol.Breakpoint[] {
    const { breakpoints, specs } = resolveFunctionBreakpoints(this.spec, this.functionRequests, this.program);
    this.functionBreakpoints = specs;
    this.sendBreakpoints();
    return breakpoints;
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    const { filters, results } = requestedFilters(args);
    this.requestedFilters = filters;
    this.sendExceptionFilters();
    response.body = { breakpoints: results };
    this.sendResponse(response);
  }

  /** The enabled filters and the doctor's thresholds (settings, then launch attributes, then conditions) to the worker. */
  private sendExceptionFilters(): void {
    this.worker?.post({
      kind: 'setExceptionFilters',
      filters: exceptionFilters(this.requestedFilters, this.settings),
      thresholds: doctorThresholds(this.requestedFilters, this.settings),
    });
  }

  /**
   * The user changed settings mid-session: thresholds apply from the doctor's and the filters' next check (the
   * launch attributes still win over them; limits and history stay as the run began).
   */
  settingsChanged(settings: NnetSettings): void {
    if (this.ended) return;
    this.latestSettings = settings;
    if (!this.launched) return; // the launch reads them
    this.settings = sessionSettings(this.launchArgs, () => undefined, settings);
    this.sendExceptionFilters();
  }

  protected override async launchRequest(
    response: DebugProtocol.LaunchResponse,
    args: NnetLaunchArguments,
  ): Promise<void> {
    // A second worker would be orphaned, training on after disconnect.
    if (this.launched)
      return this.sendErrorResponse(response, {
        id: 3005,
        format: `This debug session already launched ${path.basename(this.program) || 'a program'}; start a new session to train another`,
        showUser: true,
      });
    this.launched = true;
    this.launchArgs = args as unknown as Record<string, unknown>;
    // launch.json attributes override the settings for this session; a bad one is reported and the setting used.
    this.settings = sessionSettings(
      this.launchArgs,
      (m) => this.log('warn', m),
      this.latestSettings ?? this.options.settings ?? DEFAULT_SETTINGS,
    );
    if (this.settings.trace && !this.tracing) {
      this.tracing = true;
      this.logger.log('trace', traceLine('in', { type: 'request', command: 'launch', arguments: args }));
    }
    if (this.tracing && !this.logger.enabled('trace'))
      this.log('info', this.options.traceHint ?? 'DAP trace requested, but the log level hides trace lines');
    await Promise.race([this.configured, new Promise((r) => setTimeout(r, 2000))]);
    if (this.ended)
      return this.sendErrorResponse(response, {
        id: 3006,
        format: 'The debug session ended before training started',
        showUser: false,
      });
    this.program = path.resolve(args.program);
    const limits = this.parseLimits();
    const read = await readProgram(this.program, args.dataRoot, limits, path.basename(this.program));
    if ('readError' in read)
      return this.sendErrorResponse(response, { id: 3001, format: read.readError, showUser: true });
    const { source, spec } = read;
    // The worker starts with every breakpoint the client has set so far.
    await this.breakpointsSet;
    if (this.ended)
      return this.sendErrorResponse(response, {
        id: 3006,
        format: 'The debug session ended before training started',
        showUser: false,
      });
    if (!spec) return this.sendErrorResponse(response, { id: 3002, format: read.parseError, showUser: true });
    this.spec = spec;
    if (this.functionRequests.length) {
      for (const bp of this.resolveFunctionBreakpoints())
        this.sendEvent(new BreakpointEvent('changed', bp) as DebugProtocol.BreakpointEvent);
    }
    const debug = !args.noDebug;
    const worker = (this.worker = new WorkerClient(this.options.workerScript));
    this.requests = new WorkerRequests(worker);
    worker.onDidReceiveMessage((m) => this.onWorkerMessage(m));
    worker.onDidExit((exit) => {
      if (this.ended) return;
      const why = `The training worker stopped unexpectedly${exit.error ? `: ${exit.error}` : ` (exit code ${exit.code})`}`;
      this.log('error', why);
      this.end('', why, 0);
    });
    const s = this.settings;
    this.log(
      'info',
      `launch ${this.program}${debug ? '' : ' (no debugging)'}: history ${s.historyMB} MB, CSV up to ${s.maxCsvMB} MB, memory budget ${s.memoryBudgetMB} MB`,
    );
    worker.post({
      kind: 'start',
      source,
      fileName: this.program,
      dataRoot: args.dataRoot,
      debug,
      stopOnEntry: debug && !!args.stopOnEntry,
      breakpoints: debug ? this.allBreakpoints() : [],
      exceptionFilters: debug ? exceptionFilters(this.requestedFilters, this.settings) : [],
      // The doctor watches every session; its findings reach the editor when it ends (like Train's).
      doctor: true,
      thresholds: doctorThresholds(this.requestedFilters, this.settings),
      historyBytes: s.historyMB * 1024 * 1024,
      limits,
      logLevel: thresholdOf(this.logger),
    });
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
        variables = await variablesOf(s, ref, args, this.refs, (p) => this.requests!.ask('tensor', { path: p }));
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
    if (!target || !this.requests)
      return this.sendErrorResponse(response, {
        id: 3020,
        format: 'Only lr and single entries of parameter tensors (W, b, γ, β) can be set',
        showUser: true,
      });
    try {
      const r = await this.requests.ask('setValue', { path: target, value: args.value });
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
    if (!this.requests || !this.stopped)
      return this.sendErrorResponse(response, {
        id: 3003,
        format: 'Expressions can be evaluated only while paused',
        showUser: false,
      });
    try {
      response.body = evaluateBody(await this.requests.ask('evaluate', { expression: args.expression }), this.refs);
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
      if (this.requests)
        items = (await this.requests.ask('completions', { text: args.text, offset: args.column - 1 })).items;
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
    this.worker?.post({ kind: 'pause' });
    this.sendResponse(response);
  }

  /** Cancelling the progress of a rewind (or of training) pauses it, as the Pause button does. */
  protected override cancelRequest(
    response: DebugProtocol.CancelResponse,
    args: DebugProtocol.CancelArguments | undefined,
  ): void {
    // Its arguments are optional in DAP, so they are not validated up front.
    if (this.progress.isShowing(args?.progressId)) this.worker?.post({ kind: 'pause' });
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.worker?.post({ kind: 'stop' });
    this.sendResponse(response);
    // A worker that does not answer the stop (busy in a long step, or wedged) is ended anyway.
    if (this.worker) setTimeout(() => this.end('', null, 0), 3000).unref();
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.ended = true;
    this.progress.end();
    this.killWorker();
    this.sendResponse(response);
  }

  protected override async customRequest(
    command: string,
    response: DebugProtocol.Response,
    args: unknown,
  ): Promise<void> {
    if (!isCustomRequest(command)) return super.customRequest(command, response, args);
    if (!this.requests || !this.stopped)
      return this.sendErrorResponse(response, {
        id: 3030,
        format: NOT_PAUSED[command],
        showUser: false,
      });
    // Going to a step moves the session: no other request may resume it meanwhile; a refusal leaves it where it was.
    const moving = command === 'nnet.gotoStep' ? this.stopped : null;
    if (moving) this.stopped = null;
    try {
      const body = await customReply(command, args, this.requests);
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
    this.worker?.post(msg);
    if (msg.kind === 'continue') this.progress.startTraining(path.basename(this.program));
  }

  private onWorkerMessage(m: WorkerToHost): void {
    switch (m.kind) {
      case 'started':
        this.sendCustom('nnet.started', { layerNames: m.layerNames, program: this.program });
        this.sendEvent(startedEvent(m, this.program));
        return;
      case 'progress': {
        this.sendCustom('nnet.progress', { progress: m.progress, paused: null });
        this.progress.training(m.progress);
        return;
      }
      case 'stopped': {
        this.progress.end();
        this.stopped = m;
        this.refs.reset();
        this.sendCustom('nnet.progress', { progress: m.progress, paused: m.location });
        this.sendCustom('nnet.stopped', { network: m.network, location: m.location });
        if (m.notice) this.sendEvent(new OutputEvent(`${m.notice}\n`, 'console'));
        this.sendEvent(stoppedEvent(m));
        return;
      }
      case 'log':
        this.logger.log(m.level, m.message);
        return;
      case 'logpoint': {
        this.sendEvent(logpointEvent(m, this.program));
        return;
      }
      case 'breakpointProblem': {
        this.sendEvent(breakpointProblemEvent(m));
        return;
      }
      case 'replayProgress': {
        this.progress.replay(m);
        return;
      }
      case 'reply':
        return; // handled by WorkerRequests
      case 'finished':
        // A run that ends between two progress messages: the views show where it ended, not the last sample.
        this.sendCustom('nnet.progress', { progress: m.progress, paused: null });
        this.end(m.summary, null, 0, m.findings);
        return;
      case 'error':
        this.end('', m.message, m.line, m.findings);
        return;
      default:
        assertNever(m);
    }
  }

  /** After Set Value: ask the worker for a fresh stop view and tell the client to refresh. */
  private refreshStop(): void {
    this.sendEvent(new InvalidatedEvent(['variables']) as DebugProtocol.InvalidatedEvent);
  }

  private parseLimits(): ParseLimits {
    return parseLimitsOf(this.settings);
  }

  private allBreakpoints(): BreakpointSpec[] {
    return [...this.lineBreakpoints, ...this.functionBreakpoints];
  }

  private sendBreakpoints(): void {
    this.worker?.post({ kind: 'setBreakpoints', breakpoints: this.allBreakpoints() });
  }

  private end(summary: string, error: string | null, line: number, findings?: readonly Finding[]): void {
    if (this.ended) return;
    this.ended = true;
    this.stopped = null;
    this.progress.end();
    if (summary) this.sendEvent(new OutputEvent(`${summary}\n`, 'console'));
    if (error) this.log('warn', `training stopped: ${error}`);
    if (error) this.sendEvent(new OutputEvent(`${error}\n`, 'stderr'));
    this.sendCustom('nnet.ended', { summary, error, line, ...(findings ? { findings } : {}) });
    this.sendEvent(new TerminatedEvent());
    this.requests?.rejectAll('training ended');
    this.worker?.dispose();
    this.worker = null;
  }

  private sendCustom<K extends NnetCustomEventName>(name: K, body: NnetCustomEvents[K]): void {
    // DAP JSON: numbers JSON would lose are spelled out; customEvents.ts decodes them on the extension's side.
    this.sendEvent(new Event(name, encodeDap(body)));
  }
}
