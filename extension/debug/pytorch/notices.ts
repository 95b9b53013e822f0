// What a PyTorch debug session says when its run speaks: each run notice (debugger/pytorch/runNotice.ts) translated
// into DAP events (threads are ranks) and the custom `nnet.*` events the views read, with every rank's progress
// merged into the one picture the Gradient Flow view draws.

import { BreakpointEvent, ContinuedEvent, Event, OutputEvent, ThreadEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import path from 'node:path';
import { assertNever, type Progress } from '../../../debugger/protocol';
import type { ProbeModule } from '../../../debugger/pytorch/probeProtocol';
import type { RunNotice, RunStop } from '../../../debugger/pytorch/probeRun';
import { progressAtStop, withRanks } from '../../../debugger/pytorch/progress';
import type { NnetCustomEventName, NnetCustomEvents } from '../customEvents';
import { dapBreakpoint, outputAt, ptStoppedEvent, stopLocation, threadOf, type ScriptError } from './stops';

/** What translating a run's notices needs of the session. */
export interface NoticeSink {
  /** The rank breakpoints pause, and whether the session attached to probes started elsewhere. */
  readonly stopRank: number;
  readonly attached: boolean;
  /** The script; an attached session learns it from the first rank's hello (`setProgram`). */
  program(): string;
  setProgram(script: string): void;
  /** The modules the probe reported so far. */
  modules(): readonly ProbeModule[];
  sendEvent(e: DebugProtocol.Event): void;
  sendCustom<K extends NnetCustomEventName>(name: K, body: NnetCustomEvents[K], extra?: object): void;
  /** A stop: the variable references handed out at the last one are void. */
  resetRefs(): void;
  /** The run ended, with a summary or the script's error. */
  end(summary: string, error: ScriptError | null): void;
}

/** Translates the notices of one run, keeping each rank's latest progress. */
export class NoticeTranslator {
  private readonly lastProgress = new Map<number, Progress>();

  constructor(private readonly s: NoticeSink) {}

  /** Tells the client and the views what the run said. */
  translate(n: RunNotice): void {
    const s = this.s;
    switch (n.kind) {
      case 'output':
        return s.sendEvent(outputAt(n.text, n.category, n.site));
      case 'rankStarted':
        // Attached, the script is known when its first rank says hello.
        if (!s.program()) s.setProgram(n.hello.script);
        // DAP's `process` event names the debuggee's pid (the stop rank's: the one a user would attach to or kill).
        if (n.rank === s.stopRank)
          s.sendEvent(
            new Event('process', {
              name: `${path.basename(n.hello.script)} (rank ${n.rank})`,
              systemProcessId: n.hello.pid,
              isLocalProcess: true,
              startMethod: s.attached ? 'attach' : 'launch',
            }),
          );
        return s.sendEvent(new ThreadEvent('started', threadOf(n.rank)));
      case 'rankEnded':
        if (n.message.includes('while stopped')) s.sendEvent(new OutputEvent(`nnet: ${n.message}\n`, 'console'));
        return s.sendEvent(new ThreadEvent('exited', threadOf(n.rank)));
      case 'modules':
        return s.sendCustom('nnet.started', { layerNames: n.modules.map((m) => m.path), program: s.program() });
      case 'breakpoints':
        for (const { id, placement, file } of n.placements)
          s.sendEvent(new BreakpointEvent('changed', dapBreakpoint(id, placement, file)));
        return;
      case 'stopped':
        return this.stopped(n.stop);
      case 'continued':
        return s.sendEvent(new ContinuedEvent(threadOf(n.rank), false));
      case 'progress': {
        this.lastProgress.set(n.rank, n.progress);
        // The view draws one rank, the one breakpoints pause: another rank's report only refreshes the per-rank
        // norms (its bars and losses would make the chart alternate between ranks). Until that rank has reported,
        // any rank's picture is better than none. `rank` says whose statistics arrived.
        const shown = this.lastProgress.get(s.stopRank);
        const base = n.rank === s.stopRank || !shown ? n.progress : { ...shown, newLossPoints: [] };
        const progress = withRanks(base, this.lastProgress);
        return s.sendCustom('nnet.progress', { progress, paused: null }, { rank: n.rank });
      }
      case 'ended':
        return s.end(n.end.summary, n.end.error);
      default:
        return assertNever(n);
    }
  }

  private stopped(stop: RunStop): void {
    const s = this.s;
    s.resetRefs();
    s.sendEvent(ptStoppedEvent(stop));
    const location = stopLocation(stop, s.modules());
    // The view shows the stop's own step (its bars so far at a backward stop), paused, even before any progress.
    const progress = progressAtStop(stop, this.lastProgress.get(stop.rank));
    s.sendCustom('nnet.progress', { progress, paused: location }, { rank: stop.rank });
    s.sendCustom('nnet.stopped', { network: [], location });
  }
}
