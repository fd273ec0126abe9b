/**
 * The weights flags every model-taking command shares (--weights, --cache-dir,
 * --freeze-backbone): resolving them (downloading, with progress on stderr) and printing
 * what the user should know about the weights.
 */
import { basename } from 'node:path';
import type { CliIO } from './command.js';
import type { Parsed } from './args.js';
import { get, usageError } from './args.js';
import type { DefinedModel } from '../dsl/model.js';
import type { Notice, WeightsInput } from '../pipeline/weights.js';
import type { ProgressSink } from '../weights/progress.js';
import { mib } from '../backends/report/format.js';
import { parseRenameRule, type KeyRules } from '../pipeline/adapt.js';
import { printableLines } from '../printable.js';

export interface WeightsFlags {
  readonly weights?: WeightsInput;
  readonly freezeBackbone?: boolean;
  readonly strictWeights?: boolean;
  readonly weightsKeys?: KeyRules;
}

/** Progress on stderr: redrawn in place on a terminal, plain lines otherwise. */
export function stderrSink(io: CliIO): ProgressSink {
  return io.isTTY ? { write: (s) => void process.stderr.write(s), isTTY: true } : { write: (s) => io.err(s), isTTY: false };
}

/** Resolve --weights (downloading a URL or torchvision variant into the cache) and --freeze-backbone. */
export async function weightsOptionsFrom(p: Parsed, def: DefinedModel, io: CliIO | undefined, quiet = false): Promise<WeightsFlags> {
  const silent = quiet || io === undefined;
  const spec = get.str(p, 'weights');
  const freeze = get.bool(p, 'freeze-backbone');
  const out: { weights?: WeightsInput; freezeBackbone?: boolean; strictWeights?: boolean; weightsKeys?: KeyRules } = {};
  if (freeze !== undefined) out.freezeBackbone = freeze;
  if (get.bool(p, 'strict') === false) {
    if (spec === undefined) throw usageError('--no-strict applies to --weights, which is missing', 'add --weights FILE, or drop --no-strict');
    out.strictWeights = false;
  }
  const stripPrefix = get.list(p, 'weights-strip-prefix');
  const rename = get.list(p, 'weights-rename');
  if (stripPrefix !== undefined || rename !== undefined) {
    const flag = stripPrefix !== undefined ? '--weights-strip-prefix' : '--weights-rename';
    if (spec === undefined) throw usageError(`${flag} rewrites the keys of --weights, which is missing`, `add --weights FILE, or drop ${flag}`);
    out.weightsKeys = { ...(stripPrefix ? { stripPrefix } : {}), ...(rename ? { rename: rename.map(parseRenameRule) } : {}) };
  }
  if (spec === undefined) return out;
  // Loaded only when weights are asked for: node:http/https and the downloader cost ~6 ms of every compile.
  const [{ cacheDirFor }, { resolveWeights }] = await Promise.all([import('../weights/download.js'), import('../weights/resolve.js')]);
  out.weights = await resolveWeights(spec, {
    model: def.name,
    cacheDir: cacheDirFor(get.str(p, 'cache-dir')),
    ...(silent ? {} : { progress: stderrSink(io) }),
    onDownload: (d) => {
      if (silent) return;
      io.err(d.cached ? `note: using ${d.path} from the cache` : `note: downloaded ${basename(d.path)} (${mib(d.bytes)}, sha256 ${d.sha256!.slice(0, 12)}...) into ${d.path}`);
    },
  });
  return out;
}

/** Notes unless quiet; warnings always. */
export function printNotices(notices: readonly Notice[], io: CliIO, quiet = false): void {
  for (const n of notices) if (n.level === 'warning' || !quiet) io.err(`${n.level}: ${printableLines(n.message)}`);
}
