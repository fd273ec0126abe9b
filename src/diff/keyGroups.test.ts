import { describe, expect, test } from 'vitest';
import { groupKeys } from './keyGroups.js';

const bn = (m: string): string[] => ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'].map((l) => `${m}.${l}`);
const block = (p: string): string[] => [`${p}.conv1.weight`, ...bn(`${p}.bn1`), `${p}.conv2.weight`, ...bn(`${p}.bn2`)];

describe('groupKeys', () => {
  const all = ['conv1.weight', ...bn('bn1'), ...block('layer1.0'), ...block('layer1.1'), ...block('layer2.0'), 'fc.weight', 'fc.bias'];
  const units = ['layer1.0', 'layer1.1', 'layer2.0'];

  test('whole blocks by path; the rest by module pattern with leaves and counts', () => {
    const names = [...block('layer1.1'), 'layer1.0.conv2.weight', 'layer2.0.conv2.weight', 'layer2.0.bn2.weight', 'layer2.0.bn2.bias'];
    expect(groupKeys(names, all, units)).toEqual({ units: ['layer1.1'], groups: ['layer*.*.conv2.weight (2)', 'layer2.0.bn2.{weight,bias} (2)'] });
  });

  test('one key is its own name; a top-level module keeps its name', () => {
    expect(groupKeys(['fc.weight', 'fc.bias', 'conv1.weight'], all, units)).toEqual({ units: [], groups: ['fc.{weight,bias} (2)', 'conv1.weight'] });
  });

  test('the same module of several blocks is one group; other modules are not merged by their digits', () => {
    const names = ['layer1.0.conv1.weight', 'layer2.0.conv1.weight', 'layer1.0.conv2.weight', 'layer2.0.conv2.weight'];
    expect(groupKeys(names, all, units).groups).toEqual(['layer*.*.conv1.weight (2)', 'layer*.*.conv2.weight (2)']);
    expect(groupKeys(['features.0.weight', 'features.3.weight', 'features.3.bias'], ['features.0.weight', 'features.3.weight', 'features.3.bias'], []).groups).toEqual([
      'features.*.{weight,bias} (3)',
    ]);
  });

  test('nothing listed, nothing said', () => {
    expect(groupKeys([], all, units)).toEqual({ units: [], groups: [] });
  });
});
