// The nnet debug session: a flat list of DAP request handlers that translate between the Debug Adapter Protocol
// and the engine worker. Runs inline in the extension host or standalone (debugAdapter.ts) on stdio.

import { Breakpoint, Event, Handles, InitializedEvent, LoggingDebugSession, OutputEvent, Scope, Source, StackFrame, StoppedEvent, TerminatedEvent, Thread } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import fs from 'node:fs';
import path from 'node:path';
import { parseNnet } from '../../engine/language/parser';
import type { NetworkSpec } from '../../engine/language/spec';
import { describeTensor, formatNumber } from '../../engine/nn/tensor';
import type { WorkerToHost } from '../worker/protocol';
import { assertNever } from '../worker/protocol';
import { WorkerClient } from '../worker/workerClient';
import { resolveBreakpoints } from './breakpoints';
import type { NnetCustomEventName, NnetCustomEvents } from './customEvents';
import { tensorChildren, tensorVariable, type TensorRef } from './variables';

/** Arguments of a `launch` request of type `nnet`. */
export interface NnetLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** Absolute path of the .nnet file. */
  program: string;
  stopOnEntry?: boolean;
}

/** Options for constructing a session (the standalone adapter uses the defaults). */
export interface NnetSessionOptions {
  /** Path of dist/worker.js; defaults to the file beside this bundle. */
  readonly workerScript?: string;
}

const THREAD_ID = 1;
const SCOPE_LAYER = 1, SCOPE_TRAINING = 2;
type Stopped = Extract<WorkerToHost, { kind: 'stopped' }>;

export class NnetDebugSession extends LoggingDebugSession {
  private worker: WorkerClient | null = null;
  private program = '';
  private spec: NetworkSpec | null = null;
  private breakpointLayers: number[] = [];
  private stopped: Stopped | null = null;
  private refs = new Handles<TensorRef>(100);
  private configurationDone!: () => void;
  private readonly configured = new Promise<void>((resolve) => { this.configurationDone = resolve; });
  private ended = false;

  constructor(private readonly options: NnetSessionOptions = {}) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsTerminateRequest: true,
      supportsEvaluateForHovers: true,
      supportsStepBack: false,
    };
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configurationDone();
    this.sendResponse(response);
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const file = args.source.path ?? '';
    const lines = (args.breakpoints ?? []).map((b) => b.line);
    let spec: NetworkSpec | null = null, firstError: string | undefined;
    try {
      const r = parseNnet(fs.readFileSync(file, 'utf8'));
      spec = r.spec;
      const e = r.diagnostics.find((d) => d.severity === 'error');
      if (e) firstError = `line ${e.range.line + 1}: ${e.message}`;
    } catch (e) {
      firstError = `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
    }
    const resolved = resolveBreakpoints(spec, lines, firstError);
    if (!this.program || path.resolve(file) === path.resolve(this.program)) {
      this.breakpointLayers = [...new Set(resolved.flatMap((r) => r.nodes))];
      this.worker?.post({ kind: 'setBreakpoints', layers: this.breakpointLayers });
    }
    response.body = {
      breakpoints: resolved.map((r) => {
        const bp: DebugProtocol.Breakpoint = new Breakpoint(r.verified, r.line, undefined, new Source(path.basename(file), file));
        if (r.message) bp.message = r.message;
        return bp;
      }),
    };
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: NnetLaunchArguments): Promise<void> {
    await Promise.race([this.configured, new Promise((r) => setTimeout(r, 2000))]);
    this.program = path.resolve(args.program ?? '');
    let source: string;
    try {
      source = fs.readFileSync(this.program, 'utf8');
    } catch (e) {
      return this.sendErrorResponse(response, { id: 3001, format: `Cannot read ${this.program}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, showUser: true });
    }
    const { spec, diagnostics } = parseNnet(source);
    const first = diagnostics.find((d) => d.severity === 'error');
    if (!spec) {
      const where = first ? `${path.basename(this.program)}:${first.range.line + 1}: ${first.message}` : 'the file has errors';
      return this.sendErrorResponse(response, { id: 3002, format: `Cannot start training: ${where}`, showUser: true });
    }
    this.spec = spec;
    const debug = !args.noDebug;
    this.worker = new WorkerClient(this.options.workerScript);
    this.worker.onDidReceiveMessage((m) => this.onWorkerMessage(m));
    this.worker.onDidExit((exit) => {
      if (this.ended) return;
      this.end('', `The training worker stopped unexpectedly${exit.error ? `: ${exit.error}` : ` (exit code ${exit.code})`}`, 0);
    });
    this.worker.post({ kind: 'start', source, fileName: this.program, debug, stopOnEntry: debug && !!args.stopOnEntry, breakpoints: debug ? this.breakpointLayers : [] });
    this.sendResponse(response);
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD_ID, `training ${this.spec?.name ?? ''}`.trim())] };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse): void {
    const s = this.stopped;
    const frames: StackFrame[] = [];
    if (s) {
      const loc = s.location;
      const name = `${loc.phase}${loc.layer >= 0 ? ` ${loc.layerName}` : ''} · step ${loc.step + 1} · epoch ${loc.epoch + 1}`;
      frames.push(new StackFrame(1, name, new Source(path.basename(this.program), this.program), loc.line, 1));
    }
    response.body = { stackFrames: frames, totalFrames: frames.length };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse): void {
    const loc = this.stopped?.location;
    const title = !loc ? 'Layer' : loc.layer >= 0 ? `Layer ${loc.layerName} (${loc.phase})` : loc.phase === 'loss' ? 'Loss' : loc.phase === 'clip' ? 'Gradients' : 'Parameters';
    response.body = { scopes: [new Scope(title, SCOPE_LAYER, false), new Scope('Training', SCOPE_TRAINING, false)] };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const s = this.stopped;
    let variables: DebugProtocol.Variable[] = [];
    if (s && args.variablesReference === SCOPE_LAYER) {
      variables = s.tensors.map((t) => tensorVariable(t, this.refs.create({ tensor: t, row: null })));
    } else if (s && args.variablesReference === SCOPE_TRAINING) {
      const num = (name: string, v: number) => ({ name, value: formatNumber(v), variablesReference: 0 });
      variables = [
        num('epoch', s.location.epoch + 1), num('step', s.location.step + 1),
        ...s.scalars.map((x) => num(x.name, x.value)),
      ];
    } else if (s) {
      const r = this.refs.get(args.variablesReference);
      if (r) variables = tensorChildren(r, (child) => this.refs.create(child), args.start ?? 0, args.count || undefined);
    }
    response.body = { variables };
    this.sendResponse(response);
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const expr = args.expression.trim();
    const t = this.stopped?.tensors.find((x) => x.path === expr || x.name === expr);
    if (!t) return this.sendErrorResponse(response, { id: 3003, format: `'${expr}' is not a tensor shown at this stop`, showUser: false });
    response.body = { result: describeTensor(t.shape, t.values), variablesReference: this.refs.create({ tensor: t, row: null }), indexedVariables: t.shape.length === 2 ? t.shape[0] : t.values.length };
    this.sendResponse(response);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.resume('continue');
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
  }

  protected override nextRequest(response: DebugProtocol.NextResponse): void {
    this.resume('stepEvent');
    this.sendResponse(response);
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.resume('stepEvent');
    this.sendResponse(response);
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.resume('stepEvent');
    this.sendResponse(response);
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.worker?.post({ kind: 'pause' });
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.worker?.post({ kind: 'stop' });
    this.sendResponse(response);
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.ended = true;
    this.worker?.dispose();
    this.worker = null;
    this.sendResponse(response);
  }

  private resume(kind: 'continue' | 'stepEvent'): void {
    this.stopped = null;
    this.refs.reset();
    this.worker?.post({ kind });
  }

  private onWorkerMessage(m: WorkerToHost): void {
    switch (m.kind) {
      case 'started':
        this.sendCustom('nnet.started', { layerNames: m.layerNames, program: this.program });
        this.sendEvent(new OutputEvent(`Training ${path.basename(this.program)}: ${m.layerNames.length} layers, ${m.parameterCount} parameters, ${m.epochs} epochs\n`, 'console'));
        return;
      case 'progress':
        this.sendCustom('nnet.progress', { progress: m.progress, paused: null });
        return;
      case 'stopped': {
        this.stopped = m;
        this.refs.reset();
        this.sendCustom('nnet.progress', { progress: m.progress, paused: m.location });
        const reason = m.reason === 'entry' ? 'entry' : m.reason === 'step' ? 'step' : m.reason === 'pause' ? 'pause' : 'breakpoint';
        const ev: DebugProtocol.StoppedEvent = new StoppedEvent(reason, THREAD_ID);
        ev.body.description = `Paused on ${m.location.phase} ${m.location.layerName}`;
        this.sendEvent(ev);
        return;
      }
      case 'finished':
        this.end(m.summary, null, 0);
        return;
      case 'error':
        this.end('', m.message, m.line);
        return;
      default:
        assertNever(m);
    }
  }

  private end(summary: string, error: string | null, line: number): void {
    if (this.ended) return;
    this.ended = true;
    this.stopped = null;
    if (summary) this.sendEvent(new OutputEvent(`${summary}\n`, 'console'));
    if (error) this.sendEvent(new OutputEvent(`${error}\n`, 'stderr'));
    this.sendCustom('nnet.ended', { summary, error, line });
    this.sendEvent(new TerminatedEvent());
    this.worker?.dispose();
    this.worker = null;
  }

  private sendCustom<K extends NnetCustomEventName>(name: K, body: NnetCustomEvents[K]): void {
    this.sendEvent(new Event(name, body));
  }
}
