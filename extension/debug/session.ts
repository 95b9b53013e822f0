// The nnet debug session: a flat list of DAP request handlers that translate between the Debug Adapter Protocol
// and the engine worker. Runs inline in the extension host or standalone (debugAdapter.ts) on stdio.

import {
  Breakpoint,
  BreakpointEvent,
  Event,
  Handles,
  InitializedEvent,
  InvalidatedEvent,
  LoggingDebugSession,
  OutputEvent,
  ProgressEndEvent,
  ProgressStartEvent,
  ProgressUpdateEvent,
  Response,
  Scope,
  Source,
  StackFrame,
  StoppedEvent,
  TerminatedEvent,
  Thread,
  type ErrorDestination,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import path from 'node:path';
import { compile } from '../../engine/expr/evaluate';
import { readTextFileAsync } from '../../engine/data/filesAsync';
import { LIMITS, type NetworkSpec } from '../../engine/language/spec';
import { flattenLayers } from '../../engine/nn/model';
import { formatExact, formatSummary } from '../../engine/nn/tensor';
import { notComputed } from '../../engine/runtime/eventState';
import {
  EXCEPTION_FILTERS,
  assertNever,
  type BreakpointSpec,
  type CompletionTarget,
  type ExceptionFilter,
  type ExceptionFilterId,
  type ParseLimits,
  type StepKind,
  type WorkerToHost,
} from '../../debugger/protocol';
import { silentLogger, thresholdOf, traceLine, type Logger, type LogLevel } from '../../debugger/log';
import { DEFAULT_SETTINGS, parseLimitsOf, sessionSettings, type NnetSettings, type SessionSettings } from '../settings';
import { WorkerRequests } from '../../debugger/requests';
import { WorkerClient } from '../../debugger/workerClient';
import { DataFileCache } from '../language/dataFileCache';
import { parseWithDataFiles } from '../language/parseCache';
import { hitConditionProblem } from '../../debugger/stopRules';
import { resolveBreakpoints } from './breakpoints';
import { checkGradientsRequest, type CheckGradientsHost } from './checkGradients';
import { tensorJson, type NnetCustomEventName, type NnetCustomEvents, type NnetCustomRequests } from './customEvents';
import { requestProblem } from './validate';
import { tensorChildren, tensorVariable, type TensorRef } from './variables';

/** Arguments of a `launch` request of type `nnet`. */
export interface NnetLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** Absolute path of the .nnet file. */
  program: string;
  stopOnEntry?: boolean;
  /** Memory for Step Back history, in megabytes (default 256). */
  historyMB?: number;
  /** Folder CSV data files must lie in (default: the .nnet file's folder; the extension passes the workspace folder). */
  dataRoot?: string;
  /** Log DAP traffic at trace level. */
  trace?: boolean;
  /** Per-session overrides of the settings of the same name (the extension fills in the rest from the settings). */
  vanishingRatio?: number;
  vanishingFloor?: number;
  explodingNorm?: number;
  deadReluShare?: number;
  maxCsvMB?: number;
  memoryBudgetMB?: number;
}

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

/** An exception filter as the client set it: its threshold, or null for the setting's default. */
interface RequestedFilter {
  readonly id: ExceptionFilterId;
  readonly threshold: number | null;
}

const THREAD_ID = 1;
/** Expression names of the Training scope's rows, so Watch and Copy as Expression work on them. */
const SCALAR_NAMES: Readonly<Record<string, string>> = {
  lr: 'lr',
  loss: 'loss',
  step: 'step',
  epoch: 'epoch',
  'grad norm before clip': 'grad_norm',
  'grad norm after clip': 'grad_norm_clipped',
  'clip coefficient': 'clip_coef',
  'previous step loss': 'prev.loss',
  'batch size': 'batch_size',
};
type Stopped = Extract<WorkerToHost, { kind: 'stopped' }>;
/** What a variables reference stands for. */
type VarRef =
  | { kind: 'layer' }
  | { kind: 'network' }
  | { kind: 'training' }
  | { kind: 'batch' }
  | { kind: 'node'; index: number }
  | { kind: 'tensor'; ref: TensorRef }
  | { kind: 'lazy'; path: string };

export class NnetDebugSession extends LoggingDebugSession {
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
  private tracing: boolean;
  private readonly logger: Logger;
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
  /** Sequence numbers of requests whose async handler has not answered yet. */
  private readonly unanswered = new Set<number>();
  /** setBreakpoints requests, answered in order (each reads its file without blocking); launch waits for them. */
  private breakpointsSet: Promise<void> = Promise.resolve();
  private clientProgress = false;
  private progressId: string | null = null;

  constructor(private readonly options: NnetSessionOptions = {}) {
    super();
    this.logger = options.log ?? silentLogger;
    this.settings = sessionSettings({}, () => undefined, options.settings ?? DEFAULT_SETTINGS);
    this.tracing = options.trace === true;
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

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
        pending = this.breakpointsSet.then(() =>
          this.setBreakPointsRequest(response as DebugProtocol.SetBreakpointsResponse, args),
        );
        this.breakpointsSet = pending.catch(() => {
          /* answered by reportInternalError below */
        });
        break;
      default:
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

  private log(level: LogLevel, message: string): void {
    this.logger.log(level, `debug adapter: ${message}`);
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
    this.clientProgress = !!args.supportsProgressReporting;
    response.body = {
      ...response.body,
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
        default: false,
        // Constant text: VS Code forgets which filters the user ticked when a new session declares them differently.
        supportsCondition: id !== 'nan',
        conditionDescription: 'threshold (default: the nnet.exceptions setting)',
      })),
    };
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
    const resolved = resolveBreakpoints(
      spec,
      requested.map((b) => b.line),
      firstError,
    );
    const specs: BreakpointSpec[] = [];
    response.body = {
      breakpoints: resolved.map((r, i) => {
        const req = requested[i];
        const problem = checkBreakpointExpressions(req.condition, req.hitCondition, req.logMessage);
        const id = this.nextBreakpointId++;
        const verified = r.verified && !problem;
        const bp: DebugProtocol.Breakpoint = {
          ...new Breakpoint(verified, r.line, undefined, new Source(path.basename(file), file)),
          id,
        };
        const message = problem ?? r.message;
        if (message) bp.message = message;
        const phases: ('forward' | 'backward')[] | undefined =
          req.mode === 'forward' || req.mode === 'backward' ? [req.mode] : undefined;
        if (verified)
          specs.push({
            id,
            nodes: r.nodes,
            phases,
            condition: req.condition,
            hitCondition: req.hitCondition,
            logMessage: req.logMessage,
          });
        return bp;
      }),
    };
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
    const nodes = this.spec ? flattenLayers(this.spec.inputSize, this.spec.layers).nodes : null;
    const specs: BreakpointSpec[] = [];
    const result = this.functionRequests.map((b): DebugProtocol.Breakpoint => {
      if (!nodes) return { id: b.id, verified: false, message: 'Resolved when training starts' };
      // A layer name, or the base name of a repeated layer (`h` matches h_1 … h_N).
      const matches = nodes.flatMap((n, i) => (n.name === b.name || n.name.replace(/_\d+$/, '') === b.name ? [i] : []));
      const problem = checkBreakpointExpressions(b.condition, b.hitCondition, undefined);
      const verified = matches.length > 0 && !problem;
      if (verified) specs.push({ id: b.id, nodes: matches, condition: b.condition, hitCondition: b.hitCondition });
      const line = matches.length ? nodes[matches[0]].line + 1 : undefined;
      return {
        id: b.id,
        verified,
        line,
        source: line ? new Source(path.basename(this.program), this.program) : undefined,
        message: problem ?? (matches.length ? undefined : `No layer named '${b.name}'`),
      };
    });
    this.functionBreakpoints = specs;
    this.sendBreakpoints();
    return result;
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    const options: DebugProtocol.ExceptionFilterOptions[] = [
      ...(args.filterOptions ?? []),
      ...args.filters
        .filter((f) => !args.filterOptions?.some((o) => o.filterId === f))
        .map((filterId) => ({ filterId })),
    ];
    const filters: RequestedFilter[] = [];
    const results: DebugProtocol.Breakpoint[] = [];
    for (const o of options) {
      if (!Object.hasOwn(EXCEPTION_FILTERS, o.filterId)) {
        results.push({ verified: false, message: `unknown filter '${o.filterId}'` });
        continue;
      }
      const id = o.filterId as ExceptionFilterId;
      const text = o.condition?.trim();
      const threshold = text ? Number(text) : null;
      if (threshold !== null && (!Number.isFinite(threshold) || threshold < 0)) {
        results.push({
          verified: false,
          message: `the condition of '${EXCEPTION_FILTERS[id].label}' is a threshold, a number ≥ 0; '${text}' is not`,
        });
        continue;
      }
      filters.push({ id, threshold });
      results.push({ verified: true });
    }
    this.requestedFilters = filters;
    this.worker?.post({ kind: 'setExceptionFilters', filters: this.exceptionFilters() });
    response.body = { breakpoints: results };
    this.sendResponse(response);
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
    // launch.json attributes override the settings for this session; a bad one is reported and the setting used.
    this.settings = sessionSettings(
      args as unknown as Record<string, unknown>,
      (m) => this.log('warn', m),
      this.options.settings ?? DEFAULT_SETTINGS,
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
    // Only a regular file of bounded size: a FIFO would block the adapter forever. Read without blocking: inline,
    // the adapter runs on the extension host's thread.
    const read = await readTextFileAsync(this.program, LIMITS.maxSourceBytes);
    if ('error' in read)
      return this.sendErrorResponse(response, {
        id: 3001,
        format: `Cannot start training: ${read.error}`,
        showUser: true,
      });
    const source = read.text;
    const limits = this.parseLimits();
    const { spec, diagnostics } = (
      await parseWithDataFiles(
        source,
        { kind: 'disk', id: '', file: this.program, root: args.dataRoot },
        dataFiles,
        [],
        limits,
      )
    ).result;
    // The worker starts with every breakpoint the client has set so far.
    await this.breakpointsSet;
    if (this.ended)
      return this.sendErrorResponse(response, {
        id: 3006,
        format: 'The debug session ended before training started',
        showUser: false,
      });
    const first = diagnostics.find((d) => d.severity === 'error');
    if (!spec) {
      const where = first
        ? `${path.basename(this.program)}:${first.range.line + 1}: ${first.message}`
        : 'the file has errors';
      return this.sendErrorResponse(response, { id: 3002, format: `Cannot start training: ${where}`, showUser: true });
    }
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
      exceptionFilters: debug ? this.exceptionFilters() : [],
      historyBytes: s.historyMB * 1024 * 1024,
      limits,
      logLevel: thresholdOf(this.logger),
    });
    this.sendResponse(response);
    this.startProgress();
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD_ID, `training ${this.spec?.name ?? ''}`.trim())] };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse): void {
    const s = this.stopped;
    const frames: StackFrame[] = [];
    if (s) {
      const loc = s.location,
        source = new Source(path.basename(this.program), this.program);
      const where = `step ${loc.step + 1} · epoch ${loc.epoch + 1}`;
      const next = `${loc.phase}${loc.layer >= 0 || s.exception ? ` ${loc.layerName}` : ''}`;
      // At entry nothing has run: the frame names the event that comes next, not one that happened.
      const event = s.reason === 'entry' ? `entry (before ${next})` : next;
      if (s.subStep)
        frames.push(
          new StackFrame(2, `${s.subStep.formula}  (${s.subStep.index + 1}/${s.subStep.count})`, source, loc.line, 1),
        );
      frames.push(new StackFrame(1, `${event} · ${where}`, source, loc.line, 1));
    }
    response.body = { stackFrames: frames, totalFrames: frames.length };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse): void {
    const loc = this.stopped?.location;
    const title = !loc
      ? 'Layer'
      : loc.layer >= 0
        ? `Layer ${loc.layerName} (${loc.phase})`
        : loc.phase === 'loss'
          ? 'Loss'
          : loc.phase === 'clip'
            ? 'Gradients'
            : 'Parameters';
    response.body = {
      scopes: [
        new Scope(
          this.stopped?.subStep ? `${title}: ${this.stopped.subStep.formula}` : title,
          this.refs.create({ kind: 'layer' }),
          false,
        ),
        new Scope('Network', this.refs.create({ kind: 'network' }), false),
        new Scope('Training', this.refs.create({ kind: 'training' }), false),
        new Scope('Batch', this.refs.create({ kind: 'batch' }), false),
      ],
    };
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
      if (s && ref) variables = await this.variablesOf(s, ref, args);
    } catch (e) {
      return this.sendErrorResponse(response, { id: 3010, format: (e as Error).message, showUser: false });
    }
    response.body = { variables };
    this.sendResponse(response);
  }

  private async variablesOf(
    s: Stopped,
    ref: VarRef,
    args: DebugProtocol.VariablesArguments,
  ): Promise<DebugProtocol.Variable[]> {
    const tensorVar = (t: Stopped['tensors'][number]) =>
      tensorVariable(t, this.refs.create({ kind: 'tensor', ref: { tensor: t, row: null } }));
    const lazy = (name: string, p: string, value: string): DebugProtocol.Variable => ({
      name,
      value,
      evaluateName: p,
      variablesReference: this.refs.create({ kind: 'lazy', path: p }),
    });
    switch (ref.kind) {
      case 'layer':
        return s.tensors.map(tensorVar);
      case 'training':
        return s.scalars.map((x) => ({
          name: x.name,
          value: x.pending ? notComputed(x.pending) : formatExact(x.value),
          evaluateName: SCALAR_NAMES[x.name],
          variablesReference: 0,
        }));
      case 'network':
        return s.network.map((n, index) => ({
          name: n.name,
          value: `${n.kind} · a ${n.output}${n.gradNorm !== null ? ` · ‖∇W‖ ${formatSummary(n.gradNorm)}` : n.gradPending ? ` · ‖∇W‖ ${notComputed(n.gradPending)}` : ''}`,
          variablesReference: this.refs.create({ kind: 'node', index }),
        }));
      case 'batch': {
        const b = s.batchPending;
        const item = (name: 'x' | 'y' | 'yhat', what: string) => {
          const p = b[name];
          return p
            ? { name, value: notComputed(p), evaluateName: name, variablesReference: 0 }
            : lazy(name, name, what);
        };
        return [item('x', 'batch inputs'), item('y', 'targets'), item('yhat', 'outputs ŷ')];
      }
      case 'node': {
        const n = s.network[ref.index];
        return n.paths.map((p) => {
          const name = p.slice(p.indexOf('.') + 1),
            pending = n.pending[p];
          return pending
            ? { name, value: notComputed(pending), evaluateName: p, variablesReference: 0 }
            : lazy(name, p, '');
        });
      }
      case 'lazy': {
        let r: Awaited<ReturnType<WorkerRequests['ask']>>;
        try {
          r = await this.requests!.ask({ kind: 'tensor', path: ref.path });
        } catch (e) {
          return [{ name: 'value', value: (e as Error).message, variablesReference: 0 }];
        }
        if (!r.tensor) return [{ name: 'value', value: r.text, variablesReference: 0 }];
        return tensorChildren(
          { tensor: r.tensor, row: null },
          (child) => this.refs.create({ kind: 'tensor', ref: child }),
          args.start ?? 0,
          args.count || undefined,
        );
      }
      case 'tensor':
        return tensorChildren(
          ref.ref,
          (child) => this.refs.create({ kind: 'tensor', ref: child }),
          args.start ?? 0,
          args.count || undefined,
        );
    }
  }

  protected override async setVariableRequest(
    response: DebugProtocol.SetVariableResponse,
    args: DebugProtocol.SetVariableArguments,
  ): Promise<void> {
    const ref = this.refs.get(args.variablesReference);
    let target: string | null = null;
    if (ref?.kind === 'training' && args.name === 'lr') target = 'lr';
    else if (ref?.kind === 'tensor') {
      const { tensor, row } = ref.ref;
      target = `${tensor.path}${row !== null ? `[${row}]` : ''}${args.name}`;
    }
    if (!target || !this.requests)
      return this.sendErrorResponse(response, {
        id: 3020,
        format: 'Only lr and single entries of parameter tensors (W, b, γ, β) can be set',
        showUser: true,
      });
    try {
      const r = await this.requests.ask({ kind: 'setValue', path: target, value: args.value });
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
      const r = await this.requests.ask({ kind: 'evaluate', expression: args.expression });
      const t = r.tensor;
      response.body = t
        ? {
            result: r.text,
            variablesReference: this.refs.create({ kind: 'tensor', ref: { tensor: t, row: null } }),
            indexedVariables: t.shape.length === 2 ? t.shape[0] : t.values.length,
          }
        : { result: r.text, variablesReference: 0 };
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
        items =
          (await this.requests.ask({ kind: 'completions', text: args.text, offset: args.column - 1 })).items ?? [];
    } catch {
      /* no completions is an acceptable answer */
    }
    // DAP columns are 1-based here (columnsStartAt1), so `start` converts back.
    response.body = {
      targets: items.map((c) => ({
        label: c.label,
        text: c.label,
        start: c.start + 1,
        length: c.length,
        type:
          c.type === 'function'
            ? 'function'
            : c.type === 'keyword'
              ? 'keyword'
              : c.type === 'property'
                ? 'property'
                : 'variable',
      })),
    };
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const e = this.stopped?.exception;
    response.body = e
      ? // VS Code titles the exception widget "Exception has occurred: <exceptionId>", so the id is the readable label.
        {
          exceptionId: EXCEPTION_FILTERS[e.filter].label,
          description: e.description,
          breakMode: 'always',
          details: { message: e.description, typeName: e.filter },
        }
      : { exceptionId: 'none', description: 'Not stopped on an exception', breakMode: 'never' };
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
    const id: unknown = args?.progressId;
    if (typeof id === 'string' && id === this.progressId) this.worker?.post({ kind: 'pause' });
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
    this.endProgress();
    this.killWorker();
    this.sendResponse(response);
  }

  protected override async customRequest(
    command: string,
    response: DebugProtocol.Response,
    args: unknown,
  ): Promise<void> {
    if (command === 'nnet.checkGradients') return checkGradientsRequest(this.checkGradientsHost(), response, args);
    if (command !== 'nnet.layerDetail') return super.customRequest(command, response, args);
    if (!this.requests || !this.stopped)
      return this.sendErrorResponse(response, {
        id: 3030,
        format: 'The layer can be inspected only while paused',
        showUser: false,
      });
    const a = (typeof args === 'object' && args !== null ? args : {}) as Record<string, unknown>;
    const layer = typeof a.layer === 'string' ? a.layer : null;
    const step = typeof a.step === 'number' && Number.isInteger(a.step) && a.step >= 1 ? a.step : null;
    const maxValues =
      typeof a.maxValues === 'number' &&
      Number.isInteger(a.maxValues) &&
      a.maxValues >= 1 &&
      a.maxValues <= MAX_LAYER_VALUES
        ? a.maxValues
        : undefined;
    try {
      const d = (await this.requests.ask({ kind: 'layerDetail', layer, step, maxValues })).layer;
      if (!d) throw new Error('the worker sent no layer');
      const body: NnetCustomRequests['nnet.layerDetail']['body'] = {
        ...d,
        tensors: d.tensors.map(tensorJson),
        optimizer: d.optimizer && { ...d.optimizer, tensors: d.optimizer.tensors.map(tensorJson) },
      };
      response.body = body;
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, { id: 3031, format: (e as Error).message, showUser: false });
    }
  }

  private checkGradientsHost(): CheckGradientsHost {
    return {
      requests: this.requests,
      paused: this.stopped !== null,
      send: (r) => this.sendResponse(r),
      fail: (r, id, format) => this.sendErrorResponse(r, { id, format, showUser: false }),
      print: (text, line) => {
        const out: DebugProtocol.OutputEvent = new OutputEvent(`${text}\n`, 'console');
        out.body.source = new Source(path.basename(this.program), this.program);
        out.body.line = line;
        this.sendEvent(out);
      },
    };
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
    if (msg.kind === 'continue') this.startProgress();
  }

  private onWorkerMessage(m: WorkerToHost): void {
    switch (m.kind) {
      case 'started':
        this.sendCustom('nnet.started', { layerNames: m.layerNames, program: this.program });
        this.sendEvent(
          new OutputEvent(
            `Training ${path.basename(this.program)}: ${m.layerNames.length} weighted layers, ${m.parameterCount} parameters, ${m.epochs} epochs\n`,
            'console',
          ),
        );
        return;
      case 'progress': {
        this.sendCustom('nnet.progress', { progress: m.progress, paused: null });
        const p = m.progress;
        if (this.progressId)
          this.sendEvent(
            new ProgressUpdateEvent(
              this.progressId,
              `epoch ${p.epoch}/${p.epochs} · loss ${formatSummary(p.loss)}`,
            ) as DebugProtocol.ProgressUpdateEvent,
          );
        return;
      }
      case 'stopped': {
        this.endProgress();
        this.stopped = m;
        this.refs.reset();
        this.sendCustom('nnet.progress', { progress: m.progress, paused: m.location });
        this.sendCustom('nnet.stopped', { network: m.network, location: m.location });
        if (m.notice) this.sendEvent(new OutputEvent(`${m.notice}\n`, 'console'));
        const ev: DebugProtocol.StoppedEvent = new StoppedEvent(m.reason, THREAD_ID, m.exception?.description);
        ev.body.description = m.exception
          ? m.exception.description
          : `Paused on ${m.location.phase} ${m.location.layerName}${m.subStep ? `: ${m.subStep.formula}` : ''}`;
        if (m.hitBreakpointIds.length) ev.body.hitBreakpointIds = [...m.hitBreakpointIds];
        this.sendEvent(ev);
        return;
      }
      case 'log':
        this.logger.log(m.level, m.message);
        return;
      case 'logpoint': {
        const out: DebugProtocol.OutputEvent = new OutputEvent(`${m.message}\n`, 'console');
        out.body.source = new Source(path.basename(this.program), this.program);
        out.body.line = m.line;
        this.sendEvent(out);
        return;
      }
      case 'breakpointProblem': {
        // The worker knows the network's names: a condition naming something else can never be true.
        const bp: DebugProtocol.Breakpoint = { id: m.id, verified: false, message: m.message };
        this.sendEvent(new BreakpointEvent('changed', bp) as DebugProtocol.BreakpointEvent);
        return;
      }
      case 'replayProgress': {
        const percentage = m.total > 0 ? Math.min(100, (100 * m.done) / m.total) : undefined;
        const message = `${m.done.toLocaleString('en-US')} of ${m.total.toLocaleString('en-US')} events replayed · step ${m.step + 1}`;
        if (!this.clientProgress) return;
        if (!this.progressId) {
          this.progressId = `nnet-replay-${Date.now()}`;
          const start: DebugProtocol.ProgressStartEvent = new ProgressStartEvent(
            this.progressId,
            `${m.title}: replaying from a checkpoint`,
            message,
          );
          start.body.cancellable = true;
          if (percentage !== undefined) start.body.percentage = percentage;
          this.sendEvent(start);
        } else {
          const update: DebugProtocol.ProgressUpdateEvent = new ProgressUpdateEvent(this.progressId, message);
          if (percentage !== undefined) update.body.percentage = percentage;
          this.sendEvent(update);
        }
        return;
      }
      case 'reply':
        return; // handled by WorkerRequests
      case 'finished':
        // A run that ends between two progress messages: the views show where it ended, not the last sample.
        this.sendCustom('nnet.progress', { progress: m.progress, paused: null });
        this.end(m.summary, null, 0);
        return;
      case 'error':
        this.end('', m.message, m.line);
        return;
      default:
        assertNever(m);
    }
  }

  /** After Set Value: ask the worker for a fresh stop view and tell the client to refresh. */
  private refreshStop(): void {
    this.sendEvent(new InvalidatedEvent(['variables']) as DebugProtocol.InvalidatedEvent);
  }

  /** A filter's threshold when the client gave none: the setting (or launch attribute). */
  private defaultThreshold(id: ExceptionFilterId): number {
    const s = this.settings;
    switch (id) {
      case 'nan':
        return EXCEPTION_FILTERS.nan.defaultThreshold;
      case 'exploding':
        return s.explodingNorm;
      case 'vanishing':
        return s.vanishingRatio;
      case 'deadRelu':
        return s.deadReluShare;
      default:
        return assertNever(id);
    }
  }

  /** The filters the client enabled, with the settings filled in where it gave no threshold. */
  private exceptionFilters(): ExceptionFilter[] {
    return this.requestedFilters.map((f) => {
      const threshold = f.threshold ?? this.defaultThreshold(f.id);
      return f.id === 'vanishing'
        ? { id: f.id, threshold, floor: this.settings.vanishingFloor }
        : { id: f.id, threshold };
    });
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

  private startProgress(): void {
    if (!this.clientProgress || this.progressId) return;
    this.progressId = `nnet-${Date.now()}`;
    this.sendEvent(
      new ProgressStartEvent(
        this.progressId,
        `Training ${path.basename(this.program)}`,
      ) as DebugProtocol.ProgressStartEvent,
    );
  }

  private endProgress(): void {
    if (!this.progressId) return;
    this.sendEvent(new ProgressEndEvent(this.progressId) as DebugProtocol.ProgressEndEvent);
    this.progressId = null;
  }

  private end(summary: string, error: string | null, line: number): void {
    if (this.ended) return;
    this.ended = true;
    this.stopped = null;
    this.endProgress();
    if (summary) this.sendEvent(new OutputEvent(`${summary}\n`, 'console'));
    if (error) this.log('warn', `training stopped: ${error}`);
    if (error) this.sendEvent(new OutputEvent(`${error}\n`, 'stderr'));
    this.sendCustom('nnet.ended', { summary, error, line });
    this.sendEvent(new TerminatedEvent());
    this.requests?.rejectAll('training ended');
    this.worker?.dispose();
    this.worker = null;
  }

  private sendCustom<K extends NnetCustomEventName>(name: K, body: NnetCustomEvents[K]): void {
    this.sendEvent(new Event(name, body));
  }
}

/** Most values per tensor the Layer Inspector may ask for (the largest nnet.inspector.maxTensorValues). */
const MAX_LAYER_VALUES = 1 << 21;

/** CSV files the sessions read, by stamp: a breakpoint change does not read the data again. */
const dataFiles = new DataFileCache();

/** Parses the file at `file` for breakpoint placement, without blocking; never throws. */
async function readSpec(file: string, limits: ParseLimits): Promise<{ spec: NetworkSpec | null; firstError?: string }> {
  const read = await readTextFileAsync(file, LIMITS.maxSourceBytes);
  if ('error' in read) return { spec: null, firstError: read.error };
  const r = (await parseWithDataFiles(read.text, { kind: 'disk', id: '', file }, dataFiles, [], limits)).result;
  const e = r.diagnostics.find((d) => d.severity === 'error');
  return { spec: r.spec, firstError: e ? `line ${e.range.line + 1}: ${e.message}` : undefined };
}

/** A message for a condition, hit condition or log message that cannot work; undefined when all are fine. */
function checkBreakpointExpressions(
  condition?: string,
  hitCondition?: string,
  logMessage?: string,
): string | undefined {
  try {
    if (condition) compile(condition);
  } catch (e) {
    return `Condition: ${(e as Error).message}`;
  }
  const hitProblem = hitCondition ? hitConditionProblem(hitCondition) : undefined;
  if (hitProblem) return `Hit count: ${hitProblem}`;
  if (logMessage) {
    for (const m of logMessage.matchAll(/\{([^{}]*)\}/g)) {
      try {
        compile(m[1]);
      } catch (e) {
        return `Log message {${m[1]}}: ${(e as Error).message}`;
      }
    }
  }
  return undefined;
}
