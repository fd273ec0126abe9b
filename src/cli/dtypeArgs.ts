/** --dtype, as every command that compiles takes it. */
import type { FlagSpec, Parsed } from './args.js';
import { get, usageError } from './args.js';

export type DType = 'float32' | 'float16';

export const DTYPE_FLAG: FlagSpec = {
  name: '--dtype',
  type: 'string',
  help: 'float32 (default) or float16 (weights and compute in half precision; input and output stay float32)',
};

export function dtypeFrom(p: Parsed): DType | undefined {
  const d = get.str(p, 'dtype');
  if (d !== undefined && d !== 'float32' && d !== 'float16') throw usageError(`--dtype must be float32 or float16, got '${d}'`, 'e.g. --dtype float16');
  return d;
}
