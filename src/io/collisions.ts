/**
 * An output must never be one of the command's inputs, nor another of its outputs:
 * `compile model.ts -o model.onnx --emit-ts model.ts` would replace the user's model source
 * with the generated wrapper, `-o s.onnx --emit-ts s.onnx` would leave TypeScript under the
 * .onnx name. Files are compared as the filesystem sees them: the real path (symbolic links
 * and `..` resolved) and, for files that exist, device and inode (hard links, bind mounts,
 * case-insensitive names). A collision is a usage error (E_OUTPUT_COLLIDES, exit 2), raised
 * before anything is computed or written.
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { NetforgeError } from '../errors.js';

/** A file a command reads or writes, with the words that name it for the user (`-o`, `the model file`). */
export interface NamedFile {
  readonly what: string;
  readonly path: string;
}

/** An output, and the other files it writes or removes beside itself (an ONNX model's external data). */
export interface NamedOutput extends NamedFile {
  /** Given the output's own file name (symbolic links resolved): whether a file called `name` beside it belongs to it too. */
  readonly siblings?: (outputName: string) => (name: string) => boolean;
  /** Those siblings in words, e.g. `its external data files (m.onnx.<hash>.data)`. */
  readonly siblingsWhat?: string;
}

interface Identity {
  /** The real path (or, for a file that does not exist yet, its real directory joined with its name). */
  readonly real: string;
  /** `dev:ino` of an existing file. */
  readonly inode?: string;
}

function identify(path: string): Identity {
  const abs = resolve(path);
  try {
    const st = statSync(abs);
    return { real: realpathSync(abs), inode: `${st.dev}:${st.ino}` };
  } catch {
    try {
      return { real: join(realpathSync(dirname(abs)), basename(abs)) };
    } catch {
      return { real: abs };
    }
  }
}

const same = (a: Identity, b: Identity): boolean => a.real === b.real || (a.inode !== undefined && a.inode === b.inode);

function how(a: NamedFile, ia: Identity, b: NamedFile, ib: Identity): string {
  if (resolve(a.path) === resolve(b.path)) return 'the same path';
  if (ia.real === ib.real) return 'the same file, through a symbolic link or another spelling of the path';
  return 'the same file, through a hard link';
}

function collides(message: string): NetforgeError {
  return new NetforgeError({
    code: 'E_OUTPUT_COLLIDES',
    message,
    hint: 'give every output a path of its own, apart from the files the command reads: nothing was written',
    exitCode: 2,
  });
}

/** Throw E_OUTPUT_COLLIDES if an output is an input, or two outputs are one file (see the file comment). */
export function assertNoCollisions(inputs: readonly NamedFile[], outputs: readonly NamedOutput[]): void {
  const ins = inputs.map((f) => ({ f, id: identify(f.path) }));
  const outs = outputs.map((f) => ({ f, id: identify(f.path) }));
  for (const o of outs) {
    for (const i of ins) {
      if (same(o.id, i.id)) throw collides(`${o.f.what} ${o.f.path} would overwrite ${i.f.what} ${i.f.path} (${how(o.f, o.id, i.f, i.id)})`);
      if (o.f.siblings !== undefined && dirname(i.id.real) === dirname(o.id.real) && o.f.siblings(basename(o.id.real))(basename(i.id.real))) {
        throw collides(`${i.f.what} ${i.f.path} has a name netforge uses for ${o.f.siblingsWhat ?? 'files'} of ${o.f.what} ${o.f.path}, which it writes and removes`);
      }
    }
  }
  for (let a = 0; a < outs.length; a++) {
    for (let b = a + 1; b < outs.length; b++) {
      const x = outs[a]!;
      const y = outs[b]!;
      if (same(x.id, y.id)) throw collides(`${x.f.what} ${x.f.path} and ${y.f.what} ${y.f.path} are ${how(x.f, x.id, y.f, y.id)}: one output would replace the other`);
      for (const [o, other] of [
        [x, y],
        [y, x],
      ] as const) {
        if (o.f.siblings !== undefined && dirname(other.id.real) === dirname(o.id.real) && o.f.siblings(basename(o.id.real))(basename(other.id.real))) {
          throw collides(`${other.f.what} ${other.f.path} has a name netforge uses for ${o.f.siblingsWhat ?? 'files'} of ${o.f.what} ${o.f.path}`);
        }
      }
    }
  }
}
