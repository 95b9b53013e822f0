// The one-line lesson of a .nnet file: the first sentence of its leading comment, as pickers and walkthroughs show it.

/** The first sentence of the comment lines at the top of `text` (up to three lines), at most 160 characters. */
export function lessonOf(text: string): string {
  const lines: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (!line.startsWith('#') || lines.length === 3) break;
    lines.push(line.replace(/^#\s?/, '').trim());
  }
  const comment = lines.join(' ');
  const sentence = /^(.*?[.!?])(\s|$)/.exec(comment)?.[1] ?? comment;
  return sentence.length > 160 ? `${sentence.slice(0, 157)}…` : sentence;
}

/** A question a lesson asks before its run (`# predict:` and `# answer:` lines of the leading comment). */
export interface Prediction {
  /** The question, as the learner reads it before Train. */
  readonly question: string;
  /** The answers offered, in the file's order. */
  readonly choices: readonly string[];
  /** The right one: one of `choices`. */
  readonly answer: string;
  /** Why, in the seed's words and the run's numbers: shown when the run ends. */
  readonly why: string;
}

/**
 * The prediction of a lesson file: in its leading comment, `# predict: QUESTION [A | B | C]` and
 * `# answer: A — WHY`. Undefined when the file asks none, or when its answer is not one of its choices.
 */
export function predictionOf(text: string): Prediction | undefined {
  let question: RegExpExecArray | null = null,
    answer: RegExpExecArray | null = null;
  const why: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (!line.startsWith('#')) break;
    question ??= /^#\s*predict:\s*(.+?)\s*\[([^\]]+)\]\s*$/.exec(line);
    // The reason runs from the answer line to the end of the comment (or the question, if it comes after).
    if (answer && !/^#\s*predict:/.test(line)) why.push(line.replace(/^#\s?/, '').trim());
    else if (!answer && (answer = /^#\s*answer:\s*(.+?)\s+—\s+(.+)$/.exec(line))) why.push(answer[2].trim());
  }
  if (!question || !answer) return undefined;
  const choices = question[2].split('|').map((c) => c.trim());
  const right = answer[1].trim();
  if (!choices.includes(right)) return undefined;
  return { question: question[1], choices, answer: right, why: why.join(' ') };
}
