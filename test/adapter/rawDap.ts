// A minimal DAP client over raw Content-Length framing for hostile-input tests: it can send requests DebugClient
// would refuse to build (missing or mistyped arguments), notices when the adapter process exits, and bounds every
// wait so a hang shows up as a failed assertion rather than a stuck test run.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { spawn, type ChildProcess } from 'node:child_process';

/** A response, or `timeout` when none came within the bound, or `exited` when the adapter died first. */
export type Answer = DebugProtocol.Response | 'timeout' | 'exited';

/** The standalone adapter (or any DAP server on stdio) in a child process. */
export class RawDap {
  readonly process: ChildProcess;
  readonly events: DebugProtocol.Event[] = [];
  /** How the process ended, once it has. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  stderr = '';
  private seq = 1;
  private buffer = Buffer.alloc(0);
  private readonly waiting = new Map<number, (a: Answer) => void>();

  constructor(adapter: string) {
    this.process = spawn(process.execPath, [adapter], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stdout!.on('data', (d: Buffer) => this.onData(d));
    this.process.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.process.stdin!.on('error', () => {
      /* the adapter died; its exit is reported below */
    });
    this.process.on('exit', (code, signal) => {
      this.exit = { code, signal };
      for (const done of this.waiting.values()) done('exited');
      this.waiting.clear();
    });
  }

  /** Sends a request; `args` undefined omits `arguments` entirely. Resolves with the answer within `timeoutMs`. */
  request(command: string, args?: unknown, timeoutMs = 10_000): Promise<Answer> {
    if (this.exit) return Promise.resolve('exited');
    const seq = this.seq++;
    const msg: Record<string, unknown> = { seq, type: 'request', command };
    if (args !== undefined) msg.arguments = args;
    const json = JSON.stringify(msg);
    return new Promise<Answer>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(seq);
        resolve('timeout');
      }, timeoutMs);
      this.waiting.set(seq, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
      this.process.stdin!.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    });
  }

  /** Writes `body` as one framed message, whatever it is (malformed JSON included). */
  sendRaw(body: string): void {
    if (!this.exit) this.process.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  /** Resolves with the first event named `name` (already received or coming) within `timeoutMs`, or null. */
  async waitForEvent(name: string, timeoutMs = 10_000): Promise<DebugProtocol.Event | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = this.events.find((x) => x.event === name);
      if (e || Date.now() > deadline || this.exit) return e ?? null;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Ends the adapter process (ours, by its handle) and waits for it. */
  async close(): Promise<void> {
    if (this.exit) return;
    const gone = new Promise((r) => this.process.once('exit', r));
    this.process.kill('SIGKILL');
    await gone;
  }

  private onData(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    for (;;) {
      const head = this.buffer.indexOf('\r\n\r\n');
      if (head < 0) return;
      const m = /Content-Length: (\d+)/i.exec(this.buffer.subarray(0, head).toString());
      const len = m ? Number(m[1]) : 0;
      if (this.buffer.length < head + 4 + len) return;
      const msg = JSON.parse(
        this.buffer.subarray(head + 4, head + 4 + len).toString(),
      ) as DebugProtocol.ProtocolMessage;
      this.buffer = this.buffer.subarray(head + 4 + len);
      if (msg.type === 'response') {
        const r = msg as DebugProtocol.Response;
        const done = this.waiting.get(r.request_seq);
        this.waiting.delete(r.request_seq);
        done?.(r);
      } else if (msg.type === 'event') this.events.push(msg as DebugProtocol.Event);
    }
  }
}

/** True if a response's message or error body looks like a JavaScript stack trace. */
export function hasStack(r: DebugProtocol.Response): boolean {
  return /\n\s+at |\bat \S+ \(.*:\d+:\d+\)/.test(`${r.message ?? ''}\n${JSON.stringify(r.body ?? {})}`);
}
