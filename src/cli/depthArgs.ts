/** --depth of the tables (summary, diff): 1 stem/stages/head, 2 + blocks, 3 + every layer. */
import type { FlagSpec, Parsed } from './args.js';
import { get, usageError } from './args.js';
import type { SummaryDepth } from '../backends/report/summaryTable.js';

export const DEPTH_FLAG: FlagSpec = { name: '--depth', type: 'int', help: 'table rows: 1 stem/stages/head, 2 + blocks, 3 + every layer (default 2)' };

export function depthFrom(p: Parsed): SummaryDepth {
  const d = get.num(p, 'depth') ?? 2;
  if (d !== 1 && d !== 2 && d !== 3) throw usageError(`--depth must be 1, 2 or 3, got ${d}`, '1: stem, stages, head; 2: + blocks; 3: + every layer');
  return d;
}
