/** What a pass is: a named pure function Graph -> Graph. Returning the same object means "unchanged". */
import type { Graph } from '../ir/types.js';

export interface PassContext {
  /** Record what the pass changed, for --trace-passes (one line per change). */
  readonly note: (line: string) => void;
}

export interface Pass {
  /** kebab-case name used by --print-after and in error messages, e.g. `fold-batchnorm`. */
  readonly name: string;
  readonly run: (g: Graph, ctx: PassContext) => Graph;
}
