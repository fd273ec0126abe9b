/** What a compile's passes did that the user should see without --trace-passes, printed on stderr. */
import type { CliIO } from './command.js';
import type { PassTrace } from '../passes/manager.js';

/** --outputs: what select-outputs kept and which layers eliminate-dead removed. */
export function printRemoved(trace: readonly PassTrace[], io: CliIO): void {
  const selected = trace.find((t) => t.pass === 'select-outputs');
  if (selected === undefined) return;
  const removed = trace.find((t) => t.pass === 'eliminate-dead')?.notes.filter((n) => n.startsWith('removed ') && !n.startsWith('removed param')) ?? [];
  const names = removed.map((n) => n.slice('removed '.length).split(' ')[0]!);
  io.err(`note: ${selected.notes.join('; ')}${names.length > 0 ? `; removed ${names.length} layer${names.length === 1 ? '' : 's'} no output needs (${names.slice(0, 6).join(', ')}${names.length > 6 ? ', ...' : ''})` : ''}`);
}

/** BatchNorms the fold pass left alone, and why (the same lines --trace-passes shows), as notes on stderr. */
export function printKeptBatchNorms(trace: readonly PassTrace[], io: CliIO): void {
  const kept = trace.filter((t) => t.pass === 'fold-batchnorm').flatMap((t) => t.notes.filter((n) => n.startsWith('kept ')));
  if (kept.length === 0) return;
  io.err(`note: ${kept.length} BatchNormalization layer${kept.length === 1 ? '' : 's'} not folded (the model still runs them):`);
  for (const k of kept.slice(0, 8)) io.err(`  ${k}`);
  if (kept.length > 8) io.err(`  ... and ${kept.length - 8} more (--trace-passes lists them all)`);
}

/** int32 biases the quantize pass saturated (a silent accuracy loss otherwise), as warnings. */
export function printSaturatedBiases(saturated: readonly { readonly name: string; readonly values: number }[], io: CliIO): void {
  for (const s of saturated) {
    io.err(`warning: ${s.name}: ${s.values} value${s.values === 1 ? '' : 's'} saturated at int32's bounds: the bias is larger than int32 holds at input scale x weight scale`);
  }
  if (saturated.length > 0) io.err('  help: keep those layers in float with --quantize-exclude, or calibrate on data whose ranges fit the layer');
}
