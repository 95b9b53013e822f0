// The PyTorch debug session: a flat list of DAP request handlers that translate between the Debug Adapter Protocol
// and a PyTorch script run under nnet's probe (debugger/pytorch/probeRun.ts). Threads are ranks; a stop shows one
// module's forward or backward. Runs inline in the extension host or standalone (pytorchDebugAdapter.ts).

import {
  BreakpointEvent,
  ContinuedEvent,
  Event,
  Handles,
  InitializedEvent,
  OutputEvent,
  Source,
  StackFrame,
  Thread,
  ThreadEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import fs from 'node:fs/promises';
import path from 'node:path';
import { formatError, formatValue } from '../../../engine/expr/format';
import { ExprError, isTensor } from '../../../engine/expr/values';
import {
  assertNever,
  EXCEPTION_FILTERS,
  type ExceptionFilter,
  type ExceptionFilterId,
  type Progress,
} from '../../../debugger/protocol';
import type { Logger } from '../../../debugger/log';
import { placeFunction, placeLine } from '../../../debugger/pytorch/placement';
import { ProbeRun, type RunBreakpoint, type RunNotice, type RunStop } from '../../../debugger/pytorch/probeRun';
import { progressAtStop, withRanks } from '../../../debugger/pytorch/progress';
import { PYTORCH_FILTERS } from '../../../debugger/pytorch/stepFilters';
import type { PythonFound } from '../../python';
import { sessionSettings, type NnetSettings } from '../../settings';
import { checkBreakpointExpressions } from '../breakpoints';
import { exceptionFilters, requestedFilters } from '../exceptionFilters';
import { GuardedSession } from '../guardedSession';
import { tensorChildren, type TensorRef } from '../variables';
import { NO_STEP_BACK, pytorchCapabilities } from './capabilities';
import { checkAttach, checkLaunch } from './launch';
import {
  dapBreakpoint,
  expressions,
  frameName,
  outputAt,
  ptStoppedEvent,
  scriptErrorEvent,
  stopLocation,
  threadOf,
  valid,
  type ScriptError,
} from './stops';
import { moduleVariables, ptScopes, runVariables, tensorVariables, type PtVarRef } from './variables';

export type { PyTorchAttachArguments, PyTorchLaunchArguments } from './launch';

/** What a PyTorch session needs from its host. */
export interface PyTorchSessionOptions {
  /** Where the session logs (the nnet output channel inline, stderr standalone). */
  readonly log: Logger;
  /** The doctor's thresholds for the exception filters. */
  readonly settings: NnetSettings;
  /** The folder holding the `nnet_probe` package (put on PYTHONPATH). */
  readonly probeDir: string;
  /** Finds the interpreter with torch: the launch's `python`, else the defaults (extension/python.ts). */
  readonly findPython: (configured: string | undefined) => Promise<PythonFound>;
}

/** A variables reference: a probe tensor (or a row), a scope, or an evaluation's tensor held here. */
type VarRef = PtVarRef | { readonly kind: 'local'; readonly ref: TensorRef };

/** Thread ids are ranks + 1 (DAP clients treat 0 as no thread). */

/** A requested line breakpoint, kept to place it again when the modules are known. */
type LineRequest = RunBreakpoint & { line: number; problem?: string };
type FunctionRequest = RunBreakpoint & { name: string; problem?: string };

/** A debug session over one PyTorch script (one or many ranks). */
export class PyTorchDebugSession extends GuardedSession {
  /** The host's services, read by launch. */
  protected readonly options: PyTorchSessionOptions;
  private run: ProbeRun | null = null;
  private program = '';
  /** Started by `attach`: the probes are the user's processes. */
  private attached = false;
  private stopRank = 0;
  private nextBreakpointId = 1;
  private readonly lineRequests = new Map<string, LineRequest[]>();
  private functionRequests: FunctionRequest[] = [];
  private filters: ExceptionFilter[] = [];
  private refs = new Handles<VarRef>(1);
  private readonly lastProgress = new Map<number, Progress>();
  private launched = false;
  private ended = false;

  constructor(options: PyTorchSessionOptions) {
    super(options.log, false);
    this.options = options;
  }

  /** Ends the run with the session, however the session ends. */
  override dispose(): void {
    this.run?.dispose();
    this.run = null;
    super.dispose();
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = { ...response.body, ...pytorchCapabilities() };
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.markConfigured();
    this.sendResponse(response);
  }

  protected override async launchRequest(
    response: DebugProtocol.LaunchResponse,
    raw: DebugProtocol.LaunchRequestArguments,
  ): Promise<void> {
    const fail = (message: string) => this.sendErrorResponse(response, { id: 3300, format: message, showUser: true });
    if (this.launched) return fail('this session has already launched its script');
    const a = checkLaunch(raw as Record<string, unknown>);
    if (!a.ok) return fail(a.message);
    const stat = await fs.stat(a.program).catch(() => null);
    if (!stat?.isFile()) return fail(`cannot debug ${a.program}: no such file`);
    const cwdStat = await fs.stat(a.cwd).catch(() => null);
    if (!cwdStat?.isDirectory()) return fail(`cannot debug ${path.basename(a.program)}: no folder ${a.cwd} (cwd)`);
    const python = await this.options.findPython(a.python);
    if (!('path' in python)) return fail(python.message);
    this.launched = true;
    this.program = a.program;
    this.stopRank = a.rank;
    const run = this.newRun(a.rank, a.stopOnEntry);
    this.sendEvent(
      new OutputEvent(
        `Debugging ${path.basename(a.program)} with PyTorch ${python.torch} (${python.path})${a.nproc > 1 ? ` on ${a.nproc} processes, breakpoints on rank ${a.rank}` : ''}\n(no Step Back: ${NO_STEP_BACK})\n`,
        'console',
      ),
    );
    try {
      await run.start({
        python: python.path,
        probeDir: this.options.probeDir,
        program: a.program,
        args: a.args,
        cwd: a.cwd,
        env: a.env,
        nproc: a.nproc,
      });
    } catch (e) {
      this.run = null;
      run.dispose();
      return fail(`cannot start the probe: ${(e as Error).message}`);
    }
    this.sendResponse(response);
    // The ranks wait for their first `arm`, sent once the client has set its breakpoints.
    void this.configured.then(() => this.run?.configurationDone());
  }

  /** A run with the breakpoints and filters the client set before launch/attach, its notices translated. */
  private newRun(rank: number, stopOnEntry: boolean): ProbeRun {
    const run = new ProbeRun(this.options.log, rank, stopOnEntry);
    this.run = run;
    run.onDidNotice((n) => this.notice(n));
    for (const [file, reqs] of this.lineRequests) run.setLineBreakpoints(file, valid(reqs));
    run.setFunctionBreakpoints(valid(this.functionRequests));
    run.setExceptionFilters(this.filters);
    return run;
  }

  protected override async attachRequest(
    response: DebugProtocol.AttachResponse,
    raw: DebugProtocol.AttachRequestArguments,
  ): Promise<void> {
    const fail = (message: string) => this.sendErrorResponse(response, { id: 3301, format: message, showUser: true });
    if (this.launched) return fail('this session has already started');
    const a = checkAttach(raw as Record<string, unknown>);
    if (!a.ok) return fail(a.message);
    this.launched = true;
    this.attached = true;
    this.stopRank = a.rank;
    const run = this.newRun(a.rank, a.stopOnEntry);
    let env: Readonly<Record<string, string>>;
    try {
      env = await run.attach(a.port);
    } catch (e) {
      this.run = null;
      run.dispose();
      return fail(`cannot listen for the probe on port ${a.port}: ${(e as Error).message}`);
    }
    const vars = Object.entries({ PYTHONPATH: this.options.probeDir, ...env })
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    this.sendEvent(
      new OutputEvent(
        `Waiting for the probe. In a terminal, run your script under it:\n  ${vars} python3 -m nnet_probe train.py [args…]\n(add --nproc N for N processes; the token is this session's own)\n`,
        'console',
      ),
    );
    this.sendResponse(response);
    void this.configured.then(() => this.run?.configurationDone());
  }

  protected override async setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): Promise<void> {
    const file = path.resolve(args.source.path ?? '');
    const reqs: LineRequest[] = (args.breakpoints ?? []).map((b) => ({
      id: this.nextBreakpointId++,
      line: b.line,
      ...expressions(b),
      ...(b.mode === 'forward' || b.mode === 'backward' ? { phases: [b.mode] } : {}),
      problem: checkBreakpointExpressions(b.condition, b.hitCondition, b.logMessage),
    }));
    this.lineRequests.set(file, reqs);
    const placed = this.run?.setLineBreakpoints(file, valid(reqs));
    let k = 0;
    const modules = this.run?.moduleList ?? null;
    response.body = {
      breakpoints: reqs.map((r) =>
        dapBreakpoint(
          r.id,
          r.problem ? placeLine(file, r.line, null) : (placed?.[k++] ?? placeLine(file, r.line, modules)),
          file,
          r.problem,
        ),
      ),
    };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(
    response: DebugProtocol.SetFunctionBreakpointsResponse,
    args: DebugProtocol.SetFunctionBreakpointsArguments,
  ): void {
    this.functionRequests = args.breakpoints.map((b) => ({
      id: this.nextBreakpointId++,
      name: b.name.trim(),
      ...expressions(b),
      problem: checkBreakpointExpressions(b.condition, b.hitCondition, undefined),
    }));
    const placed = this.run?.setFunctionBreakpoints(valid(this.functionRequests));
    let k = 0;
    const modules = this.run?.moduleList ?? null;
    response.body = {
      breakpoints: this.functionRequests.map((r) => {
        const p = r.problem ? placeFunction(r.name, null) : (placed?.[k++] ?? placeFunction(r.name, modules));
        return dapBreakpoint(r.id, p, p.file, r.problem);
      }),
    };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    const { filters, results } = requestedFilters(args);
    const here = filters.filter((f) => PYTORCH_FILTERS.includes(f.id));
    const settings = sessionSettings({}, () => undefined, this.options.settings);
    this.filters = exceptionFilters(here, settings);
    // `requestedFilters` answers the filter options first, then the plain filters, in order.
    const ids = [
      ...(args.filterOptions ?? []).map((o) => o.filterId),
      ...args.filters.filter((f) => !args.filterOptions?.some((o) => o.filterId === f)),
    ];
    response.body = {
      breakpoints: results.map((r, i) =>
        r.verified && !PYTORCH_FILTERS.includes(ids[i] as ExceptionFilterId)
          ? {
              verified: false,
              message: `'${EXCEPTION_FILTERS[ids[i] as ExceptionFilterId].label}' needs the .nnet training doctor; it is not available for PyTorch runs`,
            }
          : r,
      ),
    };
    this.run?.setExceptionFilters(this.filters);
    this.sendResponse(response);
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const ranks = this.run?.rankList ?? [];
    const list = ranks.length ? ranks : [this.stopRank];
    response.body = { threads: list.map((r) => new Thread(threadOf(r), `rank ${r}`)) };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(
    response: DebugProtocol.StackTraceResponse,
    args: DebugProtocol.StackTraceArguments,
  ): void {
    const s = this.run?.stop;
    const frames: StackFrame[] = [];
    if (s && args.threadId === threadOf(s.rank)) {
      const site = this.run?.moduleList?.find((m) => m.path === s.module)?.site ?? null;
      const source = site ? new Source(path.basename(site.file), site.file) : undefined;
      frames.push(new StackFrame(1, frameName(s), source, site?.line ?? 0, 1));
    }
    response.body = { stackFrames: frames, totalFrames: frames.length };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse): void {
    const s = this.run?.stop;
    response.body = { scopes: s ? ptScopes(s, (r) => this.refs.create(r)) : [] };
    this.sendResponse(response);
  }

  protected override async variablesRequest(
    response: DebugProtocol.VariablesResponse,
    args: DebugProtocol.VariablesArguments,
  ): Promise<void> {
    const ref = this.refs.get(args.variablesReference);
    const s = this.run?.stop;
    if (!ref || !s) {
      response.body = { variables: [] };
      return this.sendResponse(response);
    }
    const make = (r: PtVarRef) => this.refs.create(r);
    let variables: DebugProtocol.Variable[];
    switch (ref.kind) {
      case 'module':
        variables = moduleVariables(s, make);
        break;
      case 'run':
        variables = runVariables(s);
        break;
      case 'tensor':
        variables = await tensorVariables(
          ref,
          make,
          (m, t, o, c) => this.readValues(m, t, o, c),
          args.start,
          args.count,
        );
        break;
      case 'local':
        variables = tensorChildren(ref.ref, (r) => this.refs.create({ kind: 'local', ref: r }), args.start, args.count);
        break;
      default:
        return assertNever(ref);
    }
    response.body = { variables };
    this.sendResponse(response);
  }

  private async readValues(module: string, tensor: string, offset: number, count: number): Promise<Float32Array> {
    const page = await this.run!.values(module, tensor, offset, count);
    return page.values;
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse): Promise<void> {
    this.sendErrorResponse(response, {
      id: 3301,
      format: 'the tensors of a PyTorch run cannot be edited from the debugger',
      showUser: false,
    });
    return Promise.resolve();
  }

  protected override async evaluateRequest(
    response: DebugProtocol.EvaluateResponse,
    args: DebugProtocol.EvaluateArguments,
  ): Promise<void> {
    const fail = (message: string) => this.sendErrorResponse(response, { id: 3302, format: message, showUser: false });
    if (!this.run?.stop) return fail('not stopped: expressions are evaluated while a rank is stopped');
    try {
      const v = await this.run.evaluate(args.expression);
      if (isTensor(v)) {
        const tensor = {
          name: args.expression,
          path: args.expression,
          shape: v.shape,
          values: Float32Array.from(v.data),
        };
        response.body = {
          result: formatValue(v),
          variablesReference: this.refs.create({ kind: 'local', ref: { tensor, row: null } }),
          indexedVariables: v.shape.length === 2 ? v.shape[0] : tensor.values.length,
        };
      } else response.body = { result: formatValue(v), variablesReference: 0 };
      this.sendResponse(response);
    } catch (e) {
      fail(e instanceof ExprError ? formatError(args.expression, e) : (e as Error).message);
    }
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse): Promise<void> {
    response.body = { targets: [] };
    this.sendResponse(response);
    return Promise.resolve();
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const e = this.run?.stop?.exception;
    response.body = e
      ? {
          exceptionId: EXCEPTION_FILTERS[e.filter].label,
          description: e.description,
          breakMode: 'always',
          details: { message: e.description, typeName: e.filter },
        }
      : { exceptionId: 'none', description: 'Not stopped on an exception', breakMode: 'never' };
    this.sendResponse(response);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.resume(false);
    response.body = { allThreadsContinued: false };
    this.sendResponse(response);
  }

  protected override nextRequest(response: DebugProtocol.NextResponse): void {
    this.resume(true);
    this.sendResponse(response);
  }

  /** A module has no sub-steps here: Step Into goes to the next module event, like Step Over. */
  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.resume(true);
    this.sendResponse(response);
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.resume(true);
    this.sendResponse(response);
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse): void {
    this.sendErrorResponse(response, { id: 3303, format: NO_STEP_BACK, showUser: true });
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.sendErrorResponse(response, { id: 3303, format: NO_STEP_BACK, showUser: true });
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.run?.pause();
    this.sendResponse(response);
  }

  protected override async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    await this.run?.terminate();
    this.sendResponse(response);
  }

  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse): Promise<void> {
    const run = this.run;
    await run?.terminate();
    if (run && !this.ended) this.end('stopped', null);
    run?.dispose();
    this.sendResponse(response);
  }

  private resume(step: boolean): void {
    this.refs.reset();
    this.run?.resumeRun(step);
  }

  // ---- what the run says ----

  private notice(n: RunNotice): void {
    switch (n.kind) {
      case 'output':
        return this.sendEvent(outputAt(n.text, n.category, n.site));
      case 'rankStarted':
        // Attached, the script is known when its first rank says hello.
        if (!this.program) this.program = n.hello.script;
        // DAP's `process` event names the debuggee's pid (the stop rank's: the one a user would attach to or kill).
        if (n.rank === this.stopRank)
          this.sendEvent(
            new Event('process', {
              name: `${path.basename(n.hello.script)} (rank ${n.rank})`,
              systemProcessId: n.hello.pid,
              isLocalProcess: true,
              startMethod: this.attached ? 'attach' : 'launch',
            }),
          );
        return this.sendEvent(new ThreadEvent('started', threadOf(n.rank)));
      case 'rankEnded':
        if (n.message.includes('while stopped')) this.sendEvent(new OutputEvent(`nnet: ${n.message}\n`, 'console'));
        return this.sendEvent(new ThreadEvent('exited', threadOf(n.rank)));
      case 'modules':
        return this.sendCustom('nnet.started', { layerNames: n.modules.map((m) => m.path), program: this.program });
      case 'breakpoints':
        for (const { id, placement, file } of n.placements)
          this.sendEvent(new BreakpointEvent('changed', dapBreakpoint(id, placement, file)));
        return;
      case 'stopped':
        return this.stopped(n.stop);
      case 'continued':
        return this.sendEvent(new ContinuedEvent(threadOf(n.rank), false));
      case 'progress': {
        this.lastProgress.set(n.rank, n.progress);
        // The view draws one rank, the one breakpoints pause: another rank's report only refreshes the per-rank
        // norms (its bars and losses would make the chart alternate between ranks). Until that rank has reported,
        // any rank's picture is better than none. `rank` says whose statistics arrived.
        const shown = this.lastProgress.get(this.stopRank);
        const base = n.rank === this.stopRank || !shown ? n.progress : { ...shown, newLossPoints: [] };
        const progress = withRanks(base, this.lastProgress);
        return this.sendCustom('nnet.progress', { progress, paused: null }, { rank: n.rank });
      }
      case 'ended':
        return this.end(n.end.summary, n.end.error);
      default:
        return assertNever(n);
    }
  }

  private stopped(s: RunStop): void {
    this.refs.reset();
    this.sendEvent(ptStoppedEvent(s));
    const location = stopLocation(s, this.run?.moduleList ?? []);
    // The view shows the stop's own step (its bars so far at a backward stop), paused, even before any progress.
    const progress = progressAtStop(s, this.lastProgress.get(s.rank));
    this.sendCustom('nnet.progress', { progress, paused: location }, { rank: s.rank });
    this.sendCustom('nnet.stopped', { network: [], location });
  }

  private end(summary: string, error: ScriptError | null): void {
    if (this.ended) return;
    this.ended = true;
    this.sendEvent(error ? scriptErrorEvent(error) : new OutputEvent(`nnet: ${summary}\n`, 'console'));
    this.sendEnded({ summary, error: error?.message ?? null, line: error?.site?.line ?? 0 });
    this.run = null;
  }
}
