/**
 * The reports' account of a model's declared expectations: one entry per declared
 * quantity with the value found and whether it matched (checkExpectations decides).
 * Quantities the model does not declare are absent: the reports show them unmarked.
 */
import type { GraphStats } from '../../passes/analyze.js';
import { checkExpectations, type ExpectationKey, type Expectations } from '../../passes/verifyStructure.js';
import { groupDigits } from '../../ir/format.js';

export type Checked = ExpectationKey;

export interface Verdict {
  readonly what: Checked;
  /** The declared value (`ops`: the declared op counts, as text). */
  readonly expected: string;
  readonly ok: boolean;
}

const fmt = groupDigits;

/** One verdict per declared expectation, in a fixed order. */
export function verdicts(stats: GraphStats, e: Expectations): Verdict[] {
  const mismatched = new Set(checkExpectations(stats, e).map((m) => m.key));
  const out: Verdict[] = [];
  const add = (what: Checked, expected: number | undefined): void => {
    if (expected !== undefined) out.push({ what, expected: fmt(expected), ok: !mismatched.has(what) });
  };
  add('depth', e.depth);
  add('mainPath.conv', e.mainPath?.conv);
  add('mainPath.linear', e.mainPath?.linear);
  add('shortcutProjections', e.shortcutProjections);
  add('params', e.params);
  add('macs', e.macs);
  if (e.ops) {
    const opsOk = !mismatched.has('ops');
    const expected = Object.entries(e.ops)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    out.push({ what: 'ops', expected, ok: opsOk });
  }
  return out;
}

/** The verdict for one quantity, if declared. */
export function verdictFor(vs: readonly Verdict[], what: Checked): Verdict | undefined {
  return vs.find((v) => v.what === what);
}

/** `✓ verified`, `✗ expected 152`, or '' when not declared. */
export function verdictText(v: Verdict | undefined): string {
  if (v === undefined) return '';
  return v.ok ? '✓ verified' : `✗ expected ${v.expected}`;
}
