/**
 * A zoo model's options come from the command line, so an error the zoo's build raises
 * about an option (`--replace-stride-with-dilation true,true,true` on a 3-stage CIFAR
 * ResNet) is the user's flag, not a line of netforge's own code. Such errors lose the
 * location inside netforge's files, name the flag instead, and become usage errors.
 */
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetforgeError } from '../errors.js';

/** netforge's own code: dist/ when built, src/ under vitest. */
const PKG_CODE = [join(dirname(dirname(fileURLToPath(import.meta.url))), sep)];

/** DSL option names as they appear in messages -> the flag that sets them. */
const FLAGS: readonly (readonly [RegExp, string])[] = [
  [/\breplaceStrideWithDilation\b/, '--replace-stride-with-dilation'],
  [/\bnumClasses\b/, '--num-classes'],
  [/\bzeroInitResidual\b/, '--zero-init-residual'],
];

/** True when `loc` (`file:line:col`) points into netforge's own code. */
export function isNetforgeLoc(loc: string | undefined, roots: readonly string[] = PKG_CODE): boolean {
  return loc !== undefined && roots.some((r) => loc.startsWith(r)) && !/\.test\.[cm]?[jt]s:/.test(loc);
}

/** The error as the command-line user should see it (unchanged unless it is about a flag given to a built-in model). */
export function blameFlag(e: NetforgeError, roots: readonly string[] = PKG_CODE): NetforgeError {
  if (!isNetforgeLoc(e.loc, roots)) return e;
  const flag = FLAGS.find(([re]) => re.test(e.message))?.[1];
  return new NetforgeError({
    code: e.code,
    message: flag !== undefined ? `${flag}: ${e.message}` : e.message,
    modulePath: e.modulePath,
    file: e.file,
    hint: e.hint,
    exitCode: flag !== undefined ? 2 : e.exitCode,
  });
}
