// The network block of a .nnet file: layer statements, and `residual` / `repeat N` blocks closed by `end`.

import { ACTIVATIONS } from '../nn/activations';
import { LAYER_KINDS, layerKind } from '../nn/layers';
import { IDENT } from '../nn/layers/kind';
import { at, type Line, type ParseContext } from './context';
import { parseInteger } from './lexer';
import { LIMITS, type LayerSpec, type SourceRange } from './spec';

export { parseInit } from '../nn/layers/dense';

/** Words that start a statement inside the network block: `input`, every registered layer kind, the blocks. */
export const LAYER_KEYWORDS: readonly string[] = [
  'input',
  ...LAYER_KINDS.map((k) => k.keyword),
  'residual',
  'repeat',
  'end',
];
const RESERVED = new Set<string>([...LAYER_KEYWORDS, 'network', 'loss', 'data', 'train', ...ACTIVATIONS]);

/**
 * An open block. `size` counts the layers it holds once expanded (a residual counts itself and its body), so a
 * `repeat` can be refused before it copies anything; a `dropped` frame (nested too deep, or inside one) keeps
 * nothing, which bounds the depth of the layer tree that every later walk recurses over.
 */
type Frame = { layers: LayerSpec[]; size: number; dropped: boolean; lostLayers: boolean } & (
  | { readonly kind: 'network' }
  | { readonly kind: 'residual'; readonly name: string; readonly range: SourceRange }
  | { readonly kind: 'repeat'; readonly count: number; readonly range: SourceRange }
);

/** Builds the layer list from the statements of the network block, one line at a time. */
export class NetworkBuilder {
  private readonly stack: Frame[] = [{ kind: 'network', layers: [], size: 0, dropped: false, lostLayers: false }];
  private statements = 0;
  /** Layers the network has so far with every closed `repeat` expanded; open blocks count their body once. */
  private expanded = 0;
  /** Set once a layer past the layer limit was reported. */
  private tooMany = false;
  /** Set when a layer statement could not be parsed, so whole-network checks do not cascade. */
  failed = false;
  input: { size: number; range: SourceRange } | null = null;
  /** The first `input` line, valid or not (a malformed one is reported there, not as a missing one). */
  inputSeen: SourceRange | null = null;

  constructor(private readonly ctx: ParseContext) {}

  /** Parses one statement of the network block. */
  statement(line: Line): void {
    const [head] = line.toks;
    switch (head.text) {
      case 'input':
        return this.inputStatement(line);
      case 'end':
        return this.end(line);
      case 'residual': {
        const name = this.name(line, 1, 'residual');
        this.ctx.extra(line, name.explicit ? 2 : 1);
        this.open(line, { kind: 'residual', name: name.value, range: line.whole });
        return;
      }
      case 'repeat': {
        const t = line.toks[1];
        const n = t ? parseInteger(t.text) : null;
        if (n === null || n < 1 || n > LIMITS.maxRepeat) {
          this.ctx.error(
            t ? at(line, t) : line.whole,
            `expected how many times to repeat, an integer from 1 to ${LIMITS.maxRepeat}, e.g. 'repeat 4'`,
          );
          this.failed = true;
        }
        this.ctx.extra(line, 2);
        this.open(line, {
          kind: 'repeat',
          count: n !== null && n >= 1 && n <= LIMITS.maxRepeat ? n : 1,
          range: line.whole,
        });
        return;
      }
      default: {
        if (!layerKind(head.text)) {
          this.ctx.error(at(line, head), `unknown layer '${head.text}'; expected one of ${LAYER_KEYWORDS.join(', ')}`);
          this.failed = true;
          return;
        }
        if (this.tooMany) {
          this.statements++;
          return;
        } // the file is refused already; parsing more costs time only
        const layer = this.layer(line, head.text);
        if (!layer) this.failed = true;
        else if (this.expanded >= LIMITS.maxLayers) {
          // Refused here rather than kept for the checker to count: a file of millions of layer lines stays cheap.
          if (!this.tooMany)
            this.ctx.error(
              line.whole,
              `this layer makes the network longer than the limit of ${LIMITS.maxLayers} layers`,
            );
          this.tooMany = true;
          this.failed = true;
        } else if (!this.top.dropped) {
          this.top.layers.push(layer);
          this.top.size++;
          this.expanded++;
        }
        return;
      }
    }
  }

  /** Closes the block: reports unclosed `residual`/`repeat` and returns the layers. */
  finish(): LayerSpec[] {
    while (this.stack.length > 1) {
      const f = this.stack[this.stack.length - 1];
      if (f.kind !== 'network')
        this.ctx.error(f.range, `'${f.kind}' block is never closed: add a line 'end' after its layers`);
      this.close();
    }
    return this.stack[0].layers;
  }

  /** True if any layer statement was seen (even one that failed). */
  get hasStatements(): boolean {
    return this.statements > 0;
  }

  private get top(): Frame {
    return this.stack[this.stack.length - 1];
  }

  private inputStatement(line: Line): void {
    if (this.inputSeen) {
      this.ctx.error(line.whole, `'input' is already given on line ${this.inputSeen.line + 1}`);
      return;
    }
    this.inputSeen = line.whole;
    if (this.stack.length > 1 || this.stack[0].layers.length || this.statements)
      this.ctx.error(line.whole, "'input' must come before the first layer");
    const t = line.toks[1];
    const n = t ? parseInteger(t.text) : null;
    if (!t || n === null || n < 1)
      this.ctx.error(t ? at(line, t) : line.whole, "expected the input width, a positive integer, e.g. 'input 2'");
    else if (n > LIMITS.maxUnits)
      this.ctx.error(at(line, t), `input width ${n} is larger than the limit of ${LIMITS.maxUnits}`);
    else this.input = { size: n, range: line.whole };
    this.ctx.extra(line, 2);
  }

  private end(line: Line): void {
    if (this.stack.length === 1) {
      this.ctx.error(line.whole, "'end' without a 'residual' or 'repeat' block to close");
      return;
    }
    this.ctx.extra(line, 1);
    const f = this.top;
    if (!f.layers.length && !f.dropped && !f.lostLayers && f.kind !== 'network')
      this.ctx.error(f.range, `the '${f.kind}' block has no layers`);
    this.close(line.whole);
  }

  /** Opens a block, or a dropped one past the nesting limit (reported once, on the line that crosses it). */
  private open(
    line: Line,
    block:
      { kind: 'residual'; name: string; range: SourceRange } | { kind: 'repeat'; count: number; range: SourceRange },
  ): void {
    const depth = this.stack.length; // the network frame is depth 0, so this is the new block's depth
    const dropped = this.top.dropped || depth > LIMITS.maxNesting;
    if (dropped && !this.top.dropped) {
      this.ctx.error(
        line.whole,
        `blocks nest ${depth} deep here, more than the limit of ${LIMITS.maxNesting}: close some with 'end'`,
      );
      this.failed = true;
    }
    this.stack.push({ ...block, layers: [], size: 0, dropped, lostLayers: false });
  }

  private close(endRange?: SourceRange): void {
    const f = this.stack.pop()!;
    const parent = this.top;
    if (f.dropped) {
      parent.lostLayers = true;
      return;
    }
    if (f.kind === 'residual') {
      if (!f.layers.length) {
        parent.lostLayers ||= f.lostLayers;
        return;
      }
      parent.layers.push({
        kind: 'residual',
        name: f.name,
        range: f.range,
        body: f.layers,
        endRange: endRange ?? f.range,
      });
      parent.size += f.size + 1;
      this.expanded++;
    } else if (f.kind === 'repeat') {
      // Checked before copying: nested repeats multiply, and 256 × 256 × 256 copies would exhaust memory.
      const total = this.expanded - f.size + f.size * f.count;
      if (total > LIMITS.maxLayers) {
        this.ctx.error(
          f.range,
          `repeating ${f.size} layer(s) ${f.count} times makes the network ${total.toLocaleString('en-US')} layers, more than the limit of ${LIMITS.maxLayers}`,
        );
        this.failed = true;
        this.expanded -= f.size;
        parent.lostLayers = true;
        return;
      }
      this.expanded = total;
      parent.size += f.size * f.count;
      parent.lostLayers ||= f.lostLayers;
      for (let k = 1; k <= f.count; k++) for (const l of f.layers) parent.layers.push(renamed(l, k));
    }
  }

  /** Reads an optional explicit name at token `i`; otherwise makes one from the statement's position. */
  private name(line: Line, i: number, kind: string): { value: string; explicit: boolean } {
    this.statements++;
    const t = line.toks[i];
    if (t && IDENT.test(t.text) && !RESERVED.has(t.text) && !t.text.includes('='))
      return { value: t.text, explicit: true };
    // A word where the name goes that is neither a name nor a number (`h-1`, `héllo`): say what a name is, and read
    // the rest of the line as if it were one, rather than calling each following token unexpected.
    if (t && !t.text.includes('=') && /^[^\d+\-.]/.test(t.text) && !IDENT.test(t.text)) {
      this.ctx.error(
        at(line, t),
        `'${t.text}' is not a valid layer name: a name is a letter or _ followed by letters, digits or _`,
      );
      return { value: `${kind}${this.statements}`, explicit: true };
    }
    return { value: `${kind}${this.statements}`, explicit: false };
  }

  /** Parses a layer statement of a registered kind: name, then the kind's own words and options. */
  private layer(line: Line, keyword: string): LayerSpec | null {
    const kind = layerKind(keyword)!;
    const nm = this.name(line, 1, keyword);
    const rest = line.toks.slice(nm.explicit ? 2 : 1);
    const options = rest.filter((t) => t.text.includes('='));
    const words = rest.filter((t) => !t.text.includes('='));
    const fields = kind.parse({ ctx: this.ctx, line, words, options });
    return fields ? ({ kind: keyword, name: nm.value, range: line.whole, ...fields } as LayerSpec) : null;
  }
}

/** A copy of a layer (and its body) with `_k` appended to every name, for `repeat`. */
function renamed(l: LayerSpec, k: number): LayerSpec {
  return l.kind === 'residual'
    ? { ...l, name: `${l.name}_${k}`, body: l.body.map((b) => renamed(b, k)) }
    : { ...l, name: `${l.name}_${k}` };
}
