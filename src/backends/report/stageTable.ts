/**
 * The stage table in the style of Table 1 of He et al. 2015: one row per section with its
 * output size and its blocks as `[1x1, 64; 3x3, 64; 1x1, 256] x 3`, written from the convs
 * actually in the graph. Dilation appears where it replaced stride (`3x3, 256, d2`),
 * groups as `g32`. Blocks of a stage whose convs differ get a bracket each.
 *
 * A block's gating branch (squeeze-and-excitation) follows its main-path convs inside the
 * bracket, as Table 1 of Hu et al. 2018 writes it: `SE fc [16, 256]` lists the output
 * widths of the gate's fully connected layers (1x1 convs on the pooled [N, C, 1, 1] tensor,
 * or Gemms) in order. A gate with a wider conv writes those as convs (`SE [3x3, 16; 1x1, 256]`),
 * and one with no weighted layer is just `SE`.
 */
import { notableLayers, type Block, type Layer, type ModelStructure, type Section } from './structure.js';
import { branchSteps } from './branches.js';
import { esc } from './svg.js';
import { int, pairStr, si, spatial } from './format.js';
import { formatDim } from '../../ir/dim.js';
import { maxOf } from '../../maxOf.js';

export interface StageRow {
  readonly name: string;
  /** The paper's name (`conv1`, `conv2_x`, ...), for models built by resnet(). */
  readonly paperName: string | undefined;
  /** Spatial output size, `56×56`. */
  readonly outputSize: string;
  /** Output channels (features, for a flattened output). */
  readonly channels: number | string;
  /** What the section does: brackets for stages, layer phrases otherwise. */
  readonly spec: readonly string[];
  /** Where the section downsamples, e.g. `/2 at layer2.0.conv2`; '' when it keeps the size (or says the dilation that replaced the stride). */
  readonly downsampling: string;
  /** Shortcut kinds and how many blocks use each, e.g. `projection ×1, identity ×3`. */
  readonly shortcuts: string;
  readonly params: number;
  readonly macs: number;
}

/** `3x3, 256, g32, d2`: one conv as the paper's table writes it. */
function convEntry(l: Layer): string {
  if (l.node.op !== 'Conv') return '';
  const a = l.node.attrs;
  const parts = [`${a.kernel[0]}x${a.kernel[1]}`, String(l.stat.outputShape[1])];
  if (a.groups > 1) parts.push(`g${a.groups}`);
  if (a.dilation[0] > 1 || a.dilation[1] > 1) parts.push(`d${pairStr(a.dilation)}`);
  return parts.join(', ');
}

/** A 1x1 conv without groups or dilation, or a Gemm: a fully connected layer on the pooled tensor. */
function isFc(l: Layer): boolean {
  const n = l.node;
  if (n.op === 'Gemm') return true;
  if (n.op !== 'Conv') return false;
  const a = n.attrs;
  return a.kernel[0] === 1 && a.kernel[1] === 1 && a.groups === 1 && a.dilation[0] === 1 && a.dilation[1] === 1;
}

/** `SE fc [16, 256]`: a block's gate as the SE-Net paper's table writes it (see the header). */
export function gateEntry(b: Block): string {
  const weighted = b.gate.filter((l) => l.node.op === 'Conv' || l.node.op === 'Gemm');
  if (weighted.length === 0) return 'SE';
  if (weighted.every(isFc)) return `SE fc [${weighted.map((l) => String(l.stat.outputShape[1])).join(', ')}]`;
  return `SE [${weighted.map((l) => (l.node.op === 'Conv' ? convEntry(l) : `fc ${String(l.stat.outputShape[1])}`)).join('; ')}]`;
}

/** `[1x1, 64; 3x3, 64; 1x1, 256]` for one block's main-path convs, then its gate if any (`; SE fc [16, 256]`). */
export function blockBracket(b: Block): string {
  const convs = b.body.filter((l) => l.node.op === 'Conv').map(convEntry);
  if (b.gate.length > 0) convs.push(gateEntry(b));
  return `[${convs.join('; ')}]`;
}

/** Consecutive blocks with the same bracket, as `[...] x n`. */
export function stageBrackets(blocks: readonly Block[]): string[] {
  const out: [string, number][] = [];
  for (const b of blocks) {
    const br = blockBracket(b);
    const last = out[out.length - 1];
    if (last && last[0] === br) last[1]++;
    else out.push([br, 1]);
  }
  return out.map(([br, n]) => `${br} x ${n}`);
}

/** A layer in the table's words: `7x7, 64, stride 2`, `3x3 max pool, stride 2`, `1000-d fc`. */
function layerPhrase(l: Layer): string {
  const n = l.node;
  const stride = (s: readonly [number, number]): string => (s[0] > 1 || s[1] > 1 ? `, stride ${pairStr(s)}` : '');
  switch (n.op) {
    case 'Conv':
      return `${convEntry(l)}${stride(n.attrs.stride)}`;
    case 'MaxPool':
      return `${n.attrs.kernel[0]}x${n.attrs.kernel[1]} max pool${stride(n.attrs.stride)}`;
    case 'AveragePool':
      return `${n.attrs.kernel[0]}x${n.attrs.kernel[1]} average pool${stride(n.attrs.stride)}`;
    case 'GlobalAveragePool':
      return 'global average pool';
    case 'Gemm':
      return `${String(l.stat.outputShape[1])}-d fc`;
    case 'Resize':
      return `bilinear resize to ${spatial(l.stat.outputShape)}`;
    case 'Concat':
      return `concat, ${formatDim(l.stat.outputShape[1]!)}`;
    default:
      return n.op;
  }
}

/**
 * A section that is not a stage, as phrases: its layers, and each fork of branches on one
 * line, `ASPP [1x1, 256 | 3x3, 256, d12 | ... | global average pool, 1x1, 256] -> concat, 1280`
 * (the recorded block's name, else `branches`); a head that reads an earlier section says so first.
 */
function sectionPhrases(s: Section): string[] {
  const out: string[] = s.from !== undefined ? [`on ${s.from}`] : [];
  let pending: Layer[] = [];
  const flush = (): void => {
    out.push(...notableLayers(pending).map(layerPhrase));
    pending = [];
  };
  for (const step of branchSteps(s.layers)) {
    if (step.kind === 'layer') {
      pending.push(step.layer);
      continue;
    }
    flush();
    const name = s.headBlocks.find((b) => b.layers.includes(step.join))?.type ?? 'branches';
    const lanes = step.lanes.map((ls) => notableLayers(ls).filter((l) => l.node.op !== 'Resize').map(layerPhrase).join(', '));
    out.push(`${name} [${lanes.join(' | ')}] → ${layerPhrase(step.join)}`);
  }
  flush();
  return out;
}

function downsampling(s: Section): string {
  const gated = new Set(s.blocks.flatMap((b) => b.gate.map((l) => l.node.name)));
  const mainLayers = s.layers.filter((l) => !l.onShortcut && !gated.has(l.node.name));
  const strided = mainLayers.filter((l) => {
    const n = l.node;
    return (n.op === 'Conv' || n.op === 'MaxPool' || n.op === 'AveragePool') && (n.attrs.stride[0] > 1 || n.attrs.stride[1] > 1);
  });
  if (strided.length > 0) {
    return strided
      .map((l) => {
        const n = l.node;
        const st = n.op === 'Conv' || n.op === 'MaxPool' || n.op === 'AveragePool' ? n.attrs.stride : ([1, 1] as const);
        return `/${pairStr(st)} at ${n.name}`;
      })
      .join(', ');
  }
  // a stage whose stride was replaced by dilation keeps the size
  const dilation = maxOf(mainLayers.map((l) => (l.node.op === 'Conv' ? Math.max(...l.node.attrs.dilation) : 1)), 1);
  return dilation > 1 ? `none (dilation up to ${dilation})` : '';
}

function shortcutCounts(blocks: readonly Block[]): string {
  const counts = new Map<string, number>();
  for (const b of blocks) {
    const k = b.shortcut.detail ? `${b.shortcut.label} (${b.shortcut.detail})` : b.shortcut.label;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts.entries()].map(([k, n]) => `${k} ×${n}`).join(', ');
}

export function stageRows(m: ModelStructure): StageRow[] {
  const paper = m.config !== undefined;
  let stageNo = 0;
  return m.sections.map((s) => {
    const out = s.outputShape;
    let paperName: string | undefined;
    if (paper && s.kind === 'stage') paperName = `conv${++stageNo + 1}_x`;
    else if (paper && s.kind === 'stem') paperName = 'conv1';
    return {
      name: s.name,
      paperName,
      outputSize: spatial(out),
      channels: out[1] === undefined ? '' : typeof out[1] === 'number' ? out[1] : formatDim(out[1]),
      spec: s.kind === 'stage' ? stageBrackets(s.blocks) : sectionPhrases(s),
      downsampling: downsampling(s),
      shortcuts: s.kind === 'stage' ? shortcutCounts(s.blocks) : '',
      params: s.params,
      macs: s.macs,
    };
  });
}

/** The table as HTML (for the report page). */
export function stageTableHtml(m: ModelStructure): string {
  const rows = stageRows(m);
  const body = rows
    .map((r) => {
      const name = `<th scope="row">${esc(r.name)}${r.paperName ? `<br><span class="nf-muted">${esc(r.paperName)}</span>` : ''}</th>`;
      const spec = r.spec.map((s) => `<code>${esc(s)}</code>`).join('<br>');
      return (
        `<tr data-section="${esc(r.name)}">${name}<td>${esc(r.outputSize)}</td><td class="num">${esc(String(r.channels))}</td>` +
        `<td class="spec">${spec}</td><td>${esc(r.downsampling || '—')}</td><td>${esc(r.shortcuts || '—')}</td>` +
        `<td class="num" title="${esc(int(r.params))}">${esc(si(r.params))}</td><td class="num" title="${esc(int(r.macs))}">${esc(si(r.macs))}</td></tr>`
      );
    })
    .join('\n');
  const s = m.stats;
  return [
    '<table class="nf-stages">',
    '<thead><tr><th>layer name</th><th>output size</th><th>channels</th><th>blocks</th><th>downsampling</th><th>shortcut</th><th>params</th><th>MACs</th></tr></thead>',
    `<tbody>\n${body}\n</tbody>`,
    `<tfoot><tr><th scope="row">total</th><td colspan="5">main-path depth ${s.depth} (${s.mainPath.conv} conv + ${s.mainPath.linear} linear)</td><td class="num" title="${esc(int(s.params))}">${esc(si(s.params))}</td><td class="num" title="${esc(int(s.macs))}">${esc(si(s.macs))}</td></tr></tfoot>`,
    '</table>',
  ].join('\n');
}
