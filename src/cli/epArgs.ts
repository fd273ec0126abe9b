/** Execution-provider flags shared by `run` and `bench`. */
import type { FlagSpec, Parsed } from './args.js';
import { get } from './args.js';
import { parseEp, type EpRequest } from '../backends/ort/providers.js';

export const EP_FLAGS: readonly FlagSpec[] = [
  { name: '--ep', type: 'string', help: 'execution providers: auto, or cpu, webgpu, cuda as a comma list in preference order (cpu is the last resort)' },
  { name: '--strict-ep', type: 'bool', help: 'fail (exit 1) instead of falling back when the first provider cannot run the model' },
];

export function epFrom(p: Parsed, fallback: 'auto' | 'cpu'): { readonly ep: EpRequest; readonly strict: boolean } {
  return { ep: parseEp(get.str(p, 'ep') ?? fallback), strict: get.bool(p, 'strict-ep') ?? false };
}
