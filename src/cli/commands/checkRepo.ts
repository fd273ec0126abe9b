/** netforge check-repo DIR [--json]: check a Triton model repository of ONNX models offline. */
import type { Command } from '../command.js';
import { get, parseArgs, usageError, type FlagSpec } from '../args.js';
import { NetforgeError, formatError } from '../../errors.js';
import { checkRepository, type RepoDiagnostic } from '../../backends/triton/check.js';
import { displayPath, frameFromDisk } from '../../modelFile/codeFrame.js';

const FLAGS: readonly FlagSpec[] = [
  { name: '--json', type: 'bool', help: 'print the models and problems as JSON' },
  { name: '--quiet', alias: '-q', type: 'bool', help: 'print only problems' },
];

/** A problem in the CLI's usual error form: what, where (file:line), how to fix it. */
export function formatDiagnostic(d: RepoDiagnostic): string {
  const at = d.line !== undefined ? { loc: { file: d.file, line: d.line, col: d.col ?? 1 } } : { file: d.file };
  const e = new NetforgeError({ code: d.code, message: d.message, ...at, ...(d.hint !== undefined ? { hint: d.hint } : {}) });
  const text = formatError(e, { frame: frameFromDisk, displayPath });
  return d.severity === 'warning' ? text.replace(/^error\[/, 'warning[') : text;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export const checkRepoCommand: Command = {
  name: 'check-repo',
  summary: 'check a Triton model repository of ONNX models offline, as Triton checks it when loading',
  usage: 'netforge check-repo DIR [--json]',
  flags: FLAGS,
  async run(argv, io) {
    const p = parseArgs('check-repo', argv, FLAGS);
    const [root, ...rest] = p.positionals;
    if (root === undefined || rest.length > 0) throw usageError('netforge check-repo takes one repository folder', 'e.g. netforge check-repo models');
    const r = checkRepository(root);
    const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = r.diagnostics.length - errors;
    if (get.bool(p, 'json')) {
      io.out(JSON.stringify({ root: r.root, models: r.models, diagnostics: r.diagnostics, errors, warnings }, null, 2));
      return errors > 0 ? 1 : 0;
    }
    for (const d of r.diagnostics) (d.severity === 'error' ? io.err : io.out)(formatDiagnostic(d));
    const versions = r.models.reduce((n, m) => n + m.versions.length, 0);
    if (!get.bool(p, 'quiet')) {
      for (const m of r.models) {
        if (m.skipped !== undefined) {
          io.out(`${m.name}: ${m.skipped}, not checked`);
          continue;
        }
        const tensors = (ts: typeof m.inputs): string => ts.map((t) => `${t.name} ${t.dataType} [${t.dims.join(', ')}]`).join(', ');
        io.out(`${m.name}: version${m.versions.length === 1 ? '' : 's'} ${m.versions.join(', ') || '(none)'}, max_batch_size ${m.maxBatchSize}, input ${tensors(m.inputs) || '(none)'}, output ${tensors(m.outputs) || '(none)'}`);
      }
      const verdict = errors === 0 && warnings === 0 ? 'no problems' : `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
      io.out(`checked ${root}: ${plural(r.models.length, 'model')}, ${plural(versions, 'version')}: ${verdict}`);
    }
    return errors > 0 ? 1 : 0;
  },
};
