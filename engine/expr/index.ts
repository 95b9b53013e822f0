// The expression language of the debugger (conditions, logpoints, Watch, hovers, Debug Console): public API.

export type { Expr, IndexPart, SliceNode, BinaryOp, LogicalOp } from './ast';
export { namesIn } from './ast';
export { completionItems, completions, type CompletionItem } from './completions';
export { checkNames, compile, evaluate, evaluateCondition, tryEvaluate, type CompiledExpr, type EvalResult } from './evaluate';
export { formatError, formatNumber, formatValue, SMALL_TENSOR, type FormatOptions } from './format';
export { FUNCTIONS, FUNCTION_NAMES, type FunctionDef } from './functions';
export { compileTemplate, interpolate, renderTemplate, type Template } from './interpolate';
export { MAX_SOURCE_LENGTH, tokenize, type Token, type TokenKind } from './lexer';
export { MAX_RESULT_SIZE } from './ops';
export { MAX_DEPTH, parse } from './parser';
export { ExprError, isTensor, isTruthy, typeName, type ExprScope, type Span, type Tensor, type Value } from './values';
