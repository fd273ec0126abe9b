/**
 * An .onnx file handed to onnxruntime by path, and the data files it refers to.
 *
 * - Only regular files: onnxruntime opening a FIFO (or a data file that is one) blocks
 *   forever, and a character device never ends. Checked on the opened path before onnxruntime
 *   sees it, as the weights readers do (src/weights/readFile.ts).
 * - A writer may replace the model while onnxruntime loads it. netforge names external data by
 *   content (src/backends/onnx/externalData.ts), so a load never mixes two models; it can only
 *   fail when the data of the model it opened was removed (two complete writes during one
 *   load). stampOf tells whether the file at the path changed during a failed load, in which
 *   case the caller loads it again.
 */
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NetforgeError } from '../../errors.js';
import { fileKind } from '../../io/outputTarget.js';
import { externalDataLocations } from '../onnx/externalData.js';

/** Loads retried when the model file was replaced during a failed one. */
export const MAX_RELOADS = 8;

function assertRegular(path: string, what: string, shown: string): void {
  let kind: string | undefined;
  try {
    kind = fileKind(statSync(path));
  } catch {
    return; // missing: onnxruntime (or the caller) says so
  }
  if (kind === undefined) return;
  throw new NetforgeError({
    code: 'E_NOT_A_FILE',
    message: `${what} ${shown} is ${kind}, not a regular file`,
    file: shown,
    hint: kind === 'a directory' ? 'give the path of the .onnx file in it' : 'give the path of an .onnx file (netforge compile writes one); onnxruntime would wait on it forever',
  });
}

/** Throw E_NOT_A_FILE if the model at `path`, or a data file it refers to, exists but is not a regular file. */
export function assertModelFiles(path: string): void {
  assertRegular(path, 'the model', path);
  for (const l of externalDataLocations(path)) assertRegular(join(dirname(path), l), 'the external data file', join(dirname(path), l));
}

/** Identity of the file at `path` now (device, inode, size, modification time); '' when there is none. */
export function stampOf(path: string): string {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return '';
  }
}
