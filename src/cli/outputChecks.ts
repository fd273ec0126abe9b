/**
 * Before a command computes anything: every output it will write must be writable (a regular
 * file or a new one, in a writable directory) and must be neither one of the files the command
 * reads nor another of its outputs (src/io/collisions.ts).
 */
import { resolve } from 'node:path';
import type { Parsed } from './args.js';
import { get } from './args.js';
import { ZOO } from '../zoo/index.js';
import { assertWritable } from '../io/outputTarget.js';
import { assertNoCollisions, type NamedFile, type NamedOutput } from '../io/collisions.js';
import { loadedModelSources } from '../modelFile/loadModelFile.js';

/** The files a model-taking command reads, as its command line names them: the model file and --weights. */
export async function modelInputs(p: Parsed, spec: string | undefined): Promise<NamedFile[]> {
  const out: NamedFile[] = [];
  if (spec !== undefined && !ZOO.has(spec)) out.push({ what: 'the model file', path: /^(.*\.(?:c|m)?(?:t|j)s)#.*$/.exec(spec)?.[1] ?? spec });
  const w = get.str(p, 'weights');
  if (w !== undefined) {
    // the downloader loads only when weights are asked for (see weightsArgs.ts)
    const [{ cacheDirFor }, { weightsFileFor }] = await Promise.all([import('../weights/download.js'), import('../weights/resolve.js')]);
    const file = weightsFileFor(w, { model: spec ?? '', cacheDir: cacheDirFor(get.str(p, 'cache-dir')) });
    if (file !== undefined) out.push({ what: '--weights', path: file });
  }
  return out;
}

/** The .ts files the model file imported, once it is loaded. */
export function importedSources(): NamedFile[] {
  return loadedModelSources().map((f) => ({ what: 'the model source', path: f }));
}

/**
 * Throw before any work if an output cannot be written or would overwrite an input or another
 * output. `writable` picks the outputs whose writability is checked now (default all; run makes
 * a DIR/ only after the run, so outputs in it are checked for collisions only).
 */
export function checkOutputs(inputs: readonly NamedFile[], outputs: readonly NamedOutput[], writable: (o: NamedOutput) => boolean = () => true): void {
  for (const o of outputs) if (writable(o)) assertWritable(resolve(o.path));
  assertNoCollisions(inputs, outputs);
}
