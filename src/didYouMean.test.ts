import { describe, expect, test } from 'vitest';
import { closest, editDistance } from './didYouMean.js';

describe('closest', () => {
  test('edit distances', () => {
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('max_batch_size', 'max_batch_sizes')).toBe(1);
  });
  test('finds a name within two edits, ignoring case, and nothing further away', () => {
    expect(closest('--max-batch-sise', ['--max-batch-size', '--model-name'])).toBe('--max-batch-size');
    expect(closest('DATA_TYPE', ['data_type', 'dims'])).toBe('data_type');
    expect(closest('completely_else', ['name', 'dims'])).toBeUndefined();
  });
});
