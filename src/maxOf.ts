/**
 * The largest of `values` (at least `floor`). `Math.max(...values)` passes every value as an
 * argument on the call stack, which overflows it past roughly 100k values (a safetensors file
 * of 150k tensors, a model of 200k layers); this is a loop.
 */
export function maxOf(values: Iterable<number>, floor = -Infinity): number {
  let m = floor;
  for (const v of values) if (v > m) m = v;
  return m;
}
