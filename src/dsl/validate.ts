/** Argument checks for DSL factories: "conv2d expected `outChannels` to be an integer > 0 but got -3". */
import { userError } from './builder.js';
import type { IntPair } from '../ir/types.js';

/** Beyond this a tensor cannot be addressed by onnxruntime's int32 shape math, and it is surely a typo. */
export const MAX_CHANNELS = 1 << 20;
export const MAX_KERNEL = 1 << 12;

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  return String(v);
}

export function positiveInt(fn: string, field: string, v: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw userError('E_BAD_ARG', `${fn} expected \`${field}\` to be an integer > 0 but got ${show(v)}`, `pass a positive whole number for ${field}`);
  }
  if (v > max) {
    throw userError('E_TOO_LARGE', `${fn} expected \`${field}\` to be at most ${max} but got ${show(v)}`, `${field} this large is almost certainly a typo`);
  }
  return v;
}

export function nonNegInt(fn: string, field: string, v: unknown, max = MAX_KERNEL): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw userError('E_BAD_ARG', `${fn} expected \`${field}\` to be an integer >= 0 but got ${show(v)}`, `pass a whole number >= 0 for ${field}`);
  }
  if (v > max) throw userError('E_TOO_LARGE', `${fn} expected \`${field}\` to be at most ${max} but got ${show(v)}`);
  return v;
}

/** A number or [h, w] pair of positive (or, with allowZero, non-negative) integers. */
export function pair(fn: string, field: string, v: unknown, allowZero = false): IntPair {
  const check = (x: unknown): number => (allowZero ? nonNegInt(fn, field, x) : positiveInt(fn, field, x, MAX_KERNEL));
  if (Array.isArray(v)) {
    if (v.length !== 2) throw userError('E_BAD_ARG', `${fn} expected \`${field}\` to be a number or [h, w] but got ${show(v)}`);
    return [check(v[0]), check(v[1])];
  }
  const x = check(v);
  return [x, x];
}

export function positiveNumber(fn: string, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw userError('E_BAD_ARG', `${fn} expected \`${field}\` to be a finite number > 0 but got ${show(v)}`);
  }
  return v;
}

export function oneOf<T extends string>(fn: string, field: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw userError('E_BAD_ARG', `${fn} expected \`${field}\` to be one of ${allowed.map((a) => `'${a}'`).join(', ')} but got ${show(v)}`);
  }
  return v as T;
}

export function bool(fn: string, field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw userError('E_BAD_ARG', `${fn} expected \`${field}\` to be true or false but got ${show(v)}`);
  return v;
}

export function tensorArg(fn: string, v: unknown): void {
  if (typeof v !== 'object' || v === null || typeof (v as { id?: unknown }).id !== 'string' || !Array.isArray((v as { shape?: unknown }).shape)) {
    throw userError('E_BAD_ARG', `${fn} expected a tensor as its first argument but got ${show(v)}`, 'pass the result of a previous layer (or the model input)');
  }
}
