// Fuzz: thousands of random DAP requests, with valid, missing, mistyped and junk arguments and the odd malformed
// message, against the real standalone adapter (dist/debugAdapter.js) on stdio. It must never exit and must answer
// every request within a bound; an error response never carries a stack trace. Seeded: NNET_FUZZ_SEED=… reruns one.

import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Prng } from '../../engine/nn/prng';
import { hasStack, RawDap } from './rawDap';

const root = path.resolve(__dirname, '..', '..');
const adapter = process.env.NNET_FUZZ_ADAPTER ?? path.join(root, 'dist', 'debugAdapter.js');
const xor = path.join(root, 'examples', 'xor.nnet');
const SEED = Number(process.env.NNET_FUZZ_SEED ?? 20260101);
/** Requests in all; a session (one adapter process) lasts until it has ended and been poked a little, or MAX_PER_SESSION. */
const TOTAL = 3000,
  MAX_PER_SESSION = 600,
  AFTER_END = 25;
/** Generous: the machine may be busy with other test runs; a real hang never answers at all. */
const ANSWER_WITHIN_MS = 20_000;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-fuzz-dap-'));
const write = (name: string, text: string) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
};
const nested = (open: string, n: number) =>
  `network r\ninput 2\n${`${open}\n`.repeat(n)}dense h 2\n${'end\n'.repeat(n)}dense out 1 sigmoid\nloss bce\ndata generate xor\n`;
/** xor for a million epochs: the session launched first trains until the fuzz ends it. */
const long = write('long.nnet', fs.readFileSync(xor, 'utf8').replace('epochs 2000', 'epochs 1000000'));
const PROGRAMS = [
  xor,
  xor,
  xor,
  long,
  write('repeats.nnet', nested('repeat 256', 3)),
  write('deep.nnet', nested('residual', 3000)),
  write('broken.nnet', 'network\ninput x\n'),
  path.join(tmp, 'missing.nnet'),
  tmp,
  '/dev/null',
  '/dev/zero',
  'relative.nnet',
];
if (process.platform !== 'win32') {
  const fifo = path.join(tmp, 'pipe.nnet');
  execFileSync('mkfifo', [fifo]);
  PROGRAMS.push(fifo);
}

/** Weighted: the requests of a paused session come often, so the paused state gets its share; `terminate` is rare. */
const COMMANDS = [
  ...Array<string>(6).fill('variables'),
  ...Array<string>(4).fill('evaluate'),
  ...Array<string>(3).fill('scopes'),
  'stackTrace',
  'stackTrace',
  'setVariable',
  'setVariable',
  'completions',
  'nnet.layerDetail',
  'nnet.gotoStep',
  'exceptionInfo',
  'threads',
  'next',
  'stepIn',
  'stepOut',
  'stepBack',
  'reverseContinue',
  'continue',
  'pause',
  'initialize',
  'configurationDone',
  'launch',
  'setBreakpoints',
  'setFunctionBreakpoints',
  'setExceptionBreakpoints',
  'source',
  'attach',
  'restart',
  'goto',
  'loadedSources',
  'setExpression',
  'dataBreakpointInfo',
  'setDataBreakpoints',
  'readMemory',
  'disassemble',
  'cancel',
  'breakpointLocations',
  'stepInTargets',
  'gotoTargets',
  'restartFrame',
  'modules',
  'terminateThreads',
  'bogus',
  '',
  '__proto__',
  'constructor',
];
const RESUMES = new Set(['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'nnet.gotoStep']);
const JUNK: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 53,
  1e308,
  '',
  'x',
  '../../../etc/passwd',
  '{',
  'a'.repeat(5000),
  [],
  [1, 'two'],
  {},
  { a: { b: {} } },
  { __proto__: { polluted: 1 } },
];

function fuzzer(rng: Prng) {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng.next() * a.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
  const maybe = <T>(p: number, v: () => T): T | undefined => (rng.next() < p ? v() : undefined);
  const valid = (command: string): Record<string, unknown> => {
    switch (command) {
      case 'initialize':
        return {
          adapterID: 'nnet',
          pathFormat: pick(['path', 'path', 'uri']),
          linesStartAt1: rng.next() < 0.8,
          supportsProgressReporting: rng.next() < 0.5,
        };
      case 'launch':
        return {
          program: pick(PROGRAMS),
          stopOnEntry: rng.next() < 0.6,
          historyMB: maybe(0.3, () => pick([1, 256, -5, 0, 1e9])),
          noDebug: rng.next() < 0.1,
          dataRoot: maybe(0.2, () => pick([tmp, root, '/nonexistent'])),
        };
      case 'setBreakpoints':
        return {
          source: { path: pick([xor, xor, ...PROGRAMS, '']) },
          breakpoints: Array.from({ length: int(0, 4) }, () => ({
            line: int(-1, 22),
            condition: maybe(0.3, () => pick(['loss > 0', 'loss >', '((', 'h1.W[0][0] < 10', 'nonsense'])),
            hitCondition: maybe(0.2, () => pick(['3', '>= 2', '% 0', 'abc'])),
            logMessage: maybe(0.2, () => pick(['{loss}', '{', 'plain', '{1/0}'])),
            mode: maybe(0.3, () => pick(['forward', 'backward', 'both', 'sideways'])),
          })),
        };
      case 'setFunctionBreakpoints':
        return {
          breakpoints: Array.from({ length: int(0, 3) }, () => ({
            name: pick(['h1', 'out', 'h', 'nope', '']),
            condition: maybe(0.3, () => pick(['loss > 0', ')('])),
          })),
        };
      case 'setExceptionBreakpoints':
        return {
          filters: Array.from({ length: int(0, 3) }, () => pick(['nan', 'exploding', 'vanishing', 'bogus'])),
          filterOptions: maybe(0.5, () => [
            { filterId: pick(['nan', 'exploding', 'vanishing', 'bogus']), condition: pick(['1e3', '-1', 'x', '']) },
          ]),
        };
      case 'variables':
        return {
          variablesReference: int(0, 12),
          start: maybe(0.3, () => int(-2, 20)),
          count: maybe(0.3, () => int(-1, 10)),
        };
      case 'setVariable':
        return {
          variablesReference: int(0, 12),
          name: pick(['lr', '[0]', '[1]', '[0][1]', 'W', '']),
          value: pick(['0.1', '-2', 'abc', '1e400', '', 'NaN']),
        };
      case 'evaluate':
        return {
          expression: pick([
            'loss',
            'lr',
            'h1.W',
            'h1.W[0][0]',
            'out.delta',
            'x',
            'yhat - y',
            '1 +',
            '((((',
            'a'.repeat(2000),
            'h1.W[99]',
          ]),
          context: pick(['hover', 'repl', 'watch']),
          frameId: int(0, 3),
        };
      case 'completions':
        return { text: pick(['h1.', 'lo', '', 'out.W.']), column: int(-1, 8) };
      case 'scopes':
        return { frameId: int(0, 3) };
      case 'stackTrace':
        return { threadId: 1, startFrame: int(0, 2), levels: int(0, 3) };
      case 'nnet.layerDetail':
        return { layer: pick(['h1', 'out', 'zz', 5, null]), step: pick([1, 0, -1, 'x', 1e9]) };
      case 'nnet.gotoStep':
        return { step: pick([1, 2, 3, 40, 0, -1, 1.5, 'x', 1e9]) };
      default:
        return { threadId: pick([1, 1, 2, -1]) };
    }
  };
  /** The arguments of one request: mostly plausible, often broken in one field, sometimes junk or absent. */
  const args = (command: string): unknown => {
    const r = rng.next();
    if (r < 0.1) return undefined;
    if (r < 0.15) return pick(JUNK);
    const a = valid(command);
    if (r < 0.6) return a;
    const keys = Object.keys(a);
    if (!keys.length) return a;
    const k = pick(keys);
    if (rng.next() < 0.3) delete a[k];
    else a[k] = pick(JUNK);
    return a;
  };
  return { pick, args };
}

test(`${TOTAL} random DAP requests: the adapter never exits and answers every one (seed ${SEED})`, async () => {
  assert.ok(fs.existsSync(adapter), 'run `npm run build` first');
  const rng = new Prng(SEED);
  const f = fuzzer(rng);
  let answered = 0,
    failedResponses = 0,
    pausedAnswers = 0;
  let total = 0;
  for (let s = 0; total < TOTAL; s++) {
    const dap = new RawDap(adapter);
    const log: string[] = [];
    try {
      // Most sessions start properly, so the paused and running states get their share of requests.
      if (s % 3 !== 2) {
        await dap.request('initialize', { adapterID: 'nnet', pathFormat: 'path' }, ANSWER_WITHIN_MS);
        await dap.request(
          'setBreakpoints',
          { source: { path: long }, breakpoints: [{ line: 4 }, { line: 5 }] },
          ANSWER_WITHIN_MS,
        );
        await dap.request('configurationDone', {}, ANSWER_WITHIN_MS);
        await dap.request('launch', { program: long, stopOnEntry: true }, ANSWER_WITHIN_MS);
      }
      let ended = -1;
      for (let i = 0; i < MAX_PER_SESSION && total < TOTAL && (ended < 0 || i - ended < AFTER_END); i++, total++) {
        if (ended < 0 && dap.events.some((e) => e.event === 'terminated')) ended = i;
        const r = rng.next();
        if (r < 0.01) {
          dap.sendRaw(
            f.pick([
              '{not json',
              'null',
              '42',
              '[]',
              '{"type":"request"}',
              '{"type":"response","request_seq":1}',
              '"x"',
            ]),
          );
          log.push('raw');
          continue;
        }
        const command = r < 0.012 ? 'disconnect' : r < 0.015 ? 'terminate' : f.pick(COMMANDS);
        const a = f.args(command);
        log.push(`${command} ${JSON.stringify(a)?.slice(0, 200)}`);
        const stops = dap.events.length;
        const answer = await dap.request(command, a, ANSWER_WITHIN_MS);
        const context = () =>
          `session ${s}, request ${i} (seed ${SEED}); last requests:\n${log.slice(-8).join('\n')}\nstderr: ${dap.stderr.slice(-2000)}`;
        assert.notEqual(answer, 'exited', `the adapter exited ${JSON.stringify(dap.exit)} at ${context()}`);
        assert.notEqual(answer, 'timeout', `no answer within ${ANSWER_WITHIN_MS} ms at ${context()}`);
        const response = answer as DebugProtocol.Response;
        assert.ok(!hasStack(response), `a stack trace in ${JSON.stringify(response).slice(0, 2000)} at ${context()}`);
        answered++;
        // After a resume, give the worker a moment to pause again, so the next requests meet a paused session.
        if (response.success && RESUMES.has(command)) {
          for (
            let t = 0;
            t < 5 && !dap.events.slice(stops).some((e) => e.event === 'stopped' || e.event === 'terminated');
            t++
          )
            await new Promise((r) => setTimeout(r, 10));
        }
        if (!response.success) failedResponses++;
        // Answers only a paused session gives: the fuzz must reach that state, not only the refusals.
        if (
          response.success &&
          (command === 'evaluate' || (command === 'variables' && response.body?.variables?.length))
        )
          pausedAnswers++;
      }
      assert.equal(dap.exit, null);
      assert.doesNotMatch(dap.stderr, /Error|Unhandled|FATAL/, 'the adapter printed an error');
    } finally {
      await dap.close();
    }
  }
  assert.ok(pausedAnswers >= 10, `only ${pausedAnswers} answers came from a paused session`);
  assert.ok(
    failedResponses > answered / 10 && failedResponses < answered,
    `${failedResponses} of ${answered} requests failed: the mix exercises both paths`,
  );
  console.log(
    `# ${answered} answered, ${failedResponses} error responses, ${pausedAnswers} answers from a paused session`,
  );
});
