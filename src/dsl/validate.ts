/** Argument checks for DSL factories: "conv2d expected `outChannels` to be an integer > 0 but got -3". */
import { isModelTensor, modulePath, userError, type Tensor, type UserErrorExtra } from './builder.js';
import { isModelOptionName } from '../errors.js';
import type { IntPair } from '../ir/types.js';

/** Beyond this a tensor cannot be addressed by onnxruntime's int32 shape math, and it is surely a typo. */
export const MAX_CHANNELS = 1 << 20;
export const MAX_KERNEL = 1 << 12;

/**
 * Who is checking: a factory name (`'resnet'`), or a factory and the module it is building
 * (`conv2d` at `layer1.0.conv1`), so argument errors name the module path as shape errors do.
 */
export type Site = string | { readonly fn: string; readonly module: string };

/** The site of a named layer factory: its module path is the current scope plus `name`. */
export function layerSite(fn: string, name: string | number | undefined): Site {
  return typeof name === 'string' || typeof name === 'number' ? { fn, module: modulePath(name) } : fn;
}

export const siteName = (s: Site): string => (typeof s === 'string' ? s : s.fn);
export const siteModule = (s: Site): string | undefined => (typeof s === 'string' ? undefined : s.module);

/** Where an argument error is: the site's module, and the model option when the field is one (a flag may have set it). */
export function where(s: Site, field?: string): UserErrorExtra {
  const module = siteModule(s);
  const option = field !== undefined && isModelOptionName(field) ? field : undefined;
  return { ...(module !== undefined ? { module } : {}), ...(option !== undefined ? { option } : {}) };
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  return String(v);
}

export function positiveInt(fn: Site, field: string, v: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw userError('E_BAD_ARG', `${siteName(fn)} expected \`${field}\` to be an integer > 0 but got ${show(v)}`, `pass a positive whole number for ${field}`, where(fn, field));
  }
  if (v > max) {
    throw userError('E_TOO_LARGE', `${siteName(fn)} expected \`${field}\` to be at most ${max} but got ${show(v)}`, `${field} this large is almost certainly a typo`, where(fn, field));
  }
  return v;
}

export function nonNegInt(fn: Site, field: string, v: unknown, max = MAX_KERNEL): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw userError('E_BAD_ARG', `${siteName(fn)} expected \`${field}\` to be an integer >= 0 but got ${show(v)}`, `pass a whole number >= 0 for ${field}`, where(fn, field));
  }
  if (v > max) throw userError('E_TOO_LARGE', `${siteName(fn)} expected \`${field}\` to be at most ${max} but got ${show(v)}`, undefined, where(fn, field));
  return v;
}

/** A number or [h, w] pair of positive (or, with allowZero, non-negative) integers. */
export function pair(fn: Site, field: string, v: unknown, allowZero = false): IntPair {
  const check = (x: unknown): number => (allowZero ? nonNegInt(fn, field, x) : positiveInt(fn, field, x, MAX_KERNEL));
  if (Array.isArray(v)) {
    if (v.length !== 2) throw userError('E_BAD_ARG', `${siteName(fn)} expected \`${field}\` to be a number or [h, w] but got ${show(v)}`, undefined, where(fn, field));
    return [check(v[0]), check(v[1])];
  }
  const x = check(v);
  return [x, x];
}

export function positiveNumber(fn: Site, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw userError('E_BAD_ARG', `${siteName(fn)} expected \`${field}\` to be a finite number > 0 but got ${show(v)}`, undefined, where(fn, field));
  }
  return v;
}

export function oneOf<T extends string>(fn: Site, field: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw userError('E_BAD_ARG', `${siteName(fn)} expected \`${field}\` to be one of ${allowed.map((a) => `'${a}'`).join(', ')} but got ${show(v)}`, undefined, where(fn, field));
  }
  return v as T;
}

export function bool(fn: Site, field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw userError('E_BAD_ARG', `${siteName(fn)} expected \`${field}\` to be true or false but got ${show(v)}`, undefined, where(fn, field));
  return v;
}

export function tensorArg(fn: Site, v: unknown): void {
  if (typeof v !== 'object' || v === null || typeof (v as { id?: unknown }).id !== 'string' || !Array.isArray((v as { shape?: unknown }).shape)) {
    throw userError('E_BAD_ARG', `${siteName(fn)} expected a tensor as its first argument but got ${show(v)}`, 'pass the result of a previous layer (or the model input)', where(fn));
  }
  // An object of the right form that no layer of this model produced (made by hand, or kept from another model's build)
  if (!isModelTensor(v as Tensor)) {
    throw userError('E_BAD_ARG', `${siteName(fn)} got a tensor that this model did not produce (id ${JSON.stringify((v as Tensor).id)}, shape [${(v as Tensor).shape.join(', ')}])`, 'pass the result of a previous layer of this model (or its input); tensors cannot be made by hand', where(fn));
  }
}
