/**
 * Runs passes in order, the IR verifier after each pass that changed the graph. When a
 * pass breaks an invariant, the error names the pass, the rule and the passes that ran
 * before it: "pass 'fold-batchnorm' broke invariant [ssa] after [infer-shapes, init-params]".
 * A pass that crashes (not a NetforgeError) is reported the same way.
 */
import type { Graph } from '../ir/types.js';
import { formatIssues, verifyGraph, type VerifyIssue } from '../ir/verify.js';
import { printGraph } from '../ir/print.js';
import { NetforgeError } from '../errors.js';
import type { Pass } from './pass.js';

export interface PassTrace {
  readonly pass: string;
  readonly changed: boolean;
  readonly notes: readonly string[];
  readonly ms: number;
}

export interface RunPassesOptions {
  /** Verify the input graph too (default true). */
  readonly verifyInput?: boolean;
  /** Dump the IR after these passes (`--print-after`); `*` for all. */
  readonly printAfter?: readonly string[];
  /** Where dumps go. */
  readonly print?: (text: string) => void;
}

export interface RunPassesResult {
  readonly graph: Graph;
  readonly trace: readonly PassTrace[];
}

/** Rule names in first-seen order: `[ssa, shapes]`. */
function rulesOf(issues: readonly VerifyIssue[]): string {
  return `[${[...new Set(issues.map((i) => i.rule))].join(', ')}]`;
}

/** Verify `g`; `pass` is the pass that produced it (undefined for the input graph), `ran` the passes before it. */
function check(g: Graph, pass: string | undefined, ran: readonly string[]): void {
  const issues = verifyGraph(g);
  if (issues.length === 0) return;
  const message =
    pass === undefined
      ? `the input graph breaks invariant ${rulesOf(issues)}`
      : `pass '${pass}' broke invariant ${rulesOf(issues)} after [${ran.join(', ')}]`;
  throw new NetforgeError({
    code: 'E_IR_INVALID',
    message: `${message}:\n${formatIssues(issues)}`,
    hint: pass !== undefined ? 'this is a bug in netforge: please report it with the model file' : 'the model definition produced an inconsistent graph',
  });
}

/** Run passes in order, verifying the IR after each one that changed it; returns the graph and what each pass did. */
export function runPasses(input: Graph, passes: readonly Pass[], opts: RunPassesOptions = {}): RunPassesResult {
  const known = new Set(passes.map((p) => p.name));
  for (const name of opts.printAfter ?? []) {
    if (name !== '*' && !known.has(name)) {
      throw new NetforgeError({
        code: 'E_USAGE',
        message: `--print-after names an unknown pass '${name}'`,
        hint: `passes in this pipeline: ${[...known].join(', ')}`,
        exitCode: 2,
      });
    }
  }
  if (opts.verifyInput ?? true) check(input, undefined, []);
  const trace: PassTrace[] = [];
  const ran: string[] = [];
  let g = input;
  for (const p of passes) {
    const notes: string[] = [];
    const t0 = performance.now();
    let out: Graph;
    try {
      out = p.run(g, { note: (l) => notes.push(l) });
    } catch (e) {
      if (e instanceof NetforgeError) throw e;
      // A crash is a bug; say where it happened in the pipeline.
      throw new Error(`an error occurred in pass '${p.name}' after [${ran.join(', ')}]: ${(e as Error).message}`, { cause: e });
    }
    const ms = performance.now() - t0;
    if (out !== g) check(out, p.name, ran);
    trace.push({ pass: p.name, changed: out !== g, notes, ms });
    ran.push(p.name);
    g = out;
    const pa = opts.printAfter ?? [];
    if (pa.includes('*') || pa.includes(p.name)) opts.print?.(`// IR after ${p.name}\n${printGraph(g)}`);
  }
  return { graph: g, trace };
}
