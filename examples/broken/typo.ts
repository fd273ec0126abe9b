/**
 * A model file with a typo (`groupz`): netforge type-checks it against its own types and
 * stops before running anything (the README shows what it prints).
 */
import { bottleneck, defineModel, resnet } from 'netforge';

export default defineModel({
  name: 'resnext_typo',
  input: [3, 224, 224],
  build: (x) => resnet(x, { block: bottleneck, layers: [3, 4, 6, 3], groupz: 32 }),
});
