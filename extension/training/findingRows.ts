// What a row of the Findings view says about a finding: its label, its description (when and how often it held), its
// tooltip (the evidence, the fixes, the docs) and the icon of its rule's family. No vscode import: tested as is.

import type { Finding, RuleId } from '../../engine/doctor/types';
import { formatMeasure, stepRange } from './doctorFindings';

/** A finding as a tree row. */
export interface FindingRow {
  /** The rule's short message, with the layer it names. */
  readonly label: string;
  /** `steps a–b · ×count` (1-based steps, as a debug session counts them). */
  readonly description: string;
  /** Markdown: the full message, the evidence, the Quick Fixes' titles and a link to the rule in the docs. */
  readonly tooltip: string;
  /** A codicon id for the rule's family. */
  readonly icon: string;
  /** `finding.fixable` when it has a Quick Fix (the Apply Fix action shows on those only), else `finding`. */
  readonly contextValue: 'finding' | 'finding.fixable';
}

/** The codicon of each family of rules: gradients, activations, weights, the update, the loss. */
export function ruleIcon(rule: RuleId): string {
  switch (rule) {
    case 'nan':
    case 'exploding':
    case 'vanishing':
      return 'pulse';
    case 'dead-relu':
    case 'saturated':
      return 'circuit-board';
    case 'symmetric-units':
    case 'all-zero':
    case 'poor-init':
    case 'unchanged-weights':
      return 'symbol-array';
    case 'update-ratio':
      return 'dashboard';
    case 'loss-not-decreasing':
    case 'loss-spike':
    case 'overfitting':
      return 'graph-line';
    case 'unscaled-inputs':
      return 'database';
    default: {
      const never: never = rule;
      return never;
    }
  }
}

/** Text shown literally in Markdown (the messages hold `|`, `_` and `*`; none starts a line with `-` or a digit). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#|~]/g, '\\$&');
}

/** The link to the rule catalogue from the manifest's repository URL (`https://host/owner/repo(.git)`). */
export function doctorDocsUrl(repositoryUrl: string | undefined): string | null {
  const m = repositoryUrl ? /^(?:git\+)?(https:\/\/.+?)(?:\.git)?\/?$/.exec(repositoryUrl) : null;
  return m ? `${m[1]}/blob/HEAD/docs/doctor.md#rules` : null;
}

/** The row of finding `f` of file `fileName` (its base name). */
export function findingRow(f: Finding, fileName: string, docsUrl: string | null): FindingRow {
  const head = f.message.split(': ')[0];
  const label = f.layer && !head.includes(f.layer) ? `${head} (${f.layer})` : head;
  const lines = [
    `**${escapeMarkdown(label)}** · \`${f.rule}\` · ${escapeMarkdown(fileName)} line ${f.line + 1}`,
    escapeMarkdown(f.message),
  ];
  const first = f.evidence.steps.map((s) => s + 1).join(', ');
  const when = `held ${f.count}× over ${stepRange(f)}, first at ${f.evidence.steps.length === 1 ? 'step' : 'steps'} ${first}`;
  const measured = Number.isNaN(f.evidence.measured)
    ? ''
    : `Measured ${formatMeasure(f.evidence.measured)}, threshold ${formatMeasure(f.evidence.threshold)}; `;
  lines.push(escapeMarkdown(measured ? measured + when : when[0].toUpperCase() + when.slice(1)));
  if (f.fixes.length)
    lines.push(
      `Quick ${f.fixes.length === 1 ? 'Fix' : 'Fixes'}:\n${f.fixes.map((x) => `- ${escapeMarkdown(x.title)}`).join('\n')}`,
    );
  if (docsUrl) lines.push(`[The ${f.rule} rule in the docs](${docsUrl})`);
  return {
    label,
    description: `${stepRange(f)} · ×${f.count}`,
    tooltip: lines.join('\n\n'),
    icon: ruleIcon(f.rule),
    contextValue: f.fixes.length ? 'finding.fixable' : 'finding',
  };
}
