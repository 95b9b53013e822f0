// Lessons of the shipped examples: every example opens with a sentence that says what it teaches.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { lessonOf } from './lesson';

test('the lesson is the first sentence of the leading comment', () => {
  assert.equal(
    lessonOf('# XOR with one hidden layer: the smallest problem. More.\nnetwork xor'),
    'XOR with one hidden layer: the smallest problem.',
  );
  assert.equal(lessonOf('# Two lines of\n# comment. Then more.\nnetwork n'), 'Two lines of comment.');
  assert.equal(lessonOf('network n\n# late comment'), '');
  assert.ok(lessonOf(`# ${'word '.repeat(100)}`).length <= 160);
});

test('every shipped example states its lesson', () => {
  const dir = path.join(__dirname, '..', '..', 'examples');
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.nnet'))) {
    const lesson = lessonOf(fs.readFileSync(path.join(dir, file), 'utf8'));
    assert.ok(lesson.length >= 20, `${file}: '${lesson}'`);
  }
});
