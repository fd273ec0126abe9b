/**
 * verify-structure: check a model's declared expectations (main path, depth, shortcut
 * projections, params, MACs, op counts). A mismatch fails the compile with a diff of
 * expected vs found. The graph is returned unchanged.
 */
import type { Graph, StructureExpectations } from '../ir/types.js';
import { NetforgeError } from '../errors.js';
import { groupDigits } from '../ir/format.js';
import { analyze, type GraphStats } from './analyze.js';
import type { Pass } from './pass.js';

export type Expectations = StructureExpectations;

/** What an expectation is about: a field of StructureExpectations (`ops` for every op count). */
export type ExpectationKey = 'mainPath.conv' | 'mainPath.linear' | 'depth' | 'shortcutProjections' | 'params' | 'macs' | 'ops';

/** How each key reads in a mismatch table. */
const LABELS: Readonly<Record<Exclude<ExpectationKey, 'ops'>, string>> = {
  'mainPath.conv': 'main path conv',
  'mainPath.linear': 'main path linear',
  depth: 'main-path depth',
  shortcutProjections: 'shortcut projections',
  params: 'params',
  macs: 'MACs',
};

export interface ExpectationMismatch {
  readonly key: ExpectationKey;
  /** For `ops`: the op whose count differs. */
  readonly op?: string;
  readonly expected: string;
  readonly found: string;
}

/** `main-path depth`, `Conv nodes`. */
export function mismatchLabel(m: ExpectationMismatch): string {
  return m.key === 'ops' ? `${m.op ?? '?'} nodes` : LABELS[m.key];
}

const fmt = groupDigits;

export function checkExpectations(stats: GraphStats, e: Expectations): ExpectationMismatch[] {
  const out: ExpectationMismatch[] = [];
  const cmp = (key: ExpectationKey, expected: number | undefined, found: number, op?: string): void => {
    if (expected !== undefined && expected !== found) out.push({ key, ...(op !== undefined ? { op } : {}), expected: fmt(expected), found: fmt(found) });
  };
  if (e.mainPath) {
    cmp('mainPath.conv', e.mainPath.conv, stats.mainPath.conv);
    cmp('mainPath.linear', e.mainPath.linear, stats.mainPath.linear);
  }
  cmp('depth', e.depth, stats.depth);
  cmp('shortcutProjections', e.shortcutProjections, stats.shortcutProjections);
  cmp('params', e.params, stats.params);
  cmp('macs', e.macs, stats.macs);
  if (e.ops) {
    const keys = new Set([...Object.keys(e.ops), ...Object.keys(stats.ops)]);
    for (const k of [...keys].sort()) cmp('ops', e.ops[k] ?? 0, stats.ops[k] ?? 0, k);
  }
  return out;
}

export function formatMismatches(name: string, ms: readonly ExpectationMismatch[]): string {
  const w = Math.max(...ms.map((m) => mismatchLabel(m).length), 4);
  const rows = ms.map((m) => `    ${mismatchLabel(m).padEnd(w)}  expected ${m.expected.padStart(14)}  found ${m.found.padStart(14)}`);
  return `${name} does not match its declared expectations:\n${rows.join('\n')}`;
}

export function verifyStructurePass(expect: Expectations): Pass {
  return {
    name: 'verify-structure',
    run(g: Graph, ctx) {
      const stats = analyze(g);
      const ms = checkExpectations(stats, expect);
      if (ms.length > 0) {
        throw new NetforgeError({
          code: 'E_EXPECTATION',
          message: formatMismatches(g.name, ms),
          hint: 'fix the model definition, or update its `expect` if the change is intended',
        });
      }
      ctx.note(`depth ${stats.depth} (conv ${stats.mainPath.conv} + linear ${stats.mainPath.linear}), ${stats.shortcutProjections} shortcut projections, ${fmt(stats.params)} params, ${fmt(stats.macs)} MACs`);
      return g;
    },
  };
}
