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
