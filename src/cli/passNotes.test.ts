import { describe, expect, test } from 'vitest';
import { printKeptBatchNorms, printSaturatedBiases } from './passNotes.js';

const capture = (): { err: string[]; io: { out: (s: string) => void; err: (s: string) => void; isTTY: boolean } } => {
  const err: string[] = [];
  return { err, io: { out: () => undefined, err: (s) => err.push(s), isTTY: false } };
};

describe('pass notes on stderr', () => {
  test('a saturated int32 bias is a warning with a way out; none says nothing', () => {
    const c = capture();
    printSaturatedBiases([{ name: 'conv1.bias', values: 3 }], c.io);
    expect(c.err[0]).toBe("warning: conv1.bias: 3 values saturated at int32's bounds: the bias is larger than int32 holds at input scale x weight scale");
    expect(c.err[1]).toMatch(/--quantize-exclude/);
    expect(c.err).toHaveLength(2);
    const none = capture();
    printSaturatedBiases([], none.io);
    expect(none.err).toEqual([]);
  });

  test('BatchNorms left unfolded are listed, at most eight', () => {
    const notes = Array.from({ length: 10 }, (_, i) => `kept bn${i}: its input comes from Relu relu, not a Conv`);
    const c = capture();
    printKeptBatchNorms([{ pass: 'fold-batchnorm', changed: false, ms: 1, notes }], c.io);
    expect(c.err[0]).toBe('note: 10 BatchNormalization layers not folded (the model still runs them):');
    expect(c.err.at(-1)).toBe('  ... and 2 more (--trace-passes lists them all)');
  });
});
