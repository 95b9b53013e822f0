// Lessons of the shipped examples: every example opens with a sentence that says what it teaches.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { lessonOf, predictionOf } from './lesson';

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

test('a prediction: the question with its choices, and an answer that is one of them', () => {
  const text =
    '# Lesson.\n# predict: Will the loss go down? [yes | no]\n# answer: no — it grows ×1.44 a step.\nnetwork n';
  assert.deepEqual(predictionOf(text), {
    question: 'Will the loss go down?',
    choices: ['yes', 'no'],
    answer: 'no',
    why: 'it grows ×1.44 a step.',
  });
  assert.equal(predictionOf(text.replace('answer: no', 'answer: maybe')), undefined, 'an answer not offered');
  assert.equal(
    predictionOf(`${text.replace('\nnetwork', '\n# Then it overflows.\nnetwork')}`)?.why,
    'it grows ×1.44 a step. Then it overflows.',
  );
  assert.equal(predictionOf('# Lesson.\nnetwork n\n# predict: late? [a | b]\n# answer: a — x'), undefined);
});

test('the shipped lessons that ask a question answer it with one of its choices', () => {
  const dir = path.join(__dirname, '..', '..', 'examples');
  const asking = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.nnet'))
    .filter((f) => /^# predict:/m.test(fs.readFileSync(path.join(dir, f), 'utf8')));
  assert.ok(asking.length >= 3, `${asking}`);
  for (const f of asking) assert.ok(predictionOf(fs.readFileSync(path.join(dir, f), 'utf8')), f);
});
