/**
 * Which model options a build function actually reads. A caller that sets an option the
 * model never reads (`--num-classes 10` on a model file that hard-codes 1000 classes) would
 * otherwise get a model that silently ignores it.
 *
 * The options object handed to build() records every key read from it (property access,
 * destructuring, spreading, `in`, Object.keys/entries, JSON.stringify all go through the
 * traps below). build() runs synchronously inside buildModel, so the record is complete
 * when it returns. A read is what counts: a build that reads `o.numClasses` and then
 * ignores the value cannot be told apart, and is not meant to be.
 */
import { relative, isAbsolute } from 'node:path';
import type { SourceLoc } from '../ir/types.js';
import { NetforgeError } from '../errors.js';

/** The options a build function receives and is expected to read when they are set (`input` is applied by netforge itself). */
export const BUILD_OPTION_KEYS = ['numClasses', 'replaceStrideWithDilation', 'zeroInitResidual', 'auxLoss'] as const;
export type BuildOptionKey = (typeof BUILD_OPTION_KEYS)[number];

/** A view of `options` that records the keys read through it. */
export function recordingOptions<T extends object>(options: T): { readonly options: T; readonly read: ReadonlySet<string | symbol> } {
  const read = new Set<string | symbol>();
  const options2 = new Proxy(options, {
    get(target, key, receiver) {
      read.add(key);
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      read.add(key);
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      read.add(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
  return { options: options2, read };
}

/** The build options set (not undefined) in `options` that were never read. */
export function unreadOptions(options: object, read: ReadonlySet<string | symbol>): BuildOptionKey[] {
  const set = options as Partial<Record<BuildOptionKey, unknown>>;
  return BUILD_OPTION_KEYS.filter((k) => set[k] !== undefined && !read.has(k));
}

const shown = (loc: SourceLoc): string => {
  const r = relative(process.cwd(), loc.file);
  return r !== '' && !r.startsWith('..') && !isAbsolute(r) ? r : loc.file;
};

/**
 * E_UNUSED_OPTION: options the model's build never read, with the model and where it is
 * defined as data (the command line names its flags instead of the option names). Exit 2 on
 * the command line: the flag is the mistake.
 */
export class UnusedOptionError extends NetforgeError {
  constructor(
    readonly model: string,
    readonly definedAt: SourceLoc | undefined,
    readonly unread: readonly BuildOptionKey[],
    /** How the options are named to the reader: themselves by default, flags on the command line. */
    name: (k: BuildOptionKey) => string = (k) => k,
  ) {
    const n = unread.length;
    const where = definedAt !== undefined ? ` (${shown(definedAt)})` : '';
    const first = unread[0]!;
    const flags = name(first) !== first;
    super({
      code: 'E_UNUSED_OPTION',
      message: `${unread.map(name).join(', ')} ${n === 1 ? 'has' : 'have'} no effect: the model ${model}${where} never reads ${flags ? unread.join(', ') : n === 1 ? 'it' : 'them'}`,
      hint: `pass ${n === 1 ? 'it' : 'them'} on in the model's build, e.g. build: (x, o) => resnet(x, { ..., ${first}: o.${first} }); to build the model without ${n === 1 ? 'it' : 'them'} anyway, ${flags ? 'add --allow-unused-options' : 'pass allowUnusedOptions: true'}`,
      option: first,
      exitCode: 2,
      ...(definedAt !== undefined ? { loc: definedAt } : {}),
    });
  }
}
