// What a finding of the training doctor looks like as an editor diagnostic: its range on the line and its text with
// the evidence. No vscode import, so the mapping is tested as is (doctorFindings.test.ts).

import type { Finding, Fix } from '../../engine/doctor/types';

/** The diagnostic source, so the Problems view names the doctor (and Quick Fixes can find its diagnostics). */
export const DOCTOR_SOURCE = 'nnet doctor';

/** A finding as a diagnostic: 0-based range on one line, message, and the rule id as code. */
export interface DoctorDiagnostic {
  readonly line: number;
  readonly col: number;
  readonly endCol: number;
  readonly message: string;
  readonly code: string;
}

/** A measured number or threshold as the doctor's texts show it: integers whole, others to 3 digits. */
export const formatMeasure = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(3));
const num = formatMeasure;

/** When a finding held, 1-based as a debug session counts steps: `step 3` or `steps 3–283`. */
export function stepRange(f: Finding): string {
  return f.firstStep === f.lastStep ? `step ${f.firstStep + 1}` : `steps ${f.firstStep + 1}–${f.lastStep + 1}`;
}

/**
 * The diagnostic of `f` given the text of its line now: from the statement's column to the end of its text (without
 * a trailing comment or blanks), the message followed by when it held.
 */
export function doctorDiagnostic(f: Finding, lineText: string): DoctorDiagnostic {
  const code = lineText.replace(/\s*#.*$/, '').trimEnd();
  const col = Math.min(f.column, code.length);
  const steps = stepRange(f);
  const evidence = Number.isNaN(f.evidence.measured)
    ? ''
    : `; measured ${num(f.evidence.measured)}, threshold ${num(f.evidence.threshold)}`;
  return {
    line: f.line,
    col,
    endCol: Math.max(col + 1, code.length),
    message: `${f.message} (${steps}, ${f.count}×${evidence})`,
    code: f.rule,
  };
}

/** What identifies a shown doctor diagnostic among those of its file: position, rule and text. */
export function diagnosticKey(d: {
  readonly line: number;
  readonly col: number;
  readonly code: string;
  readonly message: string;
}): string {
  return `${d.line}:${d.col}:${d.code}:${d.message}`;
}

/** One Quick Fix to offer: the fix, the diagnostics it resolves (indexes in the request's), whether it is preferred. */
export interface QuickFixPlan {
  readonly fix: Fix;
  readonly diagnostics: number[];
  preferred: boolean;
}

/**
 * The Quick Fixes for the diagnostics of a request (their keys, null for another source's), from the fixes of each
 * shown key: every fix of every doctor diagnostic in order, the first of each preferred (the lesson's cure). A fix
 * that several findings of one line offer (the same edits) is one action resolving all of them.
 */
export function quickFixPlan(
  keys: readonly (string | null)[],
  fixesOf: ReadonlyMap<string, readonly Fix[]>,
): QuickFixPlan[] {
  const plans = new Map<string, QuickFixPlan>();
  keys.forEach((k, diagnostic) =>
    (k === null ? [] : (fixesOf.get(k) ?? [])).forEach((fix, i) => {
      const id = JSON.stringify(fix.edits);
      const p = plans.get(id);
      if (p) {
        p.diagnostics.push(diagnostic);
        p.preferred ||= i === 0;
      } else plans.set(id, { fix, diagnostics: [diagnostic], preferred: i === 0 });
    }),
  );
  return [...plans.values()];
}
