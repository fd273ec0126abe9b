/**
 * Calibration data: .npy files named on the command line (files, directories, or a glob in
 * the file name), checked against the model's input before any run, then read one file at a
 * time. Or a seeded synthetic set, for when no data exists (its accuracy is then unknown).
 *
 * Rules:
 * 1. A directory stands for the .npy files directly inside it; a glob (`*`, `?`, `[...]` in
 *    the last path segment) for the files it matches; both sorted by name. A comma list
 *    (`a.npy,b.npy`, when no file has that very name) is its parts. Files are taken once
 *    each, in the order given. No file at all is E_CALIBRATION_EMPTY.
 * 2. Each file holds a batch [n, ...sample] or one sample [...sample] whose known dimensions
 *    equal the model input's (E_CALIBRATION_SHAPE); float32, or float16/float64 converted
 *    (E_CALIBRATION_DTYPE for integer or bool data: raw pixels are not preprocessed input).
 *    Only the headers are read for this check.
 * 3. Reading a file refuses NaN and infinities (E_CALIBRATION_NONFINITE, with the sample
 *    and element), and feeds its raw bytes to the set's sha256 (in order: the hash of the
 *    set is the sha256 of the files concatenated, `cat files | sha256sum`).
 */
import { createHash, type Hash } from 'node:crypto';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Dim } from '../../ir/types.js';
import { fillNormal, rngFor } from '../../ir/random.js';
import { formatDim } from '../../ir/dim.js';
import { NetforgeError } from '../../errors.js';
import { parseNpy, readNpyHeader } from '../../weights/npy.js';
import { readWeightsFile } from '../../weights/readFile.js';
import { toFloat32, type WeightDType } from '../../weights/tensor.js';

export interface CalibrationFile {
  readonly path: string;
  /** The path as the user wrote it or as it was listed (for messages). */
  readonly shown: string;
  readonly dtype: WeightDType;
  readonly samples: number;
  /** Shape of one sample. */
  readonly sample: readonly number[];
}

export interface CalibrationBatch {
  readonly data: Float32Array;
  /** [n, ...sample] */
  readonly dims: readonly number[];
  readonly file: string;
}

/** Where calibration (or check) inputs come from. */
export type InputSource =
  | { readonly kind: 'files'; readonly files: readonly CalibrationFile[]; readonly samples: number }
  | { readonly kind: 'synthetic'; readonly samples: number; readonly seed: number; readonly sample: readonly number[] };

const GLOB = /[*?[]/;

function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A directory's .npy files, sorted: regular files only, dotfiles left out as a shell's glob leaves them (macOS's ._x.npy). */
function npyFiles(dir: string, match: (name: string) => boolean = () => true): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.npy') && !n.startsWith('.') && match(n) && statSync(join(dir, n)).isFile())
    .sort();
}

function empty(message: string, hint: string): NetforgeError {
  return new NetforgeError({ code: 'E_CALIBRATION_EMPTY', message, hint });
}

/** Rule 1: the .npy paths a list of specs names, in order, each once. */
export function resolveInputFiles(specs: readonly string[], flag = '--calibration'): { path: string; shown: string }[] {
  const out: { path: string; shown: string }[] = [];
  const seen = new Set<string>();
  const add = (shown: string): void => {
    const path = resolve(shown);
    if (seen.has(path)) return;
    seen.add(path);
    out.push({ path, shown });
  };
  const parts = specs.flatMap((s) => (s.includes(',') && !existsSync(s) ? s.split(',').filter((x) => x !== '') : [s]));
  for (const spec of parts) {
    // a file whose name holds [ or * is that file, not a pattern
    if (GLOB.test(basename(spec)) && !existsSync(spec)) {
      const dir = dirname(spec);
      if (GLOB.test(dir)) throw new NetforgeError({ code: 'E_USAGE', message: `${flag} ${spec}: wildcards work in the file name only`, hint: `list the directories, e.g. ${flag} 'a/*.npy' ${flag} 'b/*.npy'`, exitCode: 2 });
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw empty(`${flag} ${spec}: the directory ${dir} does not exist`, 'check the path');
      const re = globRegExp(basename(spec));
      const names = npyFiles(dir, (n) => re.test(n));
      if (names.length === 0) throw empty(`${flag} ${spec} matches no .npy file`, `check the pattern; ${dir} holds ${npyFiles(dir).length} .npy files`);
      for (const n of names) add(join(dir, n));
      continue;
    }
    if (!existsSync(spec)) {
      throw new NetforgeError({ code: 'E_CALIBRATION_NOT_FOUND', message: `${flag} ${spec}: no such file or directory`, file: spec, hint: 'give .npy files, a directory of them, or a glob such as data/*.npy (quoted, so the shell passes it on)' });
    }
    if (statSync(spec).isDirectory()) {
      const names = npyFiles(spec);
      if (names.length === 0) throw empty(`${flag} ${spec}: the directory holds no .npy files`, 'save input batches with numpy.save(path, array) as float32 [n, C, H, W]');
      for (const n of names) add(join(spec, n));
      continue;
    }
    if (!spec.endsWith('.npy')) {
      throw new NetforgeError({ code: 'E_CALIBRATION_FORMAT', message: `${flag} ${spec} is not a .npy file`, file: spec, hint: 'save each input batch with numpy.save(path, array) (one array per .npy file; .npz archives are not read)' });
    }
    add(spec);
  }
  if (out.length === 0) throw empty(`${flag} names no files`, 'give .npy files, a directory of them, or a glob');
  return out;
}

const FLOATS: ReadonlySet<WeightDType> = new Set(['float32', 'float16', 'float64']);

const dimsStr = (d: readonly Dim[]): string => `[${d.map(formatDim).join(', ')}]`;

/** Rule 2: check each file's header against the model input [N, ...sample]. */
export function openInputFiles(specs: readonly string[], input: readonly Dim[], o: { readonly flag?: string; readonly preprocessing?: string } = {}): InputSource & { kind: 'files' } {
  const flag = o.flag ?? '--calibration';
  const want = input.slice(1);
  const files: CalibrationFile[] = [];
  for (const { path, shown } of resolveInputFiles(specs, flag)) {
    const h = readNpyHeader(path);
    if (!FLOATS.has(h.dtype)) {
      throw new NetforgeError({
        code: 'E_CALIBRATION_DTYPE',
        message: `${shown} holds ${h.dtype} values; the model takes float32 input`,
        file: shown,
        hint: `save the input as the model sees it, preprocessed and float32${o.preprocessing ? ` (${o.preprocessing})` : ''}: numpy.save(path, x.astype('float32'))`,
      });
    }
    const batched = h.shape.length === want.length + 1;
    const sample = batched ? h.shape.slice(1) : h.shape;
    const fits = (batched || h.shape.length === want.length) && sample.every((d, i) => typeof want[i] !== 'number' || want[i] === d);
    if (!fits) {
      throw new NetforgeError({
        code: 'E_CALIBRATION_SHAPE',
        message: `${shown} holds an array of shape ${dimsStr(h.shape)} but the model takes ${dimsStr(input)} (a batch) or ${dimsStr(want)} (one sample)`,
        file: shown,
        hint: want.every((d) => typeof d === 'number') ? `save arrays of shape [n, ${want.join(', ')}]; a different image size needs --input-size` : 'save arrays of the model input\'s shape',
      });
    }
    files.push({ path, shown, dtype: h.dtype, samples: batched ? h.shape[0]! : 1, sample });
  }
  const samples = files.reduce((s, f) => s + f.samples, 0);
  if (samples === 0) throw empty(`${flag}: the ${files.length === 1 ? 'file holds' : `${files.length} files hold`} no samples (a batch dimension of 0)`, 'save at least one sample');
  return { kind: 'files', files, samples };
}

/**
 * A file of `held` that is also in `used`: the same file under another name (a link, a path
 * through ..), or a copy holding the same bytes. Undefined when the two sets share nothing.
 */
export function sharedFile(held: readonly CalibrationFile[], used: readonly CalibrationFile[]): { readonly held: CalibrationFile; readonly used: CalibrationFile; readonly copy: boolean } | undefined {
  const real = (f: CalibrationFile): string => realpathSync(f.path);
  const byReal = new Map(used.map((f) => [real(f), f]));
  for (const h of held) {
    const u = byReal.get(real(h));
    if (u !== undefined) return { held: h, used: u, copy: false };
  }
  // copies: only files of the same size can hold the same bytes, so only those are hashed
  const hashes = new Map<string, string>();
  const hashOf = (f: CalibrationFile): string => {
    let h = hashes.get(f.path);
    if (h === undefined) hashes.set(f.path, (h = createHash('sha256').update(readWeightsFile(f.path)).digest('hex')));
    return h;
  };
  const bySize = new Map<number, CalibrationFile[]>();
  for (const u of used) {
    const size = statSync(u.path).size;
    bySize.set(size, [...(bySize.get(size) ?? []), u]);
  }
  for (const h of held) {
    for (const u of bySize.get(statSync(h.path).size) ?? []) if (hashOf(h) === hashOf(u)) return { held: h, used: u, copy: true };
  }
  return undefined;
}

/** A seeded N(0, 1) set of `samples` inputs of shape `sample`. */
export function syntheticInputs(samples: number, sample: readonly Dim[], seed: number): InputSource & { kind: 'synthetic' } {
  if (!sample.every((d) => typeof d === 'number')) {
    throw new NetforgeError({ code: 'E_USAGE', message: `synthetic inputs need a fixed input shape, the model takes [N, ${sample.map(formatDim).join(', ')}]`, hint: 'give --input-size C,H,W', exitCode: 2 });
  }
  return { kind: 'synthetic', samples, seed, sample: sample as number[] };
}

/** Rule 3: a file's samples as float32, refusing NaN and infinities. */
export function readInputFile(f: CalibrationFile, hash?: Hash): CalibrationBatch {
  const bytes = readWeightsFile(f.path);
  hash?.update(bytes);
  const t = parseNpy(bytes, f.shown);
  const data = toFloat32(t, undefined, f.shown);
  const per = f.sample.reduce((a, b) => a * b, 1);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isFinite(v)) continue;
    const s = Math.floor(i / per);
    throw new NetforgeError({
      code: 'E_CALIBRATION_NONFINITE',
      message: `${f.shown} holds ${v} at sample ${s}, element ${i - s * per} (flat index ${i})`,
      file: f.shown,
      hint: 'inputs must be finite numbers: check the preprocessing that wrote the file',
    });
  }
  return { data, dims: [f.samples, ...f.sample], file: f.shown };
}

/** Batches of at most `maxBatch` samples from a source, with the sha256 of the set once all are read. */
export function* inputBatches(src: InputSource, maxBatch: number, hash: Hash = createHash('sha256')): Generator<CalibrationBatch, string> {
  if (src.kind === 'synthetic') {
    // drawn a batch at a time from one seeded stream: memory stays one batch for any N
    const per = src.sample.reduce((a, b) => a * b, 1);
    const rng = rngFor(src.seed, 'netforge.calibration.synthetic');
    for (let s = 0; s < src.samples; s += maxBatch) {
      const n = Math.min(maxBatch, src.samples - s);
      const data = new Float32Array(per * n);
      fillNormal(data, 1, rng);
      hash.update(new Uint8Array(data.buffer));
      yield { data, dims: [n, ...src.sample], file: `synthetic (seed ${src.seed})` };
    }
    return hash.digest('hex');
  }
  for (const f of src.files) {
    const b = readInputFile(f, hash);
    const per = f.sample.reduce((a, c) => a * c, 1);
    for (let s = 0; s < f.samples; s += maxBatch) {
      const n = Math.min(maxBatch, f.samples - s);
      yield { data: b.data.subarray(s * per, (s + n) * per), dims: [n, ...f.sample], file: f.shown };
    }
  }
  return hash.digest('hex');
}
