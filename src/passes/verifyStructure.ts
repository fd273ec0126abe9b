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

export interface ExpectationMismatch {
  readonly what: string;
  readonly expected: string;
  readonly found: string;
}

const fmt = groupDigits;

export function checkExpectations(stats: GraphStats, e: Expectations): ExpectationMismatch[] {
  const out: ExpectationMismatch[] = [];
  const cmp = (what: string, expected: number | undefined, found: number): void => {
    if (expected !== undefined && expected !== found) out.push({ what, expected: fmt(expected), found: fmt(found) });
  };
  if (e.mainPath) {
    cmp('main path conv', e.mainPath.conv, stats.mainPath.conv);
    cmp('main path linear', e.mainPath.linear, stats.mainPath.linear);
  }
  cmp('main-path depth', e.depth, stats.depth);
  cmp('shortcut projections', e.shortcutProjections, stats.shortcutProjections);
  cmp('params', e.params, stats.params);
  cmp('MACs', e.macs, stats.macs);
  if (e.ops) {
    const keys = new Set([...Object.keys(e.ops), ...Object.keys(stats.ops)]);
    for (const k of [...keys].sort()) cmp(`${k} nodes`, e.ops[k] ?? 0, stats.ops[k] ?? 0);
  }
  return out;
}

export function formatMismatches(name: string, ms: readonly ExpectationMismatch[]): string {
  const w = Math.max(...ms.map((m) => m.what.length), 4);
  const rows = ms.map((m) => `    ${m.what.padEnd(w)}  expected ${m.expected.padStart(14)}  found ${m.found.padStart(14)}`);
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
