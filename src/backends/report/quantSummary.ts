/**
 * What an int8 model is, in rows for `compile`, `summary` and `report`: the scheme, which
 * layers run in int8, the weight size, the layers that stay float and the calibration.
 */
import type { FloatLayer, Int8Footprint } from '../../passes/quantizePlan.js';
import { int, mb } from './format.js';

export interface Int8Summary {
  /** U8S8 or S8S8. */
  readonly scheme: string;
  readonly perChannel: boolean;
  readonly reduceRange: boolean;
  /** Why reduce-range is what it is: 'given', or the CPU advice. */
  readonly reduceRangeWhy: string;
  readonly footprint: Int8Footprint;
  readonly float: readonly FloatLayer[];
  readonly calibration?: {
    readonly method: string;
    readonly percentile?: number;
    readonly samples: number;
    readonly source: string;
    readonly files?: number;
    readonly sha256: string;
    readonly ms?: number;
  };
}

const counts = (r: Readonly<Record<string, number>>): string =>
  Object.entries(r)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

/** [label, value] rows. */
export function int8Rows(s: Int8Summary): [string, string][] {
  const f = s.footprint;
  const rows: [string, string][] = [
    ['int8', `QDQ ${s.scheme} (${s.scheme === 'U8S8' ? 'uint8' : 'int8'} activations per tensor, int8 weights ${s.perChannel ? 'per channel' : 'per tensor'}${s.reduceRange ? ', 7-bit' : ''}): ${counts(f.layers)}`],
    ['size', `${mb(f.bytes)} of tensors (${mb(f.floatBytes)} in float32): ${int(f.int8Weights)} int8 weights, ${int(f.int32Biases)} int32 biases`],
    ['float', s.float.length === 0 ? 'none: every Conv, Gemm and Add runs in int8' : s.float.map((l) => `${l.module} (${l.op}, ${l.reason})`).join(', ')],
    ['weights', `${s.reduceRange ? '7' : '8'}-bit (--reduce-range ${s.reduceRange ? 'on' : 'off'}: ${s.reduceRangeWhy})`],
  ];
  const c = s.calibration;
  if (c !== undefined) {
    const from = c.source === 'files' ? `${c.files} file${c.files === 1 ? '' : 's'}` : c.source;
    const method = c.method === 'percentile' ? `percentile ${c.percentile}` : c.method;
    rows.push(['calib', `${method} on ${int(c.samples)} samples from ${from} (sha256 ${c.sha256.slice(0, 16)}...)${c.ms !== undefined ? `, ${(c.ms / 1000).toFixed(1)} s` : ''}`]);
  }
  return rows;
}
