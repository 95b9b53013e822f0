// The PyTorch debug session: a flat list of DAP request handlers that translate between the Debug Adapter Protocol
// and a PyTorch script run under nnet's probe (debugger/pytorch/probeRun.ts). Threads are ranks; a stop shows one
// module's forward or backward. Runs inline in the extension host or standalone (debugAdapter.ts, bundled as
// dist/pytorchDebugAdapter.js).

import { InitializedEvent, OutputEvent, Handles, Thread } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { formatError } from '../../../engine/expr/format';
import { ExprError } from '../../../engine/expr/values';
import { assertNever } from '../../../debugger/protocol';
import type { Logger } from '../../../debugger/log';
import { ProbeRun } from '../../../debugger/pytorch/probeRun';
import type { PythonFound } from '../../python';
import type { NnetSettings } from '../../settings';
import { GuardedSession } from '../guardedSession';
import { tensorChildren, type TensorRef } from '../variables';
import { PtBreakpoints } from './breakpoints';
import { NO_STEP_BACK, pytorchCapabilities } from './capabilities';
import { attachBanner, checkAttach, checkLaunch, launchBanner, launchPathProblem } from './launch';
import { NoticeTranslator, type NoticeSink } from './notices';
import { ptExceptionInfo, ptStackFrames, scriptErrorEvent, threadOf, type ScriptError } from './stops';
import { moduleVariables, ptEvaluateBody, ptScopes, runVariables, tensorVariables, type PtVarRef } from './variables';

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

/** A debug session over one PyTorch script (one or many ranks). */
export class PyTorchDebugSession extends GuardedSession {
  /** The host's services, read by launch. */
  protected readonly options: PyTorchSessionOptions;
  private run: ProbeRun | null = null;
  private program = '';
  /** Started by `attach`: the probes are the user's processes. */
  private attached = false;
  private stopRank = 0;
  private readonly breakpoints = new PtBreakpoints();
  private refs = new Handles<VarRef>(1);
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
    const problem = await launchPathProblem(a);
    if (problem) return fail(problem);
    const python = await this.options.findPython(a.python);
    if (!('path' in python)) return fail(python.message);
    this.launched = true;
    this.program = a.program;
    this.stopRank = a.rank;
    const run = this.newRun(a.rank, a.stopOnEntry);
    this.sendEvent(new OutputEvent(launchBanner(a, python), 'console'));
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
    const notices = new NoticeTranslator(this.noticeSink());
    run.onDidNotice((n) => notices.translate(n));
    this.breakpoints.applyTo(run);
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
    this.sendEvent(new OutputEvent(attachBanner(this.options.probeDir, env), 'console'));
    this.sendResponse(response);
    void this.configured.then(() => this.run?.configurationDone());
  }

  protected override async setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): Promise<void> {
    response.body = { breakpoints: this.breakpoints.setLines(args, this.run) };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(
    response: DebugProtocol.SetFunctionBreakpointsResponse,
    args: DebugProtocol.SetFunctionBreakpointsArguments,
  ): void {
    response.body = { breakpoints: this.breakpoints.setFunctions(args, this.run) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    response.body = { breakpoints: this.breakpoints.setFilters(args, this.options.settings, this.run) };
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
    const frames = ptStackFrames(this.run?.stop ?? null, this.run?.moduleList ?? null, args.threadId);
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
      id: 3304,
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
      response.body = ptEvaluateBody(v, args.expression, (ref) => this.refs.create({ kind: 'local', ref }));
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
    response.body = ptExceptionInfo(this.run?.stop);
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

  /** What the run's notices act on: the client, the script's name, the stop's references, the end. */
  private noticeSink(): NoticeSink {
    return {
      stopRank: this.stopRank,
      attached: this.attached,
      program: () => this.program,
      setProgram: (script) => {
        this.program = script;
      },
      modules: () => this.run?.moduleList ?? [],
      sendEvent: (e) => this.sendEvent(e),
      sendCustom: (name, body, extra) => this.sendCustom(name, body, extra),
      resetRefs: () => this.refs.reset(),
      end: (summary, error) => this.end(summary, error),
    };
  }

  private end(summary: string, error: ScriptError | null): void {
    if (this.ended) return;
    this.ended = true;
    this.sendEvent(error ? scriptErrorEvent(error) : new OutputEvent(`nnet: ${summary}\n`, 'console'));
    this.sendEnded({ summary, error: error?.message ?? null, line: error?.site?.line ?? 0 });
    this.run = null;
  }
}
