/**
 * A block that forgets its shortcut projection: it type-checks, and the residual add fails
 * when resnet() builds the second stage (the README shows the error, at the add).
 */
import { add, basicBlockBody, block, defineModel, relu, resnet } from 'netforge';

const noProjection = block('NoProjection', { expansion: 1 }, (x, a) => relu(add(basicBlockBody(x, a), x)));

export default defineModel({
  name: 'no_projection',
  input: [3, 32, 32],
  build: (x) => resnet(x, { block: noProjection, layers: [1, 1], stem: 'cifar', widths: [16, 32], numClasses: 10 }),
});
