/**
 * netforge weights ls FILE|URL [--json]
 * netforge weights convert IN OUT.safetensors
 *
 * Look inside a checkpoint (names, shapes, dtypes, element counts, bytes) and convert
 * PyTorch checkpoints to safetensors (no pickle, zero-copy loading). A URL is downloaded
 * into the cache first, as --weights does.
 */
import { basename, resolve } from 'node:path';
import type { CliIO, Command } from '../command.js';
import { get, parseArgs, usageError, type FlagSpec } from '../args.js';
import { readWeights } from '../../weights/load.js';
import { writeSafetensors } from '../../weights/safetensors.js';
import { dtypeSize, numelOf, type StateDict } from '../../weights/tensor.js';
import { readerNotices } from '../../pipeline/weights.js';
import { cacheDirFor, download } from '../../weights/download.js';
import { int, mib } from '../../backends/report/format.js';
import { stderrSink } from '../weightsArgs.js';
import { checkWeightsFile, weightsFileFor } from '../../weights/resolve.js';
import { checkOutputs } from '../outputChecks.js';
import { printable } from '../../printable.js';
import { maxOf } from '../../maxOf.js';

const FLAGS: readonly FlagSpec[] = [
  { name: '--json', type: 'bool', help: 'ls: machine-readable output' },
  { name: '--cache-dir', type: 'string', help: 'where downloaded weights are kept (default $NETFORGE_CACHE, else ./model_data)' },
  { name: '--quiet', alias: '-q', type: 'bool', help: 'print only errors' },
];

const FORMAT_NAMES: Readonly<Record<StateDict['format'], string>> = {
  'pth-zip': 'PyTorch checkpoint (zip)',
  'pth-legacy': 'PyTorch checkpoint (legacy format)',
  safetensors: 'safetensors',
};

/** A local path, or a URL downloaded into the cache. */
async function localFile(spec: string, cacheDir: string | undefined, io: CliIO, quiet: boolean): Promise<string> {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) return resolve(spec);
  const d = await download(spec, { cacheDir: cacheDirFor(cacheDir), validate: checkWeightsFile, ...(quiet ? {} : { progress: stderrSink(io) }) });
  return d.path;
}

export interface TensorRow {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly elements: number;
  readonly bytes: number;
}

export function tensorRows(sd: StateDict): TensorRow[] {
  return [...sd.tensors].map(([name, t]) => {
    const elements = numelOf(t.shape);
    return { name, dtype: t.dtype, shape: t.shape, elements, bytes: elements * dtypeSize(t.dtype) };
  });
}

function table(rows: readonly TensorRow[]): string[] {
  // names are data: a key holding escape sequences or line breaks must not reach the terminal raw
  const cells = rows.map((r) => [printable(r.name), r.dtype, `[${r.shape.join(', ')}]`, int(r.elements)] as const);
  const head = ['name', 'dtype', 'shape', 'elements'] as const;
  const w = head.map((h, i) => maxOf(cells.map((c) => c[i]!.length), h.length));
  const line = (c: readonly string[]): string => c.map((x, i) => (i === 3 ? x.padStart(w[i]!) : x.padEnd(w[i]!))).join('  ').trimEnd();
  return [line(head), ...cells.map(line)];
}

async function ls(spec: string, p: ReturnType<typeof parseArgs>, io: CliIO): Promise<number> {
  const quiet = get.bool(p, 'quiet') ?? false;
  const file = await localFile(spec, get.str(p, 'cache-dir'), io, quiet || (get.bool(p, 'json') ?? false));
  const sd = readWeights(file);
  const rows = tensorRows(sd);
  const elements = rows.reduce((s, r) => s + r.elements, 0);
  const bytes = rows.reduce((s, r) => s + r.bytes, 0);
  const notes = readerNotices(sd);
  if (get.bool(p, 'json')) {
    io.out(
      JSON.stringify(
        {
          file: spec,
          format: sd.format,
          tensors: rows.length,
          elements,
          bytes,
          ...(sd.unwrappedFrom !== undefined ? { unwrappedFrom: sd.unwrappedFrom } : {}),
          ...(sd.strippedPrefix !== undefined ? { strippedPrefix: sd.strippedPrefix } : {}),
          ...(sd.skipped !== undefined && sd.skipped.length > 0 ? { skipped: sd.skipped } : {}),
          entries: rows,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  if (!quiet) for (const n of notes) io.err(`note: ${n}`);
  io.out(`${spec}: ${FORMAT_NAMES[sd.format]}, ${rows.length} tensors`);
  io.out(table(rows).join('\n'));
  const dtypes = [...new Set(rows.map((r) => r.dtype))].map((d) => `${d} ${rows.filter((r) => r.dtype === d).length}`).join(', ');
  io.out(`total: ${rows.length} tensors (${dtypes}), ${int(elements)} elements, ${int(bytes)} bytes (${mib(bytes)})`);
  return 0;
}

async function convert(input: string, output: string, p: ReturnType<typeof parseArgs>, io: CliIO): Promise<number> {
  if (!output.endsWith('.safetensors')) {
    throw usageError(`netforge weights convert writes safetensors; name the output *.safetensors (got ${output})`, 'e.g. netforge weights convert resnet50.pth resnet50.safetensors');
  }
  const quiet = get.bool(p, 'quiet') ?? false;
  const inFile = weightsFileFor(input, { model: '', cacheDir: cacheDirFor(get.str(p, 'cache-dir')) });
  checkOutputs(inFile !== undefined ? [{ what: 'the input', path: inFile }] : [], [{ what: 'the output', path: output }]);
  const file = await localFile(input, get.str(p, 'cache-dir'), io, quiet);
  const sd = readWeights(file);
  if (!quiet) for (const n of readerNotices(sd)) io.err(`note: ${n}`);
  writeSafetensors(resolve(output), sd.tensors, { format: 'pt', 'netforge.source': basename(input) });
  if (!quiet) {
    const bytes = tensorRows(sd).reduce((s, r) => s + r.bytes, 0);
    io.out(`converted ${input} (${FORMAT_NAMES[sd.format]}) -> ${output}: ${sd.tensors.size} tensors, ${mib(bytes)}`);
  }
  return 0;
}

export const weightsCommand: Command = {
  name: 'weights',
  summary: 'inspect a weights file (ls) or convert a PyTorch checkpoint to safetensors (convert)',
  usage: 'netforge weights ls FILE|URL [--json]   |   netforge weights convert IN.pth OUT.safetensors',
  flags: FLAGS,
  async run(argv, io) {
    const p = parseArgs('weights', argv, FLAGS);
    const [sub, ...args] = p.positionals;
    if (sub === 'ls') {
      if (args.length !== 1) throw usageError('netforge weights ls takes one file', 'e.g. netforge weights ls resnet50-0676ba61.pth');
      return ls(args[0]!, p, io);
    }
    if (sub === 'convert') {
      if (args.length !== 2) throw usageError('netforge weights convert takes an input and an output file', 'e.g. netforge weights convert resnet50.pth resnet50.safetensors');
      return convert(args[0]!, args[1]!, p, io);
    }
    throw usageError(sub === undefined ? 'netforge weights needs a subcommand' : `unknown subcommand 'weights ${sub}'`, 'subcommands: ls FILE, convert IN OUT.safetensors');
  },
};
