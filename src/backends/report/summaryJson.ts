/**
 * `netforge summary --json`: a contract other tools script against. Keys present since
 * the first release (model, input, params, trainableParams, frozenParams, macs, depth,
 * mainPath, shortcutProjections, ops, output, layers[name, module, op, outputShape,
 * params, macs]) must stay; new keys may be added.
 */
import type { Shape } from '../../ir/types.js';
import type { Expectations } from '../../passes/verifyStructure.js';
import type { LayerStat } from '../../passes/analyze.js';
import type { ModelStructure } from './structure.js';
import { verdicts, type Verdict } from './verified.js';

export interface SummaryJsonBlock {
  readonly name: string;
  readonly type: string;
  readonly outputShape: Shape;
  readonly params: number;
  readonly macs: number;
  readonly shortcut: { readonly kind: string; readonly detail: string };
}

export interface SummaryJsonStage {
  readonly name: string;
  readonly kind: string;
  readonly modules: readonly string[];
  readonly outputShape: Shape;
  readonly params: number;
  readonly macs: number;
  readonly blocks: readonly SummaryJsonBlock[];
}

export interface SummaryJson {
  readonly model: string;
  readonly input: Shape;
  readonly params: number;
  readonly trainableParams: number;
  readonly frozenParams: number;
  readonly buffers: number;
  readonly sizeMB: { readonly float32: number; readonly float16: number };
  readonly macs: number;
  readonly depth: number;
  readonly mainPath: { readonly conv: number; readonly linear: number };
  readonly shortcutProjections: number;
  readonly verified: readonly Verdict[];
  readonly ops: Readonly<Record<string, number>>;
  readonly output: Shape;
  /** The output's name in the ONNX graph (`logits`, `features`, ...). */
  readonly outputName: string;
  readonly stages: readonly SummaryJsonStage[];
  readonly layers: readonly Omit<LayerStat, 'onMainPath'>[];
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function summaryJson(m: ModelStructure, expectations: Expectations = {}): SummaryJson {
  const s = m.stats;
  return {
    model: m.name,
    input: m.input,
    params: s.params,
    trainableParams: s.trainableParams,
    frozenParams: s.frozenParams,
    buffers: s.buffers,
    sizeMB: { float32: round3((s.params * 4) / 1e6), float16: round3((s.params * 2) / 1e6) },
    macs: s.macs,
    depth: s.depth,
    mainPath: s.mainPath,
    shortcutProjections: s.shortcutProjections,
    verified: verdicts(s, expectations),
    ops: s.ops,
    output: s.output,
    outputName: m.outputName,
    stages: m.sections.map((sec) => ({
      name: sec.name,
      kind: sec.kind,
      modules: sec.modules,
      outputShape: sec.outputShape,
      params: sec.params,
      macs: sec.macs,
      blocks: sec.blocks.map((b) => ({
        name: b.path,
        type: b.type,
        outputShape: b.outputShape,
        params: b.params,
        macs: b.macs,
        shortcut: { kind: b.shortcut.kind, detail: b.shortcut.detail },
      })),
    })),
    layers: s.layers.map((l) => ({ name: l.name, module: l.module, op: l.op, outputShape: l.outputShape, params: l.params, macs: l.macs })),
  };
}
