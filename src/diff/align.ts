/**
 * Align two sequences, as a diff does: by key first (a module's name), then, between two
 * key matches, by structure (a module's kind or op) where the names differ.
 *
 * Rules:
 * 1. The pairs matched by key are a longest common subsequence of the keys (keys are
 *    unique within a sequence), so order is kept and a moved item is a removal plus an
 *    addition.
 * 2. In each gap between key matches, the leftover items are paired by a longest common
 *    subsequence of their structural keys: `stage1` and `layer1`, both stages, pair up.
 * 3. What is left is removed (A only) or added (B only). Within a gap, A's unpaired items
 *    come before B's at each point, as in a unified diff.
 */

export interface Aligned<T> {
  readonly a?: T;
  readonly b?: T;
  /** Paired by structure, not by key (rule 2). */
  readonly byStructure: boolean;
}

/** Index pairs of a longest common subsequence of `a` and `b` under `same`, in order. */
function lcs<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): [number, number][] {
  const n = a.length;
  const m = b.length;
  // table[i][j]: LCS length of a[i..] and b[j..]
  const table: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i]![j] = same(a[i]!, b[j]!) ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (same(a[i]!, b[j]!)) {
      out.push([i, j]);
      i++;
      j++;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) i++;
    else j++;
  }
  return out;
}

/** Merge two sequences along anchor pairs: unpaired items of A, then of B, before each anchor. */
function merge<T>(a: readonly T[], b: readonly T[], anchors: readonly [number, number][], gap: (a: readonly T[], b: readonly T[]) => Aligned<T>[], byStructure: boolean): Aligned<T>[] {
  const out: Aligned<T>[] = [];
  let i = 0;
  let j = 0;
  for (const [ai, bj] of [...anchors, [a.length, b.length] as [number, number]]) {
    out.push(...gap(a.slice(i, ai), b.slice(j, bj)));
    if (ai < a.length) out.push({ a: a[ai]!, b: b[bj]!, byStructure });
    i = ai + 1;
    j = bj + 1;
  }
  return out;
}

export function align<T>(a: readonly T[], b: readonly T[], key: (t: T) => string, structure: (t: T) => string): Aligned<T>[] {
  const unpaired = (ga: readonly T[], gb: readonly T[]): Aligned<T>[] => [...ga.map((x) => ({ a: x, byStructure: false })), ...gb.map((y) => ({ b: y, byStructure: false }))];
  const byStructure = (ga: readonly T[], gb: readonly T[]): Aligned<T>[] =>
    ga.length === 0 || gb.length === 0 ? unpaired(ga, gb) : merge(ga, gb, lcs(ga, gb, (x, y) => structure(x) === structure(y)), unpaired, true);
  return merge(a, b, lcs(a, b, (x, y) => key(x) === key(y)), byStructure, false);
}
