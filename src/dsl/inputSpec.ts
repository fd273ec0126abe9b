/**
 * A model's input as the graph needs it: [C, H, W] with numbers or symbols, the reference
 * size (where MACs and expectations are counted), and what each symbol means.
 *
 * Rules:
 * 1. The input is [C, H, W]: C a positive integer; H and W positive integers or symbol
 *    names (identifiers; `N` is the batch's and cannot be reused).
 * 2. The effective input is the caller's (`--input-size`) or the model's own. The
 *    reference is the caller's, else the model's `reference`, else the model's numeric
 *    input; a symbol takes the reference value at its position. A symbol used at two
 *    positions with two reference values has two meanings: refused.
 * 3. A symbol's allowed sizes are the positive multiples of its `multipleOf` (the model's
 *    `dims`, and the caller's `sizeMultiple` for every symbol); its reference must be one.
 * 4. Errors point at the model's defineModel call; those caused by a caller's option carry
 *    that option, so the command line names its flag.
 */
import type { SourceLoc, SymbolInfo } from '../ir/types.js';
import { NetforgeError, type ModelOptionName } from '../errors.js';

/** One input size: a number, or a symbol name for a size that varies. */
export type InputDim = number | string;

export interface DimConstraint {
  /** Allowed sizes are the positive multiples of this (e.g. 32 for a model whose stride is 32). */
  readonly multipleOf?: number;
}

export interface InputSpec {
  readonly input: readonly InputDim[];
  readonly reference: readonly number[];
  /** Every symbol of the input (the batch is added by the builder). */
  readonly symbols: ReadonlyMap<string, SymbolInfo>;
}

interface SpecSource {
  readonly name: string;
  readonly input: readonly InputDim[];
  readonly reference?: readonly number[];
  readonly dims?: Readonly<Record<string, DimConstraint>>;
  readonly definedAt?: SourceLoc;
}

interface SpecOptions {
  readonly input?: readonly InputDim[];
  readonly reference?: readonly number[];
  readonly sizeMultiple?: number;
}

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const BATCH_SYMBOL = 'N';
/** Sizes beyond this are surely typos (and would not fit onnxruntime's int32 shape math as images). */
export const MAX_INPUT_SIZE = 1 << 16;

const isSize = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0 && v <= MAX_INPUT_SIZE;
const show = (v: unknown): string => (Array.isArray(v) ? `[${v.map(show).join(', ')}]` : typeof v === 'string' ? `'${v}'` : String(v));

export function resolveInputSpec(def: SpecSource, o: SpecOptions = {}): InputSpec {
  const fail = (message: string, hint: string, option?: ModelOptionName): NetforgeError =>
    new NetforgeError({ code: 'E_INPUT_SPEC', message: `model ${def.name}: ${message}`, hint, ...(def.definedAt !== undefined ? { loc: def.definedAt } : {}), ...(option !== undefined ? { option } : {}) });
  const fromCaller = o.input !== undefined;
  const input = o.input ?? def.input;
  const inputOption = fromCaller ? ('input' as const) : undefined;
  // rule 1
  if (!Array.isArray(input) || input.length !== 3) {
    throw fail(`the input must be [C, H, W], got ${show(input)}`, 'e.g. input: [3, 224, 224], or [3, \'H\', \'W\'] for any size', inputOption);
  }
  if (!isSize(input[0])) throw fail(`the channel count must be a positive integer, got ${show(input[0])}`, 'e.g. 3 for RGB images', inputOption);
  for (const d of input.slice(1)) {
    if (typeof d === 'string') {
      if (!SYMBOL.test(d)) throw fail(`input size ${show(d)} is not a symbol name`, 'name a varying size with letters, digits and _, e.g. \'H\'', inputOption);
      if (d === BATCH_SYMBOL) throw fail(`input size '${BATCH_SYMBOL}' would be the batch`, `'${BATCH_SYMBOL}' names the batch dimension: call the size something else, e.g. 'H'`, inputOption);
    } else if (!isSize(d)) {
      throw fail(`input sizes must be integers from 1 to ${MAX_INPUT_SIZE} or symbol names, got ${show(d)}`, 'e.g. input: [3, 224, 224]', inputOption);
    }
  }
  // rule 2
  const referenceOption = o.reference !== undefined ? ('input' as const) : undefined;
  const given = o.reference ?? def.reference;
  if (given !== undefined && (!Array.isArray(given) || given.length !== 3 || !given.every(isSize))) {
    throw fail(`the reference size must be [C, H, W] positive integers, got ${show(given)}`, 'e.g. reference: [3, 224, 224]', referenceOption);
  }
  if (given !== undefined && given[0] !== input[0]) {
    throw fail(`the reference size ${show(given)} has ${given[0]} channels but the input has ${input[0]}`, 'give the reference the input\'s channel count', referenceOption ?? inputOption);
  }
  const reference = input.map((d, i) => {
    if (typeof d === 'number') return d;
    const r = given?.[i] ?? def.input[i];
    if (typeof r !== 'number') {
      throw fail(`the input size '${d}' has no reference size`, `give one for MACs and expectations: reference: [${input.map((x, j) => (typeof x === 'number' ? x : j === 0 ? 3 : 224)).join(', ')}]`, inputOption);
    }
    return r;
  });
  const symbols = new Map<string, SymbolInfo>();
  input.forEach((d, i) => {
    if (typeof d !== 'string') return;
    const prev = symbols.get(d);
    if (prev !== undefined && prev.reference !== reference[i]) {
      throw fail(`'${d}' is used for two sizes with different references (${prev.reference} and ${reference[i]})`, `a symbol is one size: use two names (e.g. 'H' and 'W'), or give both the same reference`, referenceOption ?? inputOption);
    }
    symbols.set(d, { reference: reference[i]!, multipleOf: 1 });
  });
  // rule 3
  for (const [name, c] of Object.entries(def.dims ?? {})) {
    if (!symbols.has(name)) {
      if (fromCaller) continue; // the caller replaced the model's symbols
      throw fail(`dims names '${name}', which is not a symbol of the input ${show(input)}`, 'constrain the symbols the input uses');
    }
    const m = c.multipleOf ?? 1;
    if (!Number.isSafeInteger(m) || m < 1 || m > MAX_INPUT_SIZE) throw fail(`dims.${name}.multipleOf must be a positive integer, got ${show(c.multipleOf)}`, 'e.g. { multipleOf: 32 }');
    symbols.set(name, { ...symbols.get(name)!, multipleOf: m });
  }
  if (o.sizeMultiple !== undefined) {
    for (const [name, info] of symbols) symbols.set(name, { ...info, multipleOf: lcm(info.multipleOf, o.sizeMultiple) });
  }
  for (const [name, info] of symbols) {
    if (info.reference % info.multipleOf !== 0) {
      throw fail(`the reference size of '${name}' (${info.reference}) is not a multiple of ${info.multipleOf}, which every '${name}' must be`, `choose a reference that is a multiple of ${info.multipleOf}`, referenceOption ?? inputOption);
    }
  }
  return { input, reference, symbols };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;
