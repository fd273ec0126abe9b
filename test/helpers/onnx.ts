/** Reading ONNX files back in tests, through the same protobuf classes the backend uses. */
import { readFileSync } from 'node:fs';
import { onnx } from '../../src/backends/onnx/proto.js';

export function readModel(pathOrBytes: string | Uint8Array): ReturnType<typeof onnx.ModelProto.decode> {
  const bytes = typeof pathOrBytes === 'string' ? readFileSync(pathOrBytes) : pathOrBytes;
  return onnx.ModelProto.decode(bytes);
}

export function opCounts(m: ReturnType<typeof readModel>): Record<string, number> {
  const c: Record<string, number> = {};
  for (const n of m.graph!.node) c[n.opType!] = (c[n.opType!] ?? 0) + 1;
  return c;
}
