import * as z from 'zod';
import { FOUR_EYES, RISK_POLICY } from './policy';
import type { RiskRules } from './risk';

/**
 * The rule set ops change at runtime (issue 13): every risk threshold of RISK_POLICY, plus the
 * four-eyes amount of a review approval. Version 1 is these defaults; a stored version replaces
 * them only after a backtest and a second member of staff's approval.
 */
export const RULE_DEFAULTS = {
  ...RISK_POLICY,
  fourEyes: { reviewApprovalAmountAtLeast: FOUR_EYES.reviewApprovalAmountAtLeast },
} as const;

type Widen<T> = { -readonly [K in keyof T]: T[K] extends number ? number : Widen<T[K]> };
export type Rules = Widen<typeof RULE_DEFAULTS> & RiskRules;

export const DEFAULT_RULES_VERSION = 1;

/** The active rule set as every decision reads it. */
export interface ActiveRules {
  version: number;
  rules: Rules;
}

type Tree = { [key: string]: number | Tree };

/**
 * The schema of a rule set, derived from the defaults when this module loads (never a hand-kept
 * list): the same keys, nested the same way, every leaf a non-negative integer (yen, hours, counts).
 * Engineers add thresholds to RISK_POLICY; they become editable rules with no change here. A leaf
 * that is not a number would be a rule ops could not set, so it stops the module from loading.
 */
function schemaOf(node: Tree, path: string): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < 0) throw new Error(`rule default ${path}${key} is ${value}: every rule is a non-negative integer`);
      shape[key] = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
    } else if (value && typeof value === 'object' && !Array.isArray(value)) shape[key] = schemaOf(value, `${path}${key}.`);
    else throw new Error(`rule default ${path}${key} is not a number or a group of numbers`);
  }
  return z.strictObject(shape);
}

export const RulesSchema = schemaOf(RULE_DEFAULTS as unknown as Tree, '') as z.ZodType<Rules>;

/**
 * A stored rule set read with today's defaults under it: a threshold added to the code after the
 * version was activated takes its default; one removed from the code is dropped. So the decision
 * code and the stored data never disagree on the shape.
 */
export function withDefaults(stored: unknown, defaults: Tree = RULE_DEFAULTS as unknown as Tree): Rules {
  const out: Tree = {};
  const s = (stored && typeof stored === 'object' ? stored : {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(defaults)) {
    const mine = s[key];
    if (typeof value === 'number') out[key] = typeof mine === 'number' && Number.isInteger(mine) && mine >= 0 ? mine : value;
    else out[key] = withDefaults(mine, value) as unknown as Tree;
  }
  return out as unknown as Rules;
}

/** The leaves that differ between two rule sets, as `group.key`: what a proposal changes. */
export function changedRules(from: Rules, to: Rules): { rule: string; from: number; to: number }[] {
  const out: { rule: string; from: number; to: number }[] = [];
  const walk = (a: Tree, b: Tree, path: string) => {
    for (const [key, value] of Object.entries(a)) {
      const other = b[key];
      if (typeof value === 'number') {
        if (value !== other) out.push({ rule: `${path}${key}`, from: value, to: other as number });
      } else walk(value, other as Tree, `${path}${key}.`);
    }
  };
  walk(from as unknown as Tree, to as unknown as Tree, '');
  return out;
}
