// One PyTorch run under the probe, as the debug session sees it: the process and its ranks, breakpoints placed on
// the modules the probe reports, what each rank is armed with, and the decision at each blocking event (conditions,
// hit counts and logpoints through runBreakpoints.ts and the expression language; exception filters; Step Over; Pause;
// the arm and the stop's reason in runDecision.ts). Knows nothing of DAP: it reports `RunNotice`s (runNotice.ts),
// tagged by kind, that the session translates, and its end in words (runEnd.ts).

import { compile, evaluate } from '../../engine/expr/evaluate';
import type { Value } from '../../engine/expr/values';
import type { Logger } from '../log';
import { assertNever, type ExceptionFilter } from '../protocol';
import { Emitter } from '../workerClient';
import type { Placement } from './placement';
import { KILL_GRACE_MS, ProbeProcess, type ProbeCommand, type ProbeExit } from './probeProcess';
import type { ProbeArm, ProbeModule, ProbeSummary, ProbeToHost } from './probeProtocol';
import { ProbeServer, type ProbeConnection, type ProbeReport } from './probeServer';
import { summariesReply, valuesReply } from './probeValidate';
import { progressOf } from './progress';
import { nanHit, stepHit } from './stepFilters';
import { RunBreakpoints, type RunBreakpoint } from './runBreakpoints';
import { armOf, stopReason, type RunWaits } from './runDecision';
import { attachedExit, runEnd, statusText, type ExitMessage } from './runEnd';
import type { RunNotice, RunStop } from './runNotice';
import { StopScope, type FetchValues } from './stopScope';
import { decodeFloat32 } from '../../wire/float32';

export type { RunBreakpoint } from './runBreakpoints';
export type { RunEnd, RunNotice, RunStop, RunStopReason } from './runNotice';

interface RankState {
  readonly conn: ProbeConnection;
  lastLoss: number;
  gradNormBefore: number;
  gradNormAfter: number;
}

type ModuleEvent = Extract<ProbeToHost, { kind: 'event' }>;
type StepEnd = Extract<ProbeToHost, { kind: 'stepEnd' }>;

/** The run of one launch. Dispose to end it (and every process of it). */
export class ProbeRun {
  private readonly notices = new Emitter<RunNotice>();
  /** Everything the session is told, in order. */
  readonly onDidNotice = this.notices.event;
  private server: ProbeServer | null = null;
  private process: ProbeProcess | null = null;
  private readonly ranks = new Map<number, RankState>();
  private modules: ProbeModule[] | null = null;
  private readonly breakpoints = new RunBreakpoints();
  private filters: ExceptionFilter[] = [];
  private configured = false;
  private stepping = false;
  private entryPending = false;
  private stopped: RunStop | null = null;
  private exitMessages: ExitMessage[] = [];
  private rankExits: { rank: number; code: number }[] = [];
  private stopping = false;
  private ended = false;
  /** Attached to probes started elsewhere: no process of ours; the run ends when its last rank has gone. */
  private attached = false;

  constructor(
    private readonly log: Logger,
    /** The rank breakpoints, Step Over and Pause act on. */
    readonly stopRank: number,
    stopOnEntry: boolean,
  ) {
    this.entryPending = stopOnEntry;
  }

  /** Listens, then starts the probe; the ranks wait for `configurationDone` (their first `arm`). */
  async start(cmd: Omit<ProbeCommand, 'env'> & { env: Readonly<Record<string, string>> }): Promise<void> {
    this.server = await ProbeServer.listen(this.log);
    this.server.onDidConnect((c) => this.connected(c));
    const proc = new ProbeProcess({ ...cmd, env: { ...cmd.env, ...this.server.env } });
    this.process = proc;
    proc.onDidOutput((o) => this.notify({ kind: 'output', ...o }));
    // The ranks' last messages (`exit` with the error) may still be in the socket when the process is reaped.
    proc.onDidExit((e) => setTimeout(() => this.finish(e), 50));
  }

  /**
   * Listens for probes a user starts elsewhere (`python -m nnet_probe` in a terminal) on 127.0.0.1:`port` (0: any
   * free port); returns the environment they need (PROBE_ENV: where to connect and the session's token).
   */
  async attach(port: number): Promise<Readonly<Record<string, string>>> {
    this.attached = true;
    this.server = await ProbeServer.listen(this.log, {}, port);
    this.server.onDidConnect((c) => this.connected(c));
    return this.server.env;
  }

  /** The modules the probe reported, null before the model was first called. */
  get moduleList(): readonly ProbeModule[] | null {
    return this.modules;
  }

  /** The current stop, null while running. */
  get stop(): RunStop | null {
    return this.stopped;
  }

  /** Ranks connected now, in order. */
  get rankList(): number[] {
    return [...this.ranks.keys()].sort((a, b) => a - b);
  }

  private notify(n: RunNotice): void {
    if (!this.ended) this.notices.fire(n);
  }

  // ---- breakpoints and filters ----

  /** Replaces the line breakpoints of a file; returns where each lands now. */
  setLineBreakpoints(file: string, bps: readonly (RunBreakpoint & { line: number })[]): Placement[] {
    const placed = this.breakpoints.setLines(file, bps);
    this.armAll();
    return placed;
  }

  /** Replaces the function breakpoints (module paths). */
  setFunctionBreakpoints(bps: readonly (RunBreakpoint & { name: string })[]): (Placement & { file?: string })[] {
    const placed = this.breakpoints.setFunctions(bps);
    this.armAll();
    return placed;
  }

  setExceptionFilters(filters: readonly ExceptionFilter[]): void {
    this.filters = [...filters];
    this.armAll();
  }

  // ---- arming ----

  /** The session's configuration is done: the ranks may run. */
  configurationDone(): void {
    this.configured = true;
    this.armAll();
  }

  private armOf(rank: number): ProbeArm {
    return armOf(rank === this.stopRank, this.breakpoints, !!this.modules, this.filters, this.waits());
  }

  private waits(): RunWaits {
    return { stepping: this.stepping, entryPending: this.entryPending };
  }

  private armAll(): void {
    if (!this.configured) return;
    for (const [rank, r] of this.ranks) r.conn.send({ kind: 'arm', ...this.armOf(rank) });
  }

  // ---- connections ----

  private connected(conn: ProbeConnection): void {
    const hello = conn.hello;
    if (hello.role === 'launcher') {
      conn.onDidReport((m) => this.launcherReport(m));
      return;
    }
    if (this.ranks.has(hello.rank)) {
      this.log.log('warn', `a second probe says it is rank ${hello.rank}; it is ignored`);
      return conn.dispose();
    }
    this.ranks.set(hello.rank, { conn, lastLoss: NaN, gradNormBefore: NaN, gradNormAfter: NaN });
    conn.onDidReport((m) => void this.report(hello.rank, m).catch((e: unknown) => this.internal(e)));
    conn.onDidClose(() => this.rankClosed(hello.rank));
    this.notify({ kind: 'rankStarted', rank: hello.rank, hello });
    if (this.configured) conn.send({ kind: 'arm', ...this.armOf(hello.rank) });
  }

  private internal(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.log.log('error', `PyTorch run: ${message}`);
    this.notify({ kind: 'output', category: 'console', text: `nnet: ${message}\n` });
  }

  private launcherReport(m: ProbeReport): void {
    if (m.kind === 'rankExit') {
      this.rankExits.push(m);
      if (m.code !== 0 && !this.stopping)
        this.notify({ kind: 'output', category: 'console', text: `nnet: rank ${m.rank} ${statusText(m.code)}\n` });
    } else if (m.kind === 'exit') this.exitMessages.push(m);
  }

  private rankClosed(rank: number): void {
    this.ranks.delete(rank);
    const wasStopped = this.stopped?.rank === rank;
    if (wasStopped) this.stopped = null;
    const message = wasStopped && !this.stopping ? `rank ${rank} ended while stopped` : `rank ${rank} ended`;
    this.notify({ kind: 'rankEnded', rank, message });
    // Attached, no process tells us the script ended: its last rank leaving does (its `exit` came first).
    if (this.attached && this.ranks.size === 0) setTimeout(() => this.finish(attachedExit(this.exitMessages)), 50);
  }

  private async report(rank: number, m: ProbeReport): Promise<void> {
    const r = this.ranks.get(rank);
    if (!r) return;
    switch (m.kind) {
      case 'modules':
        return this.gotModules(m.modules);
      case 'event':
        return this.moduleEvent(rank, r, m);
      case 'stepEnd':
        r.gradNormBefore = m.gradNormBefore;
        r.gradNormAfter = m.gradNormAfter;
        if (m.loss !== null) r.lastLoss = m.loss;
        return this.stepEnd(rank, r, m);
      case 'progress': {
        const progress = progressOf(m, r.lastLoss);
        r.lastLoss = progress.loss;
        r.gradNormBefore = m.gradNormBefore;
        r.gradNormAfter = m.gradNormAfter;
        return this.notify({ kind: 'progress', rank, progress });
      }
      case 'exit':
        this.exitMessages.push(m);
        return;
      case 'rankExit':
        return;
      default:
        return assertNever(m);
    }
  }

  private gotModules(modules: readonly ProbeModule[]): void {
    const known = new Set(this.modules?.map((m) => m.path));
    const fresh = modules.filter((m) => !known.has(m.path));
    if (this.modules && !fresh.length) return;
    this.modules = [...(this.modules ?? []), ...fresh];
    this.notify({ kind: 'modules', modules: this.modules });
    const placements = this.breakpoints.setModules(this.modules);
    this.armAll();
    if (placements.length) this.notify({ kind: 'breakpoints', placements });
  }

  private resume(r: RankState): void {
    r.conn.send({ kind: 'arm', ...this.armOf(r.conn.hello.rank) });
    r.conn.send({ kind: 'resume' });
  }

  private async moduleEvent(rank: number, r: RankState, ev: ModuleEvent): Promise<void> {
    if (ev.loss !== null) r.lastLoss = ev.loss;
    if (!ev.wait) return;
    if (rank !== this.stopRank || this.stopping) return this.resume(r);
    const index = this.modules?.findIndex((m) => m.path === ev.module) ?? -1;
    let ids: readonly number[] = [];
    if (index >= 0) {
      const scope = this.scopeOf(rank, ev.step, ev.loss);
      for (const e of this.breakpoints.expressionsAt(index)) await scope.prefetch(e);
      const verdict = this.breakpoints.check(index, ev.phase, ev.step, ev.call, scope);
      for (const text of verdict.logs)
        this.notify({ kind: 'output', category: 'console', text: `${text}\n`, site: this.modules![index].site });
      for (const text of verdict.errors) this.notify({ kind: 'output', category: 'console', text: `nnet: ${text}\n` });
      if (verdict.stop) ids = verdict.ids;
    }
    const exception = nanHit(ev, this.filters);
    const all = (i: readonly number[]) => this.breakpoints.allFunctions(i);
    const reason = stopReason(exception, ids, all, !!ev.paused, this.waits());
    if (!reason) return this.resume(r);
    this.entryPending = false;
    this.stepping = false;
    this.setStop(r, {
      rank,
      reason,
      module: ev.module,
      phase: ev.phase,
      step: ev.step,
      call: ev.call,
      tensors: ev.tensors,
      loss: ev.loss,
      modules: ev.modules ?? null,
      hitBreakpointIds: ids,
      exception,
    });
  }

  private async stepEnd(rank: number, r: RankState, s: StepEnd): Promise<void> {
    if (!s.wait) return;
    const hit = rank === this.stopRank && !this.stopping ? stepHit(s, this.filters) : null;
    if (!hit) return this.resume(r);
    let tensors: Record<string, ProbeSummary> = {};
    if (hit.module)
      try {
        tensors = summariesReply(await r.conn.request('summaries', { module: hit.module }));
      } catch (e) {
        this.log.log('warn', `summaries of ${hit.module}: ${(e as Error).message}`);
      }
    this.stepping = false;
    this.setStop(r, {
      rank,
      reason: 'exception',
      module: hit.module,
      phase: 'stepEnd',
      step: s.step,
      call: 0,
      tensors,
      loss: s.loss,
      modules: s.modules,
      hitBreakpointIds: [],
      exception: hit,
    });
  }

  private setStop(r: RankState, stop: Omit<RunStop, 'gradNormBefore' | 'gradNormAfter'>): void {
    this.stopped = { ...stop, gradNormBefore: r.gradNormBefore, gradNormAfter: r.gradNormAfter };
    this.notify({ kind: 'stopped', stop: this.stopped });
  }

  // ---- at a stop ----

  private fetchOf(rank: number): FetchValues {
    return (module, tensor, offset, count) => {
      const r = this.ranks.get(rank);
      if (!r) return Promise.reject(new Error(`rank ${rank} has ended`));
      return r.conn.request('values', { module, tensor, offset, count });
    };
  }

  private scopeOf(rank: number, step: number, loss: number | null): StopScope {
    return new StopScope(this.modules ?? [], { step, loss, rank }, this.fetchOf(rank));
  }

  /** Evaluates an expression at the current stop (tensors it names fetched first). Throws ExprError or Error. */
  async evaluate(source: string): Promise<Value> {
    const s = this.stopped;
    if (!s) throw new Error('the run is not stopped: expressions are evaluated at a stop');
    const c = compile(source);
    const scope = this.scopeOf(s.rank, s.step, s.loss);
    await scope.prefetch(c);
    return evaluate(c, scope);
  }

  /** A page of a tensor's values at the current stop, and the tensor's shape. */
  async values(
    module: string,
    tensor: string,
    offset: number,
    count: number,
  ): Promise<{ shape: readonly number[]; offset: number; values: Float32Array }> {
    const s = this.stopped;
    if (!s) throw new Error('the run is not stopped');
    const page = valuesReply(await this.fetchOf(s.rank)(module, tensor, offset, count));
    const values = decodeFloat32(page.data);
    if (!values) throw new Error(`malformed values of ${module}.${tensor}`);
    return { shape: page.shape, offset: page.offset, values };
  }

  // ---- execution control ----

  /** Continue (`step` false) or Step Over to the next module event (`step` true). */
  resumeRun(step: boolean): void {
    const s = this.stopped;
    this.stepping = step;
    if (!s) return this.armAll();
    this.stopped = null;
    const r = this.ranks.get(s.rank);
    if (r) this.resume(r);
    this.notify({ kind: 'continued', rank: s.rank });
  }

  /** Asks the stop rank to block at its next module event. */
  pause(): void {
    this.ranks.get(this.stopRank)?.conn.send({ kind: 'pause' });
  }

  /** Stop: every rank told to end, and the process group killed if it has not ended within a grace period. */
  async terminate(): Promise<void> {
    this.stopping = true;
    for (const r of this.ranks.values()) r.conn.send({ kind: 'stop' });
    if (this.attached && this.ranks.size === 0) this.finish(attachedExit(this.exitMessages));
    await this.process?.endWithin(KILL_GRACE_MS);
  }

  private finish(exit: ProbeExit): void {
    if (this.ended) return;
    const end = runEnd(exit, {
      exitMessages: this.exitMessages,
      stopping: this.stopping,
      attached: this.attached,
      hadModules: !!this.modules,
    });
    this.notify({ kind: 'ended', end });
    this.ended = true;
    this.dispose();
  }

  dispose(): void {
    this.process?.kill();
    this.server?.dispose();
    for (const r of this.ranks.values()) r.conn.dispose();
    this.ranks.clear();
    this.notices.dispose();
  }
}
