/**
 * A graph in the form onnxruntime loads: the model's bytes in memory, or, for a model that
 * needs external data (over protobuf's 2 GiB), a model file with its data in a temp directory.
 * `dispose` removes that directory: call it once the session is created (onnxruntime has read
 * the data by then) or when done.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Graph } from '../../ir/types.js';
import { concat, toOnnxChunks, writeOnnx } from '../onnx/serialize.js';

export interface LoadableModel {
  readonly model: string | Uint8Array;
  /** The model's size (model file plus external data). */
  readonly bytes: number;
  readonly dispose: () => void;
}

export function loadableModel(g: Graph): LoadableModel {
  const chunks = toOnnxChunks(g);
  if (!chunks.external) return { model: concat(chunks.model, chunks.modelBytes), bytes: chunks.modelBytes, dispose: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'netforge-model-'));
  try {
    const path = join(dir, `${g.name}.onnx`);
    const w = writeOnnx(path, g, { externalData: true });
    return { model: path, bytes: w.bytes + (w.externalBytes ?? 0), dispose: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
