/**
 * `netforge summary --json`: a contract other tools script against. Keys present since
 * the first release (model, input, params, trainableParams, frozenParams, macs, depth,
 * mainPath, shortcutProjections, ops, output, layers[name, module, op, outputShape,
 * params, macs]) must stay; new keys may be added.
 *
 * Shapes are JSON: a dim is a number, or a string, the symbol (`N`, `H`) or the expression
 * of a derived size in dimText's grammar (`ceil(H/32)`: integer arithmetic with floor and
 * ceil divisions). `macs` is at the reference size; `macsFormula` is the same count for
 * any size, in that grammar, over the symbols in `reference`.
 */
import type { Shape } from '../../ir/types.js';
import type { Expectations } from '../../passes/verifyStructure.js';
import { dimText } from '../../ir/dim.js';
import type { ModelStructure } from './structure.js';
import type { GraphStats } from '../../passes/analyze.js';
import { verdicts, type Verdict } from './verified.js';

/** A dim as JSON: a number, a symbol, or an expression's text. */
export type JsonShape = readonly (number | string)[];
export const jsonShape = (s: Shape): JsonShape => s.map((d) => (typeof d === 'number' ? d : dimText(d)));

export interface SummaryJsonLayer {
  readonly name: string;
  readonly module: string;
  readonly op: string;
  readonly outputShape: JsonShape;
  readonly params: number;
  readonly macs: number;
}

export interface SummaryJsonBlock {
  readonly name: string;
  readonly type: string;
  readonly outputShape: JsonShape;
  readonly params: number;
  readonly macs: number;
  readonly shortcut: { readonly kind: string; readonly detail: string };
}

export interface SummaryJsonStage {
  readonly name: string;
  readonly kind: string;
  /** A head's class (`DeepLabHead`), when recorded. */
  readonly type?: string;
  /** The section a head reads when it is not the one before it (`backbone.layer3` for an auxiliary head). */
  readonly from?: string;
  readonly modules: readonly string[];
  readonly outputShape: JsonShape;
  readonly params: number;
  readonly macs: number;
  readonly blocks: readonly SummaryJsonBlock[];
}

export interface SummaryJson {
  readonly model: string;
  readonly input: JsonShape;
  readonly params: number;
  readonly trainableParams: number;
  readonly frozenParams: number;
  readonly buffers: number;
  readonly sizeMB: { readonly float32: number; readonly float16: number };
  readonly macs: number;
  /** MACs for any input size (a number for a fixed-size model). */
  readonly macsFormula: number | string;
  /** The symbols' values `macs` is counted at. */
  readonly reference: Readonly<Record<string, number>>;
  /** Symbolic input sizes (empty for a fixed-size model): reference, allowed multiple, smallest that works. */
  readonly sizes: GraphStats['sizes'];
  readonly depth: number;
  readonly mainPath: { readonly conv: number; readonly linear: number };
  readonly shortcutProjections: number;
  readonly verified: readonly Verdict[];
  readonly ops: Readonly<Record<string, number>>;
  readonly output: JsonShape;
  /** The output's name in the ONNX graph (`logits`, `features`, ...). */
  readonly outputName: string;
  /** Every output, in order (`output` and `outputName` are the first). */
  readonly outputs: readonly { readonly name: string; readonly shape: JsonShape }[];
  readonly stages: readonly SummaryJsonStage[];
  readonly layers: readonly SummaryJsonLayer[];
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** What `netforge summary --json` prints. */
export function summaryJson(m: ModelStructure, expectations: Expectations = {}): SummaryJson {
  const s = m.stats;
  return {
    model: m.name,
    input: jsonShape(m.input),
    params: s.params,
    trainableParams: s.trainableParams,
    frozenParams: s.frozenParams,
    buffers: s.buffers,
    sizeMB: { float32: round3((s.params * 4) / 1e6), float16: round3((s.params * 2) / 1e6) },
    macs: s.macs,
    macsFormula: typeof s.macsFormula === 'number' ? s.macsFormula : dimText(s.macsFormula),
    reference: s.reference,
    sizes: s.sizes,
    depth: s.depth,
    mainPath: s.mainPath,
    shortcutProjections: s.shortcutProjections,
    verified: verdicts(s, expectations),
    ops: s.ops,
    output: jsonShape(s.output),
    outputName: m.outputName,
    outputs: s.outputs.map((o) => ({ name: o.name, shape: jsonShape(o.shape) })),
    stages: m.sections.map((sec) => ({
      name: sec.name,
      kind: sec.kind,
      ...(sec.type !== undefined ? { type: sec.type } : {}),
      ...(sec.from !== undefined ? { from: sec.from } : {}),
      modules: sec.modules,
      outputShape: jsonShape(sec.outputShape),
      params: sec.params,
      macs: sec.macs,
      blocks: sec.blocks.map((b) => ({
        name: b.path,
        type: b.type,
        outputShape: jsonShape(b.outputShape),
        params: b.params,
        macs: b.macs,
        shortcut: { kind: b.shortcut.kind, detail: b.shortcut.detail },
      })),
    })),
    layers: s.layers.map((l) => ({ name: l.name, module: l.module, op: l.op, outputShape: jsonShape(l.outputShape), params: l.params, macs: l.macs })),
  };
}
