// The hits of a run folded into findings: one tally per rule, source line and variant, with its first and last step,
// count, first steps and worst hit.

import type { Trainer } from '../runtime/trainer';
import { anchorPosition } from './anchors';
import { fixesFor } from './fixes';
import type { DoctorThresholds } from './thresholds';
import type { Anchor, Finding, Hit, Rule } from './types';

/** The hits of one rule on one line, folded as they arrive. */
interface Tally {
  readonly rule: Rule;
  /** Its key among its rule's tallies (line and variant: see record). */
  readonly key: number;
  node: number;
  readonly line: number;
  readonly column: number;
  firstStep: number;
  lastStep: number;
  count: number;
  worst: Hit;
  readonly steps: number[];
}

/** The tallies of one run (Doctor). */
export class Tallies {
  /** Every tally in the order its first hit came; and per rule, its tallies by line and variant (see record). */
  private readonly tallies: Tally[] = [];
  private readonly talliesOf = new Map<Rule, Map<number, Tally>>();
  /** A number per variant string (Hit.variant) seen, for the tally key. */
  private readonly variants = new Map<string, number>();
  /** The source's lines, for the column of statements the spec keeps only the line of. */
  private readonly lines: readonly string[] | undefined;
  /** The line of each node, and of each statement anchor: the tally key of a hit, computed once. */
  private readonly nodeLines: readonly number[];
  private readonly kindLines: Readonly<Record<Exclude<Anchor['kind'], 'layer'>, number>>;
  /**
   * The tally of the last hit, with its rule and key, and the last variant string with its number: a rule that hits
   * on many steps (update-ratio on every measured step of a run that has converged) finds its tally without the maps.
   */
  private lastRule: Rule | null = null;
  private lastKey = -1;
  private lastTally: Tally | null = null;
  private lastVariant: string | undefined = undefined;
  private lastVariantNumber = 0;
  /**
   * The tally of each rule's last hit (see repeat): a rule that hits on every window (loss-not-decreasing on a loss
   * that does not fall) finds its tally without building the hit even where another rule's hits came between.
   */
  private readonly lastOf = new Map<Rule, Tally>();
  /** An anchor and variant whose key is lastKey (those of the hit lastTally was last found for). */
  private lastAnchor: Anchor | null = null;
  private lastAnchorVariant: string | undefined = undefined;

  constructor(
    private readonly trainer: Trainer,
    source: string | undefined,
  ) {
    this.lines = source?.split('\n');
    this.nodeLines = trainer.model.nodes.map((n) => n.line);
    const at = (kind: Exclude<Anchor['kind'], 'layer'>) => anchorPosition(trainer.spec, trainer, { kind }).line;
    this.kindLines = { optimizer: at('optimizer'), clip: at('clip'), loss: at('loss'), data: at('data') };
  }

  /** Folds one hit of `rule` into its tally. */
  record(rule: Rule, h: Hit): void {
    const a = h.anchor,
      line = a.kind === 'layer' ? this.nodeLines[a.node] : this.kindLines[a.kind];
    // One tally per rule, line and variant: keyed by numbers (a string built per hit cost more than the rule's check).
    let variant = 0;
    if (h.variant === this.lastVariant) variant = this.lastVariantNumber;
    else if (h.variant !== undefined) {
      variant = this.variants.get(h.variant) ?? 0;
      if (!variant) this.variants.set(h.variant, (variant = this.variants.size + 1));
      this.lastVariant = h.variant;
      this.lastVariantNumber = variant;
    }
    const key = line * 1024 + variant;
    let t: Tally | undefined;
    if (rule === this.lastRule && key === this.lastKey) t = this.lastTally!;
    else {
      let mine = this.talliesOf.get(rule);
      if (!mine) this.talliesOf.set(rule, (mine = new Map()));
      t = mine.get(key);
    }
    if (!t) {
      const pos = anchorPosition(this.trainer.spec, this.trainer, a, this.lines);
      const fresh: Tally = {
        rule,
        key,
        node: h.anchor.kind === 'layer' ? h.anchor.node : -1,
        line: pos.line,
        column: pos.column,
        firstStep: h.step,
        lastStep: h.step,
        count: 1,
        worst: h,
        steps: [h.step],
      };
      this.talliesOf.get(rule)!.set(key, fresh);
      this.tallies.push(fresh);
      this.remember(rule, key, fresh, a, h.variant);
      return;
    }
    this.remember(rule, key, t, a, h.variant);
    if (h.excess > t.worst.excess) {
      t.worst = h;
      if (h.anchor.kind === 'layer') t.node = h.anchor.node; // the layer the message names
    }
    // Several layers of one line (a `repeat`) hitting in one step count once.
    if (h.step === t.lastStep && t.count > 0) return;
    t.lastStep = h.step;
    t.count++;
    if (t.steps.length < 5) t.steps.push(h.step);
  }

  /**
   * Folds a hit of `rule` that would change nothing but the counts of the tally of that rule's last hit (on the same
   * line and variant, at least as bad) without building it: true when it did (see RuleContext.repeat).
   */
  repeat(rule: Rule, anchor: Anchor, variant: string | undefined, step: number, excess: number): boolean {
    let t = this.lastTally;
    // The anchor object and variant the last tally was found for (a rule's constant anchor, as update-ratio's and
    // loss-not-decreasing's): its key, without computing it again.
    if (rule !== this.lastRule || t === null || anchor !== this.lastAnchor || variant !== this.lastAnchorVariant) {
      t = rule === this.lastRule ? t : (this.lastOf.get(rule) ?? null);
      if (t === null) return false;
      const line = anchor.kind === 'layer' ? this.nodeLines[anchor.node] : this.kindLines[anchor.kind];
      const v =
        variant === undefined ? 0 : variant === this.lastVariant ? this.lastVariantNumber : this.variants.get(variant);
      if (v === undefined || line * 1024 + v !== t.key) return false;
      // The next hit of this rule finds it first (a flush hands a rule many steps in a row).
      this.remember(rule, t.key, t, anchor, variant);
    }
    if (!(excess <= t.worst.excess)) return false;
    // What record does with such a hit.
    if (step === t.lastStep && t.count > 0) return true;
    t.lastStep = step;
    t.count++;
    if (t.steps.length < 5) t.steps.push(step);
    return true;
  }

  private remember(rule: Rule, key: number, t: Tally, anchor: Anchor, variant: string | undefined): void {
    if (rule !== this.lastRule || t !== this.lastTally) this.lastOf.set(rule, t);
    this.lastRule = rule;
    this.lastKey = key;
    this.lastTally = t;
    this.lastAnchor = anchor;
    this.lastAnchorVariant = variant;
  }

  /**
   * The tallies as findings, in source order: those of a persistent rule only where its count is above its share
   * (`persistence`) of `chances(per)`, the checks it had (see Rule.per).
   */
  findings(th: DoctorThresholds, chances: (per: Rule['per']) => number): Finding[] {
    const out: Finding[] = [];
    for (const t of this.tallies) {
      const share = t.rule.persistence?.(th) ?? 0;
      if (share > 0 && t.count <= share * Math.max(1, chances(t.rule.per))) continue;
      const h = t.worst;
      const f: Omit<Finding, 'fixes'> = {
        rule: t.rule.id,
        severity: 'warning',
        layer: t.node >= 0 ? this.trainer.model.nodes[t.node].name : null,
        node: t.node,
        line: t.line,
        column: t.column,
        firstStep: t.firstStep,
        lastStep: t.lastStep,
        count: t.count,
        evidence: { measured: h.measured, threshold: h.threshold, steps: t.steps },
        message: h.message(),
      };
      out.push({ ...f, fixes: (t.rule.fixes ?? fixesFor)(f, this.trainer.spec, this.lines) });
    }
    return out.sort((a, b) => a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
  }
}
