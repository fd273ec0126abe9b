/**
 * netforge diff <A> [A's model flags] -- <B> [B's model flags] [--depth 1|2|3] [--json] [-o diff.html]
 *
 * Each side is a model with its own model flags, in its own group: the `--` between them
 * ends A's group. Without `--`, `netforge diff A B` compares the two as defined, and a
 * model flag there belongs to neither side (a usage error that says how to place it).
 * --depth, --json and -o are the command's own and may stand in either group.
 */
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import type { FlagSpec, Parsed } from '../args.js';
import { get, parseArgs, usageError } from '../args.js';
import { MODEL_FLAGS, modelOptionsFrom, resolveModel } from '../modelArgs.js';
import { blameFlag } from '../flagBlame.js';
import { DEPTH_FLAG, depthFrom } from '../depthArgs.js';
import { inspectModel, type InspectedModel } from '../../inspect.js';
import { diffModels, sideError, type Side } from '../../diff.js';
import { isNetforgeError } from '../../errors.js';
import type { DefinedModel, ModelOptions } from '../../dsl/model.js';
import { diffText } from '../../backends/report/diffText.js';
import { verdictText } from '../../backends/report/diffFacts.js';
import { diffJson } from '../../backends/report/diffJson.js';
import { diffHtml } from '../../backends/report/diffHtml.js';
import { atomicWriteFileSync } from '../../io/atomicWrite.js';
import { int, si } from '../../backends/report/format.js';
import { NETFORGE_VERSION } from '../../version.js';

/** Flags about weights: the diff derives A's checkpoint from A itself. */
const WEIGHTS_FLAGS = new Set(['--weights', '--strict', '--weights-strip-prefix', '--weights-rename', '--cache-dir', '--seed', '--freeze-backbone']);
const SIDE_FLAGS: readonly FlagSpec[] = MODEL_FLAGS.filter((f) => !WEIGHTS_FLAGS.has(f.name));

const OWN_FLAGS: readonly FlagSpec[] = [
  DEPTH_FLAG,
  { name: '--json', type: 'bool', help: 'machine-readable output: every row of both trees, the totals, the weight compatibility' },
  { name: '--output', alias: '-o', type: 'string', help: 'write an HTML page instead of the table: the delta table, both diagrams side by side with the changes marked, the weights (.html)' },
];

const FLAGS: readonly FlagSpec[] = [...OWN_FLAGS, ...SIDE_FLAGS];
const OWN_IDS = new Set(OWN_FLAGS.map((f) => f.name.replace(/^--/, '')));
const EXAMPLE = 'e.g. netforge diff resnet50 -- resnet50 --replace-stride-with-dilation false,true,true';

interface SideArgs {
  readonly spec: string;
  readonly parsed: Parsed;
  /** How the user named the side: the model and its flags. */
  readonly label: string;
}

/** The group's tokens without the command's own flags: what the side's label shows. */
function labelOf(tokens: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const name = t.includes('=') ? t.slice(0, t.indexOf('=')) : t;
    if (name === '--json' || name === '--no-json') continue;
    if (name === '--depth' || name === '--output' || name === '-o') {
      if (!t.includes('=')) i++;
      continue;
    }
    out.push(t);
  }
  return out.join(' ');
}

/** Model flags given in a group (not the command's own). */
const modelFlagsIn = (p: Parsed): string[] => [...p.flags.keys()].filter((k) => !OWN_IDS.has(k)).map((k) => `--${k}`);

/** Split the command line into A's and B's groups and the command's own flags. */
function sidesFrom(argv: readonly string[]): { readonly a: SideArgs; readonly b: SideArgs; readonly own: Parsed['flags'] } {
  const refused = argv.find((t) => WEIGHTS_FLAGS.has(t.split('=')[0]!) || (t.startsWith('--no-') && WEIGHTS_FLAGS.has(`--${t.slice(5).split('=')[0]}`)));
  if (refused !== undefined) {
    throw usageError(
      `netforge diff takes no ${refused.split('=')[0]}: it compares architectures, and A's checkpoint is A's own state_dict`,
      'the weights section says what --weights of a checkpoint of A would do to B; drop the flag',
    );
  }
  const cut = argv.indexOf('--');
  const groups = cut < 0 ? [argv] : [argv.slice(0, cut), argv.slice(cut + 1)];
  if (groups[1]?.includes('--')) throw usageError('netforge diff compares two models: give A, then --, then B, each with its own flags', EXAMPLE);
  const parsed = groups.map((g) => parseArgs('diff', g, FLAGS));
  const own = new Map<string, string | number | boolean | readonly string[]>();
  for (const p of parsed) {
    for (const [k, v] of p.flags) {
      if (!OWN_IDS.has(k)) continue;
      if (own.has(k)) throw usageError(`--${k} is given twice (once on each side of --)`, `give --${k} once; it applies to the whole diff`);
      own.set(k, v);
    }
  }
  if (cut < 0) {
    const p = parsed[0]!;
    if (p.positionals.length !== 2) throw usageError(`netforge diff needs two models, A and B; got ${p.positionals.length === 0 ? 'none' : p.positionals.join(' ')}`, EXAMPLE);
    const flags = modelFlagsIn(p);
    if (flags.length > 0) {
      throw usageError(
        `${flags.join(', ')} belong${flags.length === 1 ? 's' : ''} to neither side: without --, model flags cannot tell A from B`,
        `put each side's flags after its model, with -- between the sides: netforge diff ${p.positionals[0]} [A's flags] -- ${p.positionals[1]} ${flags[0]} ... (a flag for both goes on both sides)`,
      );
    }
    const [sa, sb] = p.positionals as [string, string];
    const only = (spec: string): Parsed => ({ positionals: [spec], flags: new Map() });
    return { a: { spec: sa, parsed: only(sa), label: sa }, b: { spec: sb, parsed: only(sb), label: sb }, own };
  }
  const side = (p: Parsed, tokens: readonly string[], which: Side): SideArgs => {
    if (p.positionals.length !== 1) {
      const got = p.positionals.length === 0 ? 'no model' : `${p.positionals.length} models (${p.positionals.join(' ')})`;
      throw usageError(`side ${which} of netforge diff needs one model, got ${got}`, EXAMPLE);
    }
    return { spec: p.positionals[0]!, parsed: p, label: labelOf(tokens) };
  };
  return { a: side(parsed[0]!, groups[0]!, 'A'), b: side(parsed[1]!, groups[1]!, 'B'), own };
}

/** Build one side, its errors saying which side they are. */
async function inspectSide(which: Side, s: SideArgs): Promise<{ readonly model: InspectedModel; readonly options: ModelOptions & { readonly inChans?: number }; readonly def: DefinedModel; readonly file?: string }> {
  try {
    const def = await resolveModel(s.spec, 'diff');
    const options = modelOptionsFrom(s.parsed, def);
    const model = inspectModel(def, options);
    const file = /\.(c|m)?(t|j)s(#.*)?$/.test(s.spec) ? resolve(s.spec.replace(/#.*$/, '')) : undefined;
    return { model, options, def, ...(file !== undefined ? { file } : {}) };
  } catch (e) {
    if (isNetforgeError(e)) throw sideError(which, s.label, blameFlag(e));
    throw e;
  }
}

export const diffCommand: Command = {
  name: 'diff',
  summary: 'what a variant changes: two models\' module trees aligned, totals with deltas and ratios, whether A\'s checkpoint loads into B',
  usage: 'netforge diff <A> [A\'s model flags] -- <B> [B\'s model flags] [--depth 1|2|3] [--json] [-o diff.html]',
  flags: FLAGS,
  async run(argv, io) {
    const { a, b, own } = sidesFrom(argv);
    const depth = depthFrom({ positionals: [], flags: own });
    const out = own.get('output') as string | undefined;
    if (out !== undefined && /\.(svg|json|txt)$/i.test(out)) {
      throw usageError(`-o ${out}: netforge diff writes an HTML page`, '-o diff.html writes the page; --json prints the diff as JSON on stdout, and the table is what it prints without -o');
    }
    const A = await inspectSide('A', a);
    const B = await inspectSide('B', b);
    if (out !== undefined && (resolve(out) === A.file || resolve(out) === B.file)) {
      throw usageError(`-o ${out} is a model file of this diff`, 'write the page elsewhere, e.g. -o diff.html');
    }
    const d = diffModels(
      { label: a.label, model: A.model },
      { label: b.label, model: B.model, def: B.def, numClassesSet: B.options.numClasses !== undefined, ...(B.options.inChans !== undefined ? { inChans: B.options.inChans } : {}) },
    );
    const json = own.get('json') === true;
    if (out !== undefined) {
      const html = diffHtml(d, { depth, generator: `netforge ${NETFORGE_VERSION}` });
      atomicWriteFileSync(resolve(out), html);
      const [pa, pb] = [d.a.structure.stats, d.b.structure.stats];
      // with --json, stdout is the JSON alone
      const say = json ? io.err : io.out;
      say(`wrote diff ${a.label} -> ${b.label} to ${out} (${int(Buffer.byteLength(html))} bytes)`);
      say(d.identical ? '  no difference' : `  params ${int(pa.params)} -> ${int(pb.params)}; MACs ${si(pa.macs)} -> ${si(pb.macs)}; --weights of A into B: ${verdictText(d)}`);
    }
    if (json) io.out(JSON.stringify(diffJson(d), null, 2));
    else if (out === undefined) io.out(diffText(d, { depth, width: 100, color: io.color ?? false }).replace(/\n$/, ''));
    return 0;
  },
};
