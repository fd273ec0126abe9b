/**
 * diffModels: what a variant changes, as a library call. Two inspected models (see
 * inspectModel) give their module trees aligned row by row (./diff/tree.ts), their totals
 * side by side (./diff/totals.ts), and what A's checkpoint does when loaded into B
 * (./diff/weights.ts). `netforge diff` prints it; the reports render it.
 */
import type { InspectedModel } from './inspect.js';
import type { ModelDefinition } from './dsl/model.js';
import { allBlocks, type ModelStructure } from './backends/report/structure.js';
import { NetforgeError } from './errors.js';
import { allRows, diffTree, type DiffRow } from './diff/tree.js';
import { sameTotals, totalsDiff, type TotalsDiff } from './diff/totals.js';
import { weightsCompat, type WeightsCompat } from './diff/weights.js';

export type { DiffRow, DiffField, RowCells, RowKind, RowStatus } from './diff/tree.js';
export type { TotalsDiff, Quantity, QuantityKey, MacsFormulaDiff, OpCount } from './diff/totals.js';
export type { WeightsCompat, LoadVerdict, ShapeChange } from './diff/weights.js';

export type Side = 'A' | 'B';

/** One side of a diff: the model, and how the user named it (`resnet50 --replace-stride-with-dilation false,true,true`). */
export interface DiffInput {
  readonly label: string;
  readonly model: InspectedModel;
  /** The side's options set the class count (--num-classes): a checkpoint's classifier of another size would be replaced. */
  readonly numClassesSet?: boolean;
  /** The side's --in-chans: a checkpoint's input convolution would be adapted to it. */
  readonly inChans?: number;
  /** The side's definition: B's `backbone` and `auxHead` adapt A's checkpoint as --weights does. */
  readonly def?: Pick<ModelDefinition, 'backbone' | 'auxHead'>;
}

export interface DiffSideInfo {
  readonly label: string;
  readonly structure: ModelStructure;
}

export interface ModelDiff {
  readonly a: DiffSideInfo;
  readonly b: DiffSideInfo;
  /** Sections, with their blocks and layers under them. */
  readonly rows: readonly DiffRow[];
  readonly totals: TotalsDiff;
  /** A's checkpoint loaded into B. */
  readonly weights: WeightsCompat;
  /** No row, total or weight differs: the two are the same architecture. */
  readonly identical: boolean;
}

/**
 * What B changes against A: their sections, blocks and layers aligned by module path (and by
 * structure where paths differ), the totals side by side (params, MACs at the reference size
 * and for any input size, depth, smallest input, ops), and what A's state_dict does when
 * loaded into B with `--weights`. Render it with diffText, diffJson or diffHtml (`netforge diff`).
 */
export function diffModels(a: DiffInput, b: DiffInput): ModelDiff {
  const rows = diffTree(a.model.structure, b.model.structure);
  const totals = totalsDiff(a.model.structure, b.model.structure);
  const weights = weightsCompat(a.model.graph, b.model.graph, {
    bReplacesHead: b.numClassesSet ?? false,
    ...(b.inChans !== undefined ? { bInChans: b.inChans } : {}),
    ...(b.def !== undefined ? { bDef: b.def } : {}),
    blocksA: allBlocks(a.model.structure).map((x) => x.path),
    blocksB: allBlocks(b.model.structure).map((x) => x.path),
  });
  const identical =
    allRows(rows).every((r) => r.status === 'same') &&
    sameTotals(totals) &&
    weights.loads === weights.entries &&
    weights.onlyInB.length === 0 &&
    weights.verdict.ok &&
    !weights.verdict.noStrict &&
    weights.verdict.fresh.length === 0;
  return {
    a: { label: a.label, structure: a.model.structure },
    b: { label: b.label, structure: b.model.structure },
    rows,
    totals,
    weights,
    identical,
  };
}

/** An error of one side, saying which: `B (resnet50 --replace-stride-with-dilation true): ...`. Everything else is kept. */
export function sideError(side: Side, label: string, e: NetforgeError): NetforgeError {
  return new NetforgeError({
    code: e.code,
    message: `${side} (${label}): ${e.message}`,
    modulePath: e.modulePath,
    loc: e.loc,
    file: e.file,
    hint: e.hint,
    related: e.related,
    option: e.option,
    framed: e.framed,
    exitCode: e.exitCode,
  });
}
