/**
 * The architecture of a model as the reports present it: stem -> stages of blocks -> head,
 * read from the stages and blocks the builder recorded in the graph (`graph.modules`).
 *
 * Rules:
 * 1. A node belongs to the innermost recorded stage whose path prefixes its module
 *    (`layer1.0.conv1` -> `layer1`), else to its top-level module; groups are kept in order
 *    of first appearance.
 * 2. A stage's blocks are its recorded blocks; a node in a stage under no recorded block
 *    forms a block of its own child module. A graph without records (built by hand, or
 *    read from elsewhere) falls back to names: a top-level module is a stage when every one
 *    of its nodes sits under an integer child (`layer1.0...`), like nn.Sequential of blocks.
 * 3. Groups before the first stage form the stem; after the last stage, the head; between
 *    stages, a section of their own. A model without stages has one section per group.
 *    After the last stage, each recorded head (`classifier`, `aux_classifier`) starts a head
 *    section of its own, named by its path, and groups that are no head join the section
 *    before them (the resize of a head's logits to the image).
 * 7. A section that reads the output of a section other than the one before it (an
 *    auxiliary head on layer3) names it as `from`: the reports draw it as a branch.
 * 8. A head's recorded blocks (ASPP) are its `headBlocks`.
 * 4. A block's type is its recorded type (`Bottleneck`, the user's own block name); without
 *    a record, the config's block kind, `Block`, or the op of a one-node block.
 * 5. Consecutive blocks with the same signature (layers and their attributes, shortcut,
 *    gate, output shape, params, MACs) form a run; the reports collapse long runs.
 * 6. A block's gating branch (squeeze-and-excitation, see blockAnatomy) is its `gate`,
 *    apart from `body`; `scale` is the main-path Mul that applies it.
 */
import type { Graph, Node, Shape } from '../../ir/types.js';
import { analyze, type GraphStats, type LayerStat } from '../../passes/analyze.js';
import { blockAnatomy, type Shortcut } from './blockAnatomy.js';
import { kernelSpec, layerLabel } from './format.js';

export interface Layer {
  readonly node: Node;
  readonly stat: LayerStat;
  /** On the block's shortcut branch. */
  readonly onShortcut: boolean;
}

export interface Block {
  /** Module path, e.g. `layer3.12`. */
  readonly path: string;
  /** The block type, e.g. `Bottleneck`. */
  readonly type: string;
  readonly layers: readonly Layer[];
  /** Main-path layers before the residual add. */
  readonly body: readonly Layer[];
  readonly merge: Layer | undefined;
  /** Layers after the add (the final ReLU). */
  readonly tail: readonly Layer[];
  readonly shortcut: Shortcut;
  /** The gating side branch (global pool -> ... -> sigmoid), empty when the block has none. */
  readonly gate: readonly Layer[];
  /** The main-path layer that applies the gate (a Mul, also in `body` or `tail`); undefined without a gate. */
  readonly scale: Layer | undefined;
  readonly outputShape: Shape;
  readonly params: number;
  readonly macs: number;
  /** Equal signatures mean identical blocks (used to collapse repeats). */
  readonly signature: string;
}

export type SectionKind = 'stem' | 'stage' | 'head' | 'modules';

export interface Section {
  readonly kind: SectionKind;
  /** `stem`, `layer2`, `head`, or the module names of a section between stages. */
  readonly name: string;
  /** The top-level modules in it, in order. */
  readonly modules: readonly string[];
  readonly layers: readonly Layer[];
  /** The blocks of a stage (empty for other sections). */
  readonly blocks: readonly Block[];
  readonly outputShape: Shape;
  readonly params: number;
  readonly macs: number;
  /** A head's recorded class (`DeepLabHead`, `FCNHead`); undefined for other sections. */
  readonly type?: string;
  /** The section this one reads, when it is not the one before it (rule 7). */
  readonly from?: string;
  /** Blocks recorded inside a head (ASPP), in order (rule 8); empty for other sections. */
  readonly headBlocks: readonly HeadBlock[];
}

/** A block recorded inside a head (ASPP): its layers, in graph order, and their totals. */
export interface HeadBlock {
  readonly path: string;
  readonly type: string;
  readonly layers: readonly Layer[];
  readonly outputShape: Shape;
  readonly params: number;
  readonly macs: number;
}

/** Consecutive identical blocks of a stage. */
export interface BlockRun {
  readonly blocks: readonly Block[];
}

export interface ModelStructure {
  readonly name: string;
  readonly input: Shape;
  /** The graph output's name: `logits` for a classifier, `features` for a backbone, or the model's own. */
  readonly outputName: string;
  readonly stats: GraphStats;
  readonly sections: readonly Section[];
  /** `netforge.config` when present and valid JSON. */
  readonly config: Readonly<Record<string, unknown>> | undefined;
}

const topOf = (module: string): string => module.split('.')[0]!;
const isIndex = (s: string | undefined): boolean => s !== undefined && /^\d+$/.test(s);
const under = (module: string, path: string): boolean => module === path || module.startsWith(`${path}.`);

/** Where a node sits: its section group, and its block within a stage. */
interface Placement {
  /** A stage path, or the top-level module. */
  readonly group: string;
  readonly stage: boolean;
  /** The block path (stages only). */
  readonly block?: string;
  /** The recorded block type, when recorded. */
  readonly type?: string;
}

/** Placements from the builder's records (rules 1, 2). */
function recordedPlacement(g: Graph): ((module: string) => Placement) | undefined {
  const stages = g.modules.filter((m) => m.kind === 'stage').sort((a, b) => b.path.length - a.path.length);
  if (stages.length === 0) return undefined;
  const blocks = g.modules.filter((m) => m.kind === 'block').sort((a, b) => b.path.length - a.path.length);
  return (module) => {
    const stage = stages.find((s) => under(module, s.path));
    if (stage === undefined) return { group: topOf(module), stage: false };
    const blk = blocks.find((b) => under(module, b.path) && b.path.startsWith(`${stage.path}.`));
    if (blk !== undefined) return { group: stage.path, stage: true, block: blk.path, type: blk.type };
    const child = module.slice(stage.path.length + 1).split('.')[0] ?? '';
    return { group: stage.path, stage: true, block: child === '' ? stage.path : `${stage.path}.${child}` };
  };
}

/** Placements from module names, for graphs without records (rule 2's fallback). */
function namedPlacement(g: Graph): (module: string) => Placement {
  const stageTops = new Map<string, boolean>();
  for (const n of g.nodes) {
    const [top, idx] = (n.module || n.name).split('.');
    stageTops.set(top!, (stageTops.get(top!) ?? true) && isIndex(idx));
  }
  return (module) => {
    const [top, idx] = module.split('.');
    return stageTops.get(top!) ? { group: top!, stage: true, block: `${top}.${idx}` } : { group: top!, stage: false };
  };
}

function parseConfig(g: Graph): Readonly<Record<string, unknown>> | undefined {
  const raw = g.meta.get('netforge.config');
  if (raw === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const sum = (ls: readonly Layer[], f: (l: Layer) => number): number => ls.reduce((a, l) => a + f(l), 0);
const lastShape = (ls: readonly Layer[]): Shape => ls[ls.length - 1]!.stat.outputShape;

/** Describe a model's architecture. `stats` defaults to analyze(g). */
export function describeModel(g: Graph, stats: GraphStats = analyze(g)): ModelStructure {
  const config = parseConfig(g);
  const blockKind = typeof config?.['block'] === 'string' ? (config['block'] as string) : 'Block';
  const shapeOf = (v: string): Shape => g.values.get(v)!.shape;
  const place = recordedPlacement(g) ?? namedPlacement(g);

  // 1. group layers by stage or top-level module
  const groups = new Map<string, Layer[]>();
  const placements = new Map<Node, Placement>();
  const stageGroups = new Set<string>();
  g.nodes.forEach((node, i) => {
    const at = place(node.module || node.name);
    placements.set(node, at);
    if (at.stage) stageGroups.add(at.group);
    let list = groups.get(at.group);
    if (!list) groups.set(at.group, (list = []));
    list.push({ node, stat: stats.layers[i]!, onShortcut: false });
  });
  const tops = [...groups.keys()];
  const isStage = (t: string): boolean => stageGroups.has(t);
  const stageIdx = tops.map((t, i) => (isStage(t) ? i : -1)).filter((i) => i >= 0);

  const sections: Section[] = [];
  const plain = (kind: SectionKind, name: string, modules: readonly string[], type?: string): void => {
    const layers = modules.flatMap((m) => groups.get(m)!);
    const headBlocks = kind === 'head' ? headBlocksOf(g, layers) : [];
    sections.push({ kind, name, modules, layers, blocks: [], outputShape: lastShape(layers), params: sum(layers, (l) => l.stat.params), macs: sum(layers, (l) => l.stat.macs), headBlocks, ...(type !== undefined ? { type } : {}) });
  };
  const done = (): ModelStructure => ({ name: g.name, input: shapeOf(g.inputs[0]!), outputName: g.outputs[0]!, stats, sections: withBranches(g, sections), config });
  if (stageIdx.length === 0) {
    for (const t of tops) plain('modules', t, [t]);
    return done();
  }
  const first = stageIdx[0]!;
  const last = stageIdx[stageIdx.length - 1]!;
  if (first > 0) plain('stem', 'stem', tops.slice(0, first));
  let pending: string[] = [];
  for (let i = first; i <= last; i++) {
    const t = tops[i]!;
    if (!isStage(t)) {
      pending.push(t);
      continue;
    }
    if (pending.length > 0) plain('modules', pending.join('+'), pending);
    pending = [];
    const blocks = stageBlocks(groups.get(t)!, (n) => placements.get(n)!, blockKind, shapeOf);
    const layers = blocks.flatMap((b) => b.layers);
    sections.push({
      kind: 'stage',
      name: t,
      modules: [t],
      layers,
      blocks,
      outputShape: lastShape(layers),
      params: sum(layers, (l) => l.stat.params),
      macs: sum(layers, (l) => l.stat.macs),
      headBlocks: [],
    });
  }
  const after = tops.slice(last + 1);
  // rule 3: recorded heads each start a section; without records, everything after the stages is the head
  const heads = new Map<string, string>();
  for (const m of g.modules) if (m.kind === 'head' && !heads.has(topOf(m.path))) heads.set(topOf(m.path), m.type);
  if (after.length > 0 && !after.some((t) => heads.has(t))) plain('head', 'head', after);
  else {
    let run: string[] = [];
    const flush = (): void => {
      if (run.length > 0) plain(heads.has(run[0]!) ? 'head' : 'modules', run[0]!, run, heads.get(run[0]!));
      run = [];
    };
    for (const t of after) {
      if (heads.has(t)) flush();
      run.push(t);
    }
    flush();
  }
  return done();
}

/** Rule 8: the recorded blocks among a head's layers. */
function headBlocksOf(g: Graph, layers: readonly Layer[]): HeadBlock[] {
  return g.modules
    .filter((m) => m.kind === 'block')
    .map((m) => ({ m, ls: layers.filter((l) => under(l.node.module, m.path)) }))
    .filter(({ ls }) => ls.length > 0)
    .map(({ m, ls }) => ({ path: m.path, type: m.type, layers: ls, outputShape: lastShape(ls), params: sum(ls, (l) => l.stat.params), macs: sum(ls, (l) => l.stat.macs) }));
}

/** Rule 7: `from` for the sections that read another section than the one before them. */
function withBranches(g: Graph, sections: readonly Section[]): Section[] {
  const sectionOf = new Map<string, string>();
  for (const s of sections) for (const l of s.layers) for (const o of l.node.outputs) sectionOf.set(o, s.name);
  return sections.map((s, i) => {
    if (i === 0) return s;
    const read = new Set<string>();
    for (const l of s.layers) for (const v of l.node.inputs) if (!g.inputs.includes(v) && sectionOf.get(v) !== s.name && sectionOf.has(v)) read.add(sectionOf.get(v)!);
    const from = read.size === 1 ? [...read][0]! : undefined;
    return from !== undefined && from !== sections[i - 1]!.name ? { ...s, from } : s;
  });
}

function stageBlocks(layers: readonly Layer[], placementOf: (n: Node) => Placement, blockKind: string, shapeOf: (v: string) => Shape): Block[] {
  const byPath = new Map<string, Layer[]>();
  for (const l of layers) {
    const path = placementOf(l.node).block!;
    let list = byPath.get(path);
    if (!list) byPath.set(path, (list = []));
    list.push(l);
  }
  return [...byPath.entries()].map(([path, raw]) => {
    /** A name within the block (`layer1.0.se.fc1` -> `se.fc1`). */
    const local = (name: string): string => (name === path ? '' : name.startsWith(`${path}.`) ? name.slice(path.length + 1) : name);
    const anatomy = blockAnatomy(
      raw.map((l) => l.node),
      shapeOf,
    );
    const short = new Set(anatomy.shortcut.nodes);
    const all = raw.map((l) => ({ ...l, onShortcut: short.has(l.node.name) }));
    const byName = new Map(all.map((l) => [l.node.name, l]));
    const pick = (ns: readonly Node[]): Layer[] => ns.map((n) => byName.get(n.name)!);
    const type = placementOf(all[0]!.node).type ?? (all.length === 1 ? all[0]!.node.op : blockKind);
    const outputShape = lastShape(all);
    const params = sum(all, (l) => l.stat.params);
    const macs = sum(all, (l) => l.stat.macs);
    const signature = [
      type,
      ...all.map((l) => `${local(l.node.module)}:${l.node.op}:${kernelSpec(l.node)}:${layerLabel(l.node, l.stat.outputShape)}:${l.onShortcut ? 's' : 'm'}`),
      anatomy.shortcut.kind,
      anatomy.shortcut.detail,
      ...(anatomy.gate ? [`gate:${anatomy.gate.nodes.map((n) => local(n.name)).join(',')}>${local(anatomy.gate.scale.name)}`] : []),
      outputShape.join(','),
      params,
      macs,
    ].join('|');
    return {
      path,
      type,
      layers: all,
      body: pick(anatomy.body),
      merge: anatomy.merge ? byName.get(anatomy.merge.name) : undefined,
      tail: pick(anatomy.tail),
      shortcut: anatomy.shortcut,
      gate: anatomy.gate ? pick(anatomy.gate.nodes) : [],
      scale: anatomy.gate ? byName.get(anatomy.gate.scale.name) : undefined,
      outputShape,
      params,
      macs,
      signature,
    };
  });
}

/** The model's Dropout layers in words (`classifier.0.project.3 (p 0.5): ...`), which compiling removes; undefined without any. */
export function dropoutNote(m: ModelStructure): string | undefined {
  const ds = m.sections.flatMap((s) => s.layers).flatMap((l) => (l.node.op === 'Dropout' ? [`${l.node.name} (p ${l.node.attrs.ratio})`] : []));
  return ds.length === 0 ? undefined : `${ds.join(', ')}: the identity at inference, not in the compiled graph`;
}

/** The last part of a module path: `layer3` for `backbone.layer3` (where a branch comes from, said briefly). */
export const lastPart = (path: string): string => path.slice(path.lastIndexOf('.') + 1);

/** Split a stage's blocks into runs of consecutive identical blocks. */
export function blockRuns(blocks: readonly Block[]): BlockRun[] {
  const runs: Block[][] = [];
  for (const b of blocks) {
    const cur = runs[runs.length - 1];
    if (cur && cur[0]!.signature === b.signature) cur.push(b);
    else runs.push([b]);
  }
  return runs.map((blocks) => ({ blocks }));
}

/** Ops the diagrams and tables leave implicit, as the paper's figures do (BatchNorm, ReLU, Flatten ...). */
export const IMPLIED_OPS: ReadonlySet<string> = new Set(['BatchNormalization', 'Relu', 'Flatten', 'Identity', 'Cast', 'Sigmoid', 'Add', 'Dropout']);

/** The layers worth drawing or listing: the non-implied ones, or all but Add if none is left. */
export function notableLayers(layers: readonly Layer[]): Layer[] {
  const shown = layers.filter((l) => !IMPLIED_OPS.has(l.node.op));
  return shown.length > 0 ? shown : layers.filter((l) => l.node.op !== 'Add');
}

/** Every block of the model, in order. */
export function allBlocks(m: ModelStructure): Block[] {
  return m.sections.flatMap((s) => s.blocks);
}

/** Weighted or windowed layers of a main path, for aggregate kernel specs. */
const WINDOWED = new Set(['Conv', 'MaxPool', 'AveragePool']);

/**
 * The kernel column for a group of layers: the largest kernel, the total stride along the
 * main path, the largest dilation and groups (`3x3 s2 d1 g32`); `''` when there is no
 * windowed layer. Dilation and groups are shown when a Conv is among them.
 */
export function aggregateKernelSpec(layers: readonly Layer[]): string {
  const ws = layers.filter((l) => !l.onShortcut && WINDOWED.has(l.node.op));
  if (ws.length === 0) return '';
  let kh = 0;
  let kw = 0;
  let sh = 1;
  let sw = 1;
  let d = 1;
  let groups = 1;
  let conv = false;
  for (const { node: n } of ws) {
    if (n.op !== 'Conv' && n.op !== 'MaxPool' && n.op !== 'AveragePool') continue;
    const a = n.attrs;
    if (a.kernel[0] * a.kernel[1] > kh * kw) [kh, kw] = a.kernel;
    sh *= a.stride[0];
    sw *= a.stride[1];
    if (n.op === 'Conv') {
      conv = true;
      d = Math.max(d, n.attrs.dilation[0], n.attrs.dilation[1]);
      groups = Math.max(groups, n.attrs.groups);
    }
  }
  const s = sh === sw ? String(sh) : `${sh}x${sw}`;
  return conv ? `${kh}x${kw} s${s} d${d} g${groups}` : `${kh}x${kw} s${s}`;
}
