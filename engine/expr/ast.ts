// The expression syntax tree: every node carries its source span so evaluation errors can point at it.

/** Binary operators, arithmetic and comparison (evaluated elementwise on tensors). */
export type BinaryOp = '+' | '-' | '*' | '/' | '^' | '<' | '<=' | '>' | '>=' | '==' | '!=';

/** Short-circuit logical operators. */
export type LogicalOp = '&&' | '||';

/** A part of an index list: an expression (an integer index or a mask) or a `start:stop:step` slice. */
export type IndexPart = Expr | SliceNode;

/** `start:stop:step`, each part optional. */
export interface SliceNode {
  readonly type: 'slice';
  readonly start: number;
  readonly end: number;
  readonly lower?: Expr;
  readonly upper?: Expr;
  readonly step?: Expr;
}

/** An expression node; `start`/`end` are UTF-16 offsets into the source. */
export type Expr =
  | { readonly type: 'number'; readonly value: number; readonly start: number; readonly end: number }
  | { readonly type: 'string'; readonly value: string; readonly start: number; readonly end: number }
  | { readonly type: 'boolean'; readonly value: boolean; readonly start: number; readonly end: number }
  | { readonly type: 'name'; readonly path: string; readonly start: number; readonly end: number }
  | {
      readonly type: 'unary';
      readonly op: '-' | '!';
      readonly operand: Expr;
      readonly start: number;
      readonly end: number;
    }
  | {
      readonly type: 'binary';
      readonly op: BinaryOp;
      readonly left: Expr;
      readonly right: Expr;
      readonly start: number;
      readonly end: number;
    }
  | {
      readonly type: 'logical';
      readonly op: LogicalOp;
      readonly left: Expr;
      readonly right: Expr;
      readonly start: number;
      readonly end: number;
    }
  | {
      readonly type: 'call';
      readonly callee: string;
      readonly calleeEnd: number;
      readonly args: Expr[];
      readonly start: number;
      readonly end: number;
    }
  | {
      readonly type: 'index';
      readonly target: Expr;
      readonly parts: IndexPart[];
      readonly start: number;
      readonly end: number;
    };

/** Every dotted name an expression refers to (not function names), in source order, with their nodes. */
export function namesIn(
  e: Expr | SliceNode,
  out: Array<Extract<Expr, { type: 'name' }>> = [],
): Array<Extract<Expr, { type: 'name' }>> {
  switch (e.type) {
    case 'name':
      out.push(e);
      break;
    case 'unary':
      namesIn(e.operand, out);
      break;
    case 'binary':
    case 'logical':
      namesIn(e.left, out);
      namesIn(e.right, out);
      break;
    case 'call':
      for (const a of e.args) namesIn(a, out);
      break;
    case 'index':
      namesIn(e.target, out);
      for (const p of e.parts) namesIn(p, out);
      break;
    case 'slice':
      for (const p of [e.lower, e.upper, e.step]) if (p) namesIn(p, out);
      break;
    default:
      break;
  }
  return out;
}
