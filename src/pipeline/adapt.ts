/**
 * Checkpoint adapters: make a checkpoint saved from another training setup fit the model
 * before it is loaded by name.
 *
 * 1. Key rules, applied to every key in this order:
 *    - strip-prefix P (`--weights-strip-prefix model.`): a key that starts with P loses it
 *      (a PyTorch Lightning module holding the network as `self.model`, a wrapper module);
 *    - rename PATTERN=REPLACEMENT (`--weights-rename '^backbone\.=body.'`): a JavaScript
 *      regular expression and its replacement (`$1`, `$<name>`), as String.replace applies
 *      them. The text splits at the first `=` outside parentheses (lookarounds such as
 *      `(?=...)` stay whole); `\=` is a literal `=`.
 *    A rule that matches no key, or rules that map two keys to one name, are errors
 *    (E_WEIGHTS_RENAME): a rule that does nothing is a typo, and a collision would lose a tensor.
 * 2. Input channels (`--in-chans N`): the first convolution (the one reading the model's
 *    input) of a pretrained checkpoint is adapted to N input channels as timm's
 *    `adapt_input_conv` does (pytorch-image-models, timm/models/_manipulate.py): for N = 1
 *    the weights are summed over the input channels (over each group of 3 for a stem with
 *    3k channels); for N other than 1 and 3 the RGB weights are repeated to N channels and
 *    scaled by 3/N; for N = 3 nothing changes. Only 3-channel weights can be widened.
 */
import type { Graph } from '../ir/types.js';
import { inputConvWeights, type Float32Tensor } from '../passes/loadStateDict.js';
import { NetforgeError } from '../errors.js';

/** One rename rule: every key matching `pattern` becomes `key.replace(pattern, replacement)`. */
export interface KeyRename {
  readonly pattern: RegExp;
  readonly replacement: string;
}

/** How checkpoint keys are rewritten before loading (rule 1). */
export interface KeyRules {
  /** Prefixes stripped from the keys that start with them (`model.`). */
  readonly stripPrefix?: readonly string[];
  /** Rename rules: `{ pattern, replacement }`, or the command line's `PATTERN=REPLACEMENT` text. */
  readonly rename?: readonly (KeyRename | string)[];
}

const usage = (message: string, hint: string): NetforgeError => new NetforgeError({ code: 'E_USAGE', message, hint, exitCode: 2 });

/** `PATTERN=REPLACEMENT`, split at the first `=` outside parentheses and not escaped (rule 1). */
export function parseRenameRule(text: string): KeyRename {
  let depth = 0;
  let at = -1;
  for (let i = 0; i < text.length && at < 0; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === '=' && depth === 0) at = i;
  }
  const example = "e.g. --weights-rename '^backbone\\.=' (drop a prefix) or --weights-rename '\\.downsample\\.=.shortcut.'";
  if (at < 0) throw usage(`--weights-rename '${text}' has no '=' between the pattern and its replacement`, example);
  const source = text.slice(0, at).replace(/\\=/g, '=');
  if (source === '') throw usage(`--weights-rename '${text}' has an empty pattern`, example);
  try {
    return { pattern: new RegExp(source), replacement: text.slice(at + 1) };
  } catch (e) {
    throw usage(`--weights-rename: '${source}' is not a regular expression: ${(e as Error).message}`, example);
  }
}

function describeRule(r: KeyRename | string): string {
  return typeof r === 'string' ? r : `${r.pattern.source}=${r.replacement}`;
}

/** The keys after the rules (rule 1), and a note for each rule that changed something. */
export function applyKeyRules<T>(tensors: ReadonlyMap<string, T>, rules: KeyRules, file: string): { readonly tensors: Map<string, T>; readonly notes: readonly string[] } {
  const renames = (rules.rename ?? []).map((r) => ({ text: describeRule(r), rule: typeof r === 'string' ? parseRenameRule(r) : r }));
  const steps: Array<{ readonly what: string; readonly apply: (k: string) => string | undefined }> = [
    ...(rules.stripPrefix ?? []).map((p) => ({ what: `--weights-strip-prefix ${p}`, apply: (k: string) => (k.startsWith(p) ? k.slice(p.length) : undefined) })),
    ...renames.map(({ text, rule }) => ({
      what: `--weights-rename ${text}`,
      // a fresh RegExp per key: a /g or /y pattern keeps lastIndex between calls
      apply: (k: string) => (new RegExp(rule.pattern.source, rule.pattern.flags.replace(/[gy]/g, '')).test(k) ? k.replace(rule.pattern, rule.replacement) : undefined),
    })),
  ];
  let keys = [...tensors.keys()].map((k) => ({ from: k, to: k }));
  const notes: string[] = [];
  for (const step of steps) {
    let changed = 0;
    let example = '';
    keys = keys.map(({ from, to }) => {
      const next = step.apply(to);
      if (next === undefined) return { from, to };
      if (changed++ === 0) example = `'${to}' -> '${next}'`;
      return { from, to: next };
    });
    if (changed === 0) {
      const sample = keys.slice(0, 3).map((k) => `'${k.to}'`).join(', ');
      throw new NetforgeError({
        code: 'E_WEIGHTS_RENAME',
        message: `${step.what} matches none of the checkpoint's ${keys.length} keys (they look like ${sample}${keys.length > 3 ? ', ...' : ''})`,
        file,
        hint: 'netforge weights ls FILE lists the keys; give a prefix or pattern they have',
      });
    }
    notes.push(`${step.what}: ${changed} of ${keys.length} keys renamed (${example}${changed > 1 ? ', ...' : ''})`);
  }
  const out = new Map<string, T>();
  const fromOf = new Map<string, string>();
  for (const { from, to } of keys) {
    const other = fromOf.get(to);
    if (other !== undefined) {
      throw new NetforgeError({
        code: 'E_WEIGHTS_RENAME',
        message: `the key rules map both '${other}' and '${from}' to '${to}'`,
        file,
        hint: 'make the rules more specific (anchor the pattern with ^, or strip a longer prefix) so every key keeps its own name',
      });
    }
    fromOf.set(to, from);
    out.set(to, tensors.get(from)!);
  }
  return { tensors: out, notes };
}

/** timm's adapt_input_conv on a [O, I, kh, kw] float32 weight (rule 2). */
export function adaptInputConv(w: Float32Tensor, inChans: number, name: string, file: string): Float32Tensor {
  if (w.shape.length !== 4) {
    throw new NetforgeError({ code: 'E_IN_CHANS', message: `--in-chans adapts a convolution weight [O, I, kh, kw]; ${name} is [${w.shape.join(', ')}]`, file, hint: 'drop --in-chans, or check that the model\'s first layer is a convolution' });
  }
  const [o, i, kh, kw] = w.shape as [number, number, number, number];
  const k = kh * kw;
  const at = (oc: number, ic: number, s: number): number => w.data[(oc * i + ic) * k + s]!;
  if (inChans === 3) return w;
  if (inChans === 1) {
    // over all input channels, or over each group of 3 for a stem with 3k channels
    const groups = i > 3 ? i / 3 : 1;
    if (i > 3 && i % 3 !== 0) {
      throw new NetforgeError({ code: 'E_IN_CHANS', message: `${name} has ${i} input channels: --in-chans 1 sums groups of 3, and ${i} is not a multiple of 3`, file, hint: 'only RGB weights (3 channels, or 3k for a space-to-depth stem) can be adapted' });
    }
    const per = i > 3 ? 3 : i;
    const data = new Float32Array(o * groups * k);
    for (let oc = 0; oc < o; oc++)
      for (let g = 0; g < groups; g++)
        for (let s = 0; s < k; s++) {
          let sum = 0;
          for (let c = 0; c < per; c++) sum += at(oc, g * per + c, s);
          data[(oc * groups + g) * k + s] = sum;
        }
    return { shape: [o, groups, kh, kw], data };
  }
  if (i !== 3) {
    throw new NetforgeError({ code: 'E_IN_CHANS', message: `${name} has ${i} input channels: --in-chans ${inChans} widens RGB (3-channel) weights only`, file, hint: 'use a checkpoint with an RGB first convolution, or --in-chans 1 to sum its channels' });
  }
  const scale = 3 / inChans;
  const data = new Float32Array(o * inChans * k);
  for (let oc = 0; oc < o; oc++)
    for (let c = 0; c < inChans; c++)
      for (let s = 0; s < k; s++) data[(oc * inChans + c) * k + s] = Math.fround(at(oc, c % 3, s) * scale);
  return { shape: [o, inChans, kh, kw], data };
}

/**
 * The checkpoint with the model's input convolutions adapted to `inChans` channels (rule 2),
 * and a note for each. Tensors already of that width, or absent, are left alone.
 */
export function adaptInputChannels(g: Graph, tensors: ReadonlyMap<string, Float32Tensor>, inChans: number, file: string): { readonly tensors: ReadonlyMap<string, Float32Tensor>; readonly notes: readonly string[] } {
  const out = new Map(tensors);
  const notes: string[] = [];
  for (const name of inputConvWeights(g)) {
    const w = tensors.get(name);
    if (w === undefined || w.shape.length !== 4 || w.shape[1] === inChans) continue;
    const adapted = adaptInputConv(w, inChans, name, file);
    out.set(name, adapted);
    const how = inChans === 1 ? 'summed over its input channels' : `repeated to ${inChans} channels and scaled by 3/${inChans}`;
    notes.push(`--in-chans ${inChans}: ${name} [${w.shape.join(', ')}] ${how} -> [${adapted.shape.join(', ')}] (timm's adapt_input_conv)`);
  }
  return { tensors: out, notes };
}
