/** Reading ONNX files back in tests, through the same protobuf classes the backend uses. */
import { readFileSync } from 'node:fs';
import type { onnx as P } from 'onnx-proto';
import { onnx } from '../../src/backends/onnx/proto.js';

export type Model = P.ModelProto;
export type GraphP = P.GraphProto;

export function readModel(pathOrBytes: string | Uint8Array): Model {
  const bytes = typeof pathOrBytes === 'string' ? readFileSync(pathOrBytes) : pathOrBytes;
  return onnx.ModelProto.decode(bytes);
}

export function graphOf(m: Model): GraphP {
  return m.graph as GraphP;
}

export function opCounts(m: Model): Record<string, number> {
  const c: Record<string, number> = {};
  for (const n of graphOf(m).node) c[n.opType ?? ""] = (c[n.opType ?? ""] ?? 0) + 1;
  return c;
}

export function metaOf(m: Model): Record<string, string> {
  return Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
}

export function dimsOf(vi: P.IValueInfoProto): (number | string)[] {
  return (vi.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue)));
}
