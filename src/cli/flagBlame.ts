/**
 * A zoo model's options come from the command line, so an error the zoo's build raises
 * about an option (`--replace-stride-with-dilation true,true,true` on a 3-stage CIFAR
 * ResNet) is the user's flag, not a line of netforge's own code. Such errors lose the
 * location inside netforge's files, name the flag instead, and become usage errors. The
 * option is carried by the error itself (NetforgeError.option, set where it is raised).
 */
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetforgeError, type ModelOptionName, type SourceLoc } from '../errors.js';
import { UnusedOptionError } from '../dsl/optionReads.js';

/** netforge's own code: dist/ when built, src/ under vitest. */
const PKG_CODE = [join(dirname(dirname(fileURLToPath(import.meta.url))), sep)];

/** The flag that sets each model option. */
export const OPTION_FLAGS: Readonly<Record<ModelOptionName, string>> = {
  numClasses: '--num-classes',
  replaceStrideWithDilation: '--replace-stride-with-dilation',
  zeroInitResidual: '--zero-init-residual',
  input: '--input-size',
  auxLoss: '--aux-loss',
};

/** True when `loc` points into netforge's own code (its tests excepted). */
export function isNetforgeLoc(loc: SourceLoc | undefined, roots: readonly string[] = PKG_CODE): boolean {
  return loc !== undefined && roots.some((r) => loc.file.startsWith(r)) && !/\.test\.[cm]?[jt]s$/.test(loc.file);
}

/** The error as the command-line user should see it (unchanged unless it is about a flag given to a built-in model). */
export function blameFlag(e: NetforgeError, roots: readonly string[] = PKG_CODE): NetforgeError {
  // an option the model never reads was set by its flag
  if (e instanceof UnusedOptionError) return new UnusedOptionError(e.model, e.definedAt, e.unread, (k) => OPTION_FLAGS[k]);
  if (!isNetforgeLoc(e.loc, roots)) return e;
  const flag = e.option !== undefined ? OPTION_FLAGS[e.option] : undefined;
  return new NetforgeError({
    code: e.code,
    message: flag !== undefined ? `${flag}: ${e.message}` : e.message,
    modulePath: e.modulePath,
    file: e.file,
    hint: e.hint,
    option: e.option,
    exitCode: flag !== undefined ? 2 : e.exitCode,
  });
}
