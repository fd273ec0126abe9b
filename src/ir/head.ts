/**
 * A graph's classifier layers: the weighted layers that produce the class scores, which a
 * checkpoint of another class count does not fit (`--num-classes` replaces them) and which
 * `--freeze-backbone` keeps trainable.
 *
 * Rules:
 * 1. A Gemm whose output reaches a graph output through weightless ops only (Flatten,
 *    Relu, ...): a ResNet's `fc`.
 * 2. A 1x1 Conv (a Linear layer applied at every pixel) whose output reaches a graph output
 *    through ops that act on each pixel's scores alone or move them (Resize, Dropout,
 *    Identity, Cast), along their first input: a segmentation head's classifier
 *    (`classifier.4`, `aux_classifier.4`), resized to the image. A conv whose output goes
 *    through an Add, a BatchNorm or a ReLU is a backbone's, not one.
 * In graph order.
 */
import type { Graph, Node, OpKind } from './types.js';
import { isWeighted } from './ops.js';

/** Rule 2's ops. */
const SCORE_PRESERVING: ReadonlySet<OpKind> = new Set<OpKind>(['Resize', 'Dropout', 'Identity', 'Cast']);

export function classifierLayers(g: Graph): Node[] {
  const found = new Set<Node>();
  // rule 1: walk back from the outputs through every input of weightless nodes
  const nearOutput = new Set(g.outputs);
  for (let k = g.nodes.length - 1; k >= 0; k--) {
    const n = g.nodes[k]!;
    if (!n.outputs.some((o) => nearOutput.has(o))) continue;
    if (n.op === 'Gemm') found.add(n);
    if (!isWeighted(n)) for (const i of n.inputs) nearOutput.add(i);
  }
  // rule 2: from each output, back along first inputs through score-preserving ops
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  for (const out of g.outputs) {
    let n = producer.get(out);
    while (n !== undefined && SCORE_PRESERVING.has(n.op)) n = producer.get(n.inputs[0]!);
    if (n?.op === 'Conv' && n.attrs.kernel[0] === 1 && n.attrs.kernel[1] === 1) found.add(n);
  }
  return g.nodes.filter((n) => found.has(n));
}
