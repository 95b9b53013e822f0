// Checks the arguments of incoming DAP requests before a handler reads them, so a malformed request gets a clear
// error response instead of a TypeError (with a stack trace) or an unhandled rejection that ends the adapter.

/** The type a field must have when present. */
type FieldType =
  | 'string'
  | 'nonEmptyString'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'object'
  | 'stringArray'
  | { readonly arrayOf: Shape };

/** Fields of an object: `?` after the type name marks an optional one. */
interface Shape {
  readonly [field: string]: { readonly type: FieldType; readonly optional?: boolean };
}

const req = (type: FieldType) => ({ type });
const opt = (type: FieldType) => ({ type, optional: true });

/**
 * The fields each handler reads, with their types (only those the nnet adapter or the base class uses; DAP fields
 * that are ignored are not checked). `arguments` is required for these commands.
 */
const REQUESTS: Readonly<Record<string, Shape>> = {
  initialize: {
    linesStartAt1: opt('boolean'),
    columnsStartAt1: opt('boolean'),
    pathFormat: opt('string'),
    supportsProgressReporting: opt('boolean'),
  },
  launch: {
    program: req('nonEmptyString'),
    stopOnEntry: opt('boolean'),
    historyMB: opt('number'),
    dataRoot: opt('nonEmptyString'),
    noDebug: opt('boolean'),
    // Settings a launch configuration may override (ranges are checked by the session, which falls back to the setting).
    trace: opt('boolean'),
    vanishingRatio: opt('number'),
    vanishingFloor: opt('number'),
    explodingNorm: opt('number'),
    deadReluShare: opt('number'),
    maxCsvMB: opt('number'),
    memoryBudgetMB: opt('number'),
  },
  setBreakpoints: {
    source: req('object'),
    breakpoints: opt({
      arrayOf: {
        line: req('integer'),
        condition: opt('string'),
        hitCondition: opt('string'),
        logMessage: opt('string'),
        mode: opt('string'),
      },
    }),
  },
  setFunctionBreakpoints: {
    breakpoints: req({ arrayOf: { name: req('string'), condition: opt('string'), hitCondition: opt('string') } }),
  },
  setExceptionBreakpoints: {
    filters: req('stringArray'),
    filterOptions: opt({ arrayOf: { filterId: req('string'), condition: opt('string') } }),
  },
  variables: { variablesReference: req('integer'), start: opt('integer'), count: opt('integer') },
  setVariable: { variablesReference: req('integer'), name: req('string'), value: req('string') },
  evaluate: { expression: req('string') },
  completions: { text: req('string'), column: req('integer') },
};

/** Nested shapes checked inside `setBreakpoints.source`. */
const SOURCE: Shape = { path: opt('string') };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeProblem(v: unknown, t: FieldType, where: string): string | null {
  switch (t) {
    case 'string':
      return typeof v === 'string' ? null : `${where} must be a string`;
    case 'nonEmptyString':
      return typeof v === 'string' && v !== '' ? null : `${where} must be a non-empty string`;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? null : `${where} must be a number`;
    case 'integer':
      return Number.isSafeInteger(v) ? null : `${where} must be an integer`;
    case 'boolean':
      return typeof v === 'boolean' ? null : `${where} must be true or false`;
    case 'object':
      return isObject(v) ? null : `${where} must be an object`;
    case 'stringArray':
      return Array.isArray(v) && v.every((s) => typeof s === 'string') ? null : `${where} must be an array of strings`;
    default: {
      if (!Array.isArray(v)) return `${where} must be an array`;
      for (let i = 0; i < v.length; i++) {
        const p = shapeProblem(v[i], t.arrayOf, `${where}[${i}]`);
        if (p) return p;
      }
      return null;
    }
  }
}

function shapeProblem(v: unknown, shape: Shape, where: string): string | null {
  if (!isObject(v)) return `${where} must be an object`;
  for (const [name, f] of Object.entries(shape)) {
    const value = Object.prototype.hasOwnProperty.call(v, name) ? v[name] : undefined;
    if (value === undefined || value === null) {
      if (f.optional) continue;
      return `${where}.${name} is missing`;
    }
    const p = typeProblem(value, f.type, `${where}.${name}`);
    if (p) return p;
  }
  return null;
}

/**
 * Why the arguments of a `command` request cannot be handled, or null when they can. Commands not listed take
 * no arguments the adapter reads; for them only a non-object `arguments` is refused.
 */
export function requestProblem(command: unknown, args: unknown): string | null {
  if (typeof command !== 'string') return 'the request has no command';
  const shape = Object.prototype.hasOwnProperty.call(REQUESTS, command) ? REQUESTS[command] : undefined;
  if (!shape)
    return args === undefined || args === null || isObject(args)
      ? null
      : `the arguments of '${command}' must be an object`;
  if (args === undefined || args === null) return `'${command}' needs arguments`;
  const p = shapeProblem(args, shape, `${command}`);
  if (p) return `invalid '${command}' request: ${p.replace(`${command}.`, '')}`;
  if (command === 'setBreakpoints') {
    const s = shapeProblem((args as Record<string, unknown>).source, SOURCE, 'source');
    if (s) return `invalid 'setBreakpoints' request: ${s}`;
  }
  return null;
}
