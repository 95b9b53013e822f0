// The probe server over a raw loopback socket: the token, JSON-lines framing across chunks, malformed and oversized
// lines, requests matched by id and their timeout.

import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { afterEach, test } from 'node:test';
import { silentLogger, type Logger } from '../log';
import { ProbeServer, type ProbeConnection, type ProbeReport } from './probeServer';
import { PROBE_ENV } from './probeProtocol';

const hello = (token: string, rank = 0) => ({
  kind: 'hello',
  token,
  role: 'rank',
  rank,
  worldSize: 1,
  pid: 1234,
  python: '3.11',
  torch: '1.13.1',
  script: '/tmp/train.py',
  args: [],
});

let server: ProbeServer | null = null;
const sockets: net.Socket[] = [];
afterEach(() => {
  server?.dispose();
  for (const s of sockets) s.destroy();
});

async function start(limits = {}, log: Logger = silentLogger): Promise<ProbeServer> {
  server = await ProbeServer.listen(log, limits);
  return server;
}

async function connect(s: ProbeServer): Promise<net.Socket> {
  const sock = net.connect(s.port, '127.0.0.1');
  sockets.push(sock);
  await once(sock, 'connect');
  return sock;
}

/** Resolves with the next connection that proves the token. */
const connected = (s: ProbeServer) => new Promise<ProbeConnection>((r) => s.onDidConnect(r));

/** Resolves true when the socket is closed by the server within `ms`, false otherwise. */
function closedWithin(sock: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    sock.on('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

test('listens on loopback only, with a fresh 256-bit token in the environment it hands the probe', async () => {
  const s = await start();
  const other = await ProbeServer.listen(silentLogger);
  try {
    assert.match(s.token, /^[0-9a-f]{64}$/);
    assert.notEqual(s.token, other.token);
    assert.equal(s.env[PROBE_ENV.connect], `127.0.0.1:${s.port}`);
    assert.equal(s.env[PROBE_ENV.token], s.token);
    assert.ok(s.port > 0);
  } finally {
    other.dispose();
  }
});

test('a connection with the wrong token, or whose first message is not a hello, is closed', async () => {
  const s = await start();
  let accepted = 0;
  s.onDidConnect(() => accepted++);
  const wrong = await connect(s);
  wrong.write(`${JSON.stringify(hello('0'.repeat(64)))}\n`);
  assert.equal(await closedWithin(wrong, 2000), true);
  const notHello = await connect(s);
  notHello.write(`${JSON.stringify({ kind: 'exit', code: 0, error: null })}\n`);
  assert.equal(await closedWithin(notHello, 2000), true);
  const garbage = await connect(s);
  garbage.write('{not json\n');
  assert.equal(await closedWithin(garbage, 2000), true);
  assert.equal(accepted, 0);
});

test('a silent connection is closed after the hello timeout', async () => {
  const s = await start({ helloTimeoutMs: 100 });
  const sock = await connect(s);
  assert.equal(await closedWithin(sock, 2000), true);
});

test('messages split across chunks and batched in one chunk are framed by newlines; malformed ones are dropped', async () => {
  const warnings: string[] = [];
  const s = await start({}, { enabled: () => true, log: (level, m) => level === 'warn' && warnings.push(m) });
  const sock = await connect(s);
  const conn = connected(s);
  const text = `${JSON.stringify(hello(s.token, 3))}\n`;
  sock.write(text.slice(0, 10));
  await new Promise((r) => setTimeout(r, 20));
  sock.write(text.slice(10));
  const c = await conn;
  assert.equal(c.hello.rank, 3);
  const reports: ProbeReport[] = [];
  c.onDidReport((m) => reports.push(m));
  const good = { kind: 'rankExit', rank: 1, code: -9 };
  const exit = { kind: 'exit', code: 1, error: { type: 'ValueError', message: 'x', traceback: 'T', site: null } };
  sock.write(
    [
      JSON.stringify(good),
      '[1,2,3]',
      '{"kind":"event","phase":"sideways"}',
      '{"kind":"nonsense"}',
      JSON.stringify({ ...good, rank: -1 }),
      JSON.stringify(exit),
    ].join('\n') + '\n',
  );
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(reports, [good, exit]);
  assert.equal(warnings.filter((w) => w.includes('dropped a malformed message')).length, 4);
  assert.equal(c.isOpen, true);
});

test('numbers in wire forms are decoded (NaN as null, Infinity spelled out)', async () => {
  const s = await start();
  const sock = await connect(s);
  const conn = connected(s);
  sock.write(`${JSON.stringify(hello(s.token))}\n`);
  const c = await conn;
  const got = new Promise<ProbeReport>((r) => c.onDidReport(r));
  const step = { kind: 'stepEnd', step: 2, wait: false, loss: null, modules: [], clipNorm: null };
  sock.write(`${JSON.stringify({ ...step, gradNormBefore: 'Infinity', gradNormAfter: null })}\n`);
  const m = await got;
  assert.equal(m.kind, 'stepEnd');
  if (m.kind === 'stepEnd') {
    assert.equal(m.gradNormBefore, Infinity);
    assert.ok(Number.isNaN(m.gradNormAfter));
  }
});

test('a line longer than the cap closes the connection', async () => {
  const s = await start({ maxLineBytes: 1000 });
  const sock = await connect(s);
  const conn = connected(s);
  sock.write(`${JSON.stringify(hello(s.token))}\n`);
  const c = await conn;
  const closed = new Promise<void>((r) => c.onDidClose(r));
  sock.write('x'.repeat(600));
  sock.write('x'.repeat(600));
  await closed;
  assert.equal(c.isOpen, false);
});

test('requests are matched to replies by id; an error reply rejects; a silent probe times out', async () => {
  const s = await start({ requestTimeoutMs: 200 });
  const sock = await connect(s);
  const conn = connected(s);
  sock.write(`${JSON.stringify(hello(s.token))}\n`);
  const c = await conn;
  const sent: { kind: string; id: number }[] = [];
  let buffered = '';
  sock.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const l of lines) sent.push(JSON.parse(l) as { kind: string; id: number });
  });
  const a = c.request('summaries', { module: 'fc1' });
  const b = assert.rejects(
    c.request('values', { module: 'fc1', tensor: 'weight', offset: 0, count: 4 }),
    /no tensor weight/,
  );
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(
    sent.map((m) => m.kind),
    ['summaries', 'values'],
  );
  // Answered out of order: each reply goes to the request with its id.
  sock.write(`${JSON.stringify({ kind: 'reply', id: sent[1].id, ok: false, error: 'no tensor weight' })}\n`);
  sock.write(`${JSON.stringify({ kind: 'reply', id: sent[0].id, ok: true, body: { tensors: {} } })}\n`);
  assert.deepEqual(await a, { tensors: {} });
  await b;
  const t0 = Date.now();
  await assert.rejects(c.request('summaries', { module: 'fc2' }), /did not answer 'summaries' within 200 ms/);
  assert.ok(Date.now() - t0 >= 190);
  // A request pending when the process goes away fails at once.
  const pending = assert.rejects(c.request('summaries', { module: 'fc3' }), /rank 0 has ended/);
  sock.destroy();
  await pending;
});
