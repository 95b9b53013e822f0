// The adapter's end of the probe socket: a TCP server on loopback only, a random token per session, JSON lines with
// a cap on their length, every message validated, typed requests matched to replies by id with a timeout.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import type { Logger } from '../log';
import { Emitter, type Disposable } from '../workerClient';
import {
  PROBE_ENV,
  type HostToProbe,
  type ProbeRequestKind,
  type ProbeRequests,
  type ProbeToHost,
} from './probeProtocol';
import { parseProbeMessage } from './probeValidate';

/** The first message of a connection. */
export type ProbeHello = Extract<ProbeToHost, { kind: 'hello' }>;
/** What a connection reports after its hello (replies are matched to requests, not reported). */
export type ProbeReport = Exclude<ProbeToHost, { kind: 'hello' } | { kind: 'reply' }>;

/** Limits of a server (tests shorten them). */
export interface ProbeServerLimits {
  /** Longest line accepted, in bytes; a longer one closes the connection (default 64 MiB: a values page). */
  readonly maxLineBytes: number;
  /** How long a request waits for its reply (default 30 s). */
  readonly requestTimeoutMs: number;
  /** How long a new connection has to say hello (default 10 s). */
  readonly helloTimeoutMs: number;
}

const DEFAULT_LIMITS: ProbeServerLimits = {
  maxLineBytes: 64 * 1024 * 1024,
  requestTimeoutMs: 30_000,
  helloTimeoutMs: 10_000,
};

/** Splits a byte stream into lines, refusing one longer than the cap. */
class LineReader {
  private parts: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}

  /** The complete lines in `chunk` (with what came before), or null when a line is too long. */
  push(chunk: Buffer): string[] | null {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      if (this.size + nl - start > this.max) return null;
      this.parts.push(chunk.subarray(start, nl));
      lines.push(Buffer.concat(this.parts).toString('utf8'));
      this.parts = [];
      this.size = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.size += chunk.length - start;
      if (this.size > this.max) return null;
      this.parts.push(chunk.subarray(start));
    }
    return lines;
  }
}

/** One probe process's connection, after its valid hello. */
export class ProbeConnection implements Disposable {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (body: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  private readonly reportEmitter = new Emitter<ProbeReport>();
  private readonly closeEmitter = new Emitter<void>();
  private closed = false;
  /** Reports, one per message after the hello, in order. */
  readonly onDidReport = this.reportEmitter.event;
  /** The connection ended (the process exited, was killed, or sent something that closed it). */
  readonly onDidClose = this.closeEmitter.event;

  constructor(
    readonly hello: ProbeHello,
    private readonly socket: net.Socket,
    private readonly limits: ProbeServerLimits,
    private readonly log: Logger,
  ) {}

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Sends a message; false when the connection is closed. */
  send(msg: HostToProbe): boolean {
    if (this.closed) return false;
    this.socket.write(`${JSON.stringify(msg)}\n`);
    return true;
  }

  /** Asks the probe (only answered while it is blocked) and resolves with the reply's body, unchecked. */
  request<K extends ProbeRequestKind>(kind: K, args: ProbeRequests[K]['args']): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error(`rank ${this.hello.rank} has ended`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`rank ${this.hello.rank} did not answer '${kind}' within ${this.limits.requestTimeoutMs} ms`));
      }, this.limits.requestTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.send({ ...args, kind, id } as HostToProbe);
    });
  }

  /** Handles one validated message. */
  receive(msg: ProbeToHost): void {
    if (msg.kind === 'hello') return this.log.log('warn', `probe rank ${this.hello.rank}: a second hello was ignored`);
    if (msg.kind !== 'reply') return this.reportEmitter.fire(msg);
    const p = this.pending.get(msg.id);
    if (!p) return this.log.log('warn', `probe rank ${this.hello.rank}: a reply to no request (id ${msg.id})`);
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.body);
    else p.reject(new Error(msg.error));
  }

  /** Marks the connection closed, failing its pending requests (called when the socket ends). */
  ended(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`rank ${this.hello.rank} has ended`));
    }
    this.pending.clear();
    this.closeEmitter.fire();
    this.reportEmitter.dispose();
    this.closeEmitter.dispose();
  }

  dispose(): void {
    this.socket.destroy();
    this.ended();
  }
}

/** Compares tokens in constant time (a wrong token must not be guessed a byte at a time). */
function tokenMatches(given: string, token: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(token, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The session's listening socket: accepts probe connections that prove the token. */
export class ProbeServer implements Disposable {
  /** The secret a probe's hello must carry (32 random bytes, hex). */
  readonly token = randomBytes(32).toString('hex');
  private readonly connectEmitter = new Emitter<ProbeConnection>();
  private readonly sockets = new Set<net.Socket>();
  /** A probe proved the token; its connection, ready for requests. */
  readonly onDidConnect = this.connectEmitter.event;

  private constructor(
    private readonly server: net.Server,
    private readonly log: Logger,
    private readonly limits: ProbeServerLimits,
  ) {
    server.on('connection', (s) => this.accept(s));
  }

  /** Listens on 127.0.0.1, on `port` (0: a port the system chooses). */
  static listen(log: Logger, limits: Partial<ProbeServerLimits> = {}, port = 0): Promise<ProbeServer> {
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        server.on('error', (e) => log.log('error', `probe server: ${e.message}`));
        resolve(new ProbeServer(server, log, { ...DEFAULT_LIMITS, ...limits }));
      });
    });
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  /** The environment a probe needs to connect back (PROBE_ENV). */
  get env(): Record<string, string> {
    return { [PROBE_ENV.connect]: `127.0.0.1:${this.port}`, [PROBE_ENV.token]: this.token };
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    // Small messages each way at every blocking event (arm, resume, requests): Nagle's algorithm against the
    // peer's delayed ACK would add ~40 ms to each.
    socket.setNoDelay(true);
    const reader = new LineReader(this.limits.maxLineBytes);
    let conn: ProbeConnection | null = null;
    const drop = (why: string) => {
      this.log.log('warn', `probe connection closed: ${why}`);
      socket.destroy();
    };
    const helloTimer = setTimeout(() => drop('no hello in time'), this.limits.helloTimeoutMs);
    socket.on('data', (chunk: Buffer) => {
      const lines = reader.push(chunk);
      if (!lines) return drop(`a line longer than ${this.limits.maxLineBytes} bytes`);
      for (const line of lines) {
        if (socket.destroyed) return;
        if (line.trim() === '') continue;
        const parsed = parseProbeMessage(line);
        if (!conn) {
          if (!parsed.ok) return drop(`the first message is not a hello (${parsed.error})`);
          const m = parsed.message;
          if (m.kind !== 'hello') return drop(`the first message is '${m.kind}', not a hello`);
          if (!tokenMatches(m.token, this.token)) return drop('wrong token');
          clearTimeout(helloTimer);
          conn = new ProbeConnection(m, socket, this.limits, this.log);
          this.connectEmitter.fire(conn);
          continue;
        }
        if (!parsed.ok) {
          this.log.log('warn', `probe rank ${conn.hello.rank}: dropped a malformed message: ${parsed.error}`);
          continue;
        }
        conn.receive(parsed.message);
      }
    });
    socket.on('error', (e) => this.log.log('debug', `probe socket: ${e.message}`));
    socket.on('close', () => {
      clearTimeout(helloTimer);
      this.sockets.delete(socket);
      conn?.ended();
    });
  }

  dispose(): void {
    this.server.close();
    for (const s of this.sockets) s.destroy();
    this.connectEmitter.dispose();
  }
}
