// Logpoint templates: holes evaluated and formatted, escaped braces, inline errors, parse once and render many times.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTemplate, interpolate, renderTemplate } from './interpolate';
import { fakeScope } from './testing';

const scope = fakeScope();

test('the issue example', () => {
  assert.equal(interpolate('step {step}: ‖∇W‖ = {norm(h1.W.grad)}', scope), 'step 120: ‖∇W‖ = 1.3928388730796715');
});

test('values of every kind format as in the Debug Console', () => {
  assert.equal(
    interpolate('{loss} {phase} {epoch >= 3} {h1.b} {shape(big)}', scope),
    '0.6931471805599453 backward true [0.1, -0.2, 0, 0.3] [32, 4]',
  );
  assert.match(interpolate('big = {big}', scope), /^big = Float32\[32×4\] mean 63\.5 /);
  assert.equal(interpolate('{ step + 1 }', scope), '121');
});

test('{{ and }} are literal braces; a lone } is literal too', () => {
  assert.equal(interpolate('{{step}} = {step}', scope), '{step} = 120');
  assert.equal(interpolate('a }} b } c', scope), 'a } b } c');
  assert.equal(interpolate('no holes', scope), 'no holes');
  assert.equal(interpolate('', scope), '');
});

test('a } inside a string in a hole does not close it', () => {
  assert.equal(interpolate('{phase == "}"}!', scope), 'false!');
  assert.equal(interpolate('{"a\\"}"}', scope), 'a"}');
});

test('errors appear inline and the rest of the message still renders', () => {
  assert.equal(interpolate('a {nope} b {step}', scope), "a <error: unknown name 'nope'> b 120");
  assert.equal(
    interpolate('{norm(h1.W.grad}', scope),
    "<error: expected ',' or ')' at 14, found the end of the expression>",
  );
  assert.equal(interpolate('{} x', scope), '<error: empty expression> x');
  assert.equal(
    interpolate('x = {step', scope),
    "x = <error: '{' at 4 is never closed (write '{{' for a literal brace)>",
  );
  assert.equal(interpolate('{h1.W + h1.b}', scope), '<error: shape mismatch: [4×2] and [4] do not broadcast>');
  assert.equal(interpolate('{"}', scope), "<error: '{' at 0 is never closed (write '{{' for a literal brace)>");
});

test('a compiled template renders against each new scope', () => {
  const t = compileTemplate('step {step}, loss {loss}');
  assert.equal(t.isConstant, false);
  assert.equal(t.parts.length, 4);
  assert.equal(renderTemplate(t, fakeScope({ step: 1, loss: 0.5 })), 'step 1, loss 0.5');
  assert.equal(renderTemplate(t, fakeScope({ step: 2, loss: 0.25 })), 'step 2, loss 0.25');
  assert.equal(compileTemplate('plain {{text}}').isConstant, true);
});
