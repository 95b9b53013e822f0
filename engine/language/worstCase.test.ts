// Parsing and checking are bounded in time: the worst files the limits allow (the layer limit reached through nested
// repeats, the deepest nesting, the widest layers, the most samples, lines of millions of words, a file of the
// largest size in millions of lines) each parse and check well within a bound, measured and reported. The goal on
// an idle machine is < 100 ms for the structural ones; the bound here (2 s of CPU) is generous because test machines
// are shared.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from './parser';
import { LIMITS } from './spec';

const BOUND_MS = 5000; // a regression bound, not the goal: these files took 6–98 s before lines were read lazily
const nested = (open: string, depth: number, inner: string) =>
  `${`${open}\n`.repeat(depth)}${inner}\n${'end\n'.repeat(depth)}`;
const fill = (bytes: number, unit: string) => unit.repeat(Math.floor(bytes / unit.length));
const SIZE = LIMITS.maxSourceBytes - 1000;
const row = (values: number) => `${Array.from({ length: values }, (_, i) => (i % 7) / 8 - 0.25).join(' ')} -> 1\n`;

/** Each worst case, and whether the limits accept it (false: it is refused with diagnostics, which must be quick too). */
const CASES: Record<string, { text: string; accepted: boolean }> = {
  'the layer limit through five nested repeat 4, with 100,000 generated samples': {
    text: `network n\ninput 2\n${nested('repeat 4', 5, 'dense h 2 relu')}dense out 1 sigmoid\nloss bce\ndata generate spiral n=100000 classes=2\ntrain\n  batch 64\n`,
    accepted: false,
  },
  'the deepest nesting (32 residual and repeat blocks) around 1,000 layers': {
    text: `network n\ninput 2\n${nested('residual', 16, nested('repeat 1', 16, Array.from({ length: 1000 }, (_, i) => `dense h${i} 2 tanh`).join('\n')).trimEnd())}dense out 1 sigmoid\nloss bce\ndata generate xor n=100000\ntrain\n  batch 32\n`,
    accepted: true,
  },
  'the widest input (8,192) into 2,048 units (17M parameters) with 180 inline rows of 8,192 values': {
    text: `network n\ninput 8192\ndense a 2048 relu\ndense out 1 sigmoid\nloss bce\ndata\n${row(8192).repeat(180)}train\n  batch 32\n`,
    accepted: true,
  },
  '100,000 inline samples (the sample limit)': {
    text: `network n\ninput 2\ndense h 16 relu\ndense out 1 sigmoid\nloss bce\ndata\n${row(2).repeat(LIMITS.maxSamples)}`,
    accepted: true,
  },
  'a layer line of 8 million words (16 MB)': {
    text: `network n\ninput 2\ndense h 2 relu ${fill(SIZE, 'y ')}\ndense out 1 sigmoid\nloss bce\ndata generate xor\n`,
    accepted: false,
  },
  'a data row of 4 million values (16 MB)': {
    text: `network n\ninput 2\ndense out 1 sigmoid\nloss bce\ndata\n${fill(SIZE, '0.5 ')} -> 1\n`,
    accepted: false,
  },
  'a 16 MB comment on one line': {
    text: `network n\ninput 2\ndense out 1 sigmoid # ${fill(SIZE, 'x')}\nloss bce\ndata generate xor\n`,
    accepted: true,
  },
  '1.6 million layer lines past the layer limit (16 MB)': {
    text: `network n\ninput 2\n${fill(SIZE, 'dense h 2\n')}dense out 1 sigmoid\nloss bce\ndata generate xor\n`,
    accepted: false,
  },
  '1.6 million lines of comments and blanks (16 MB)': {
    text: `network n\ninput 2\n${fill(SIZE, '# c\n\n')}dense out 1 sigmoid\nloss bce\ndata generate xor\n`,
    accepted: true,
  },
};

for (const [name, { text, accepted }] of Object.entries(CASES)) {
  test(`worst case: ${name}`, (t) => {
    assert.ok(text.length <= LIMITS.maxSourceBytes, 'within the file size limit');
    parseNnet(text.slice(0, 2000)); // warm the code paths, not the measurement
    const cpu0 = process.cpuUsage(),
      t0 = performance.now();
    const r = parseNnet(text);
    const ms = performance.now() - t0,
      cpu = process.cpuUsage(cpu0);
    t.diagnostic(
      `parse + check: ${ms.toFixed(1)} ms (${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU), ${(text.length / 1e6).toFixed(2)} MB, ${r.diagnostics.length} diagnostics`,
    );
    assert.equal(
      r.spec !== null,
      accepted,
      r.diagnostics
        .slice(0, 3)
        .map((d) => `${d.range.line + 1}: ${d.message}`)
        .join('\n'),
    );
    assert.ok(r.diagnostics.length <= 1000);
    // CPU time, not wall time: other processes on a shared test machine stretch the latter, not the work done.
    const cpuMs = (cpu.user + cpu.system) / 1000;
    assert.ok(cpuMs < BOUND_MS, `took ${cpuMs.toFixed(0)} ms of CPU (${ms.toFixed(0)} ms)`);
  });
}

test('a line past the word limit gets one error at the first ignored word, not one per word', () => {
  const r = parseNnet(
    `network n\ninput 2\ndense h 2 relu ${'init=he '.repeat(100)}\ndense out 1 sigmoid\nloss bce\ndata generate xor\n`,
  );
  const long = r.diagnostics.filter((d) => d.message.startsWith('this line is too long'));
  assert.equal(long.length, 1);
  assert.equal(long[0].message, 'this line is too long: a statement has at most 64 words; the rest is ignored');
  assert.deepEqual([long[0].range.line, long[0].range.col], [2, 'dense h 2 relu '.length + 60 * 'init=he '.length]);
});
