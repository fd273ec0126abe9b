/**
 * The README's first model file: ResNet-50 with the strides of layer3 and layer4 replaced
 * by dilation (output stride 8), written with resnet(). It passes the class count and
 * zero-init-residual on from the command line (`o`), and fixes its own dilation, so
 *
 *   netforge compile examples/my-resnet.ts -o m.onnx --num-classes 10      # 10 classes
 *   netforge compile examples/my-resnet.ts -o m.onnx --replace-stride-with-dilation false,false,true
 *
 * the second is an error (E_UNUSED_OPTION, exit 2): this model never reads that option.
 */
import { bottleneck, defineModel, resnet } from 'netforge';

export default defineModel({
  name: 'resnet50_dilated',
  input: [3, 224, 224],
  build: (x, o) =>
    resnet(x, {
      block: bottleneck,
      layers: [3, 4, 6, 3],
      replaceStrideWithDilation: [false, true, true],
      ...(o.numClasses !== undefined ? { numClasses: o.numClasses } : {}),
      ...(o.zeroInitResidual !== undefined ? { zeroInitResidual: o.zeroInitResidual } : {}),
    }),
  // dilation changes no parameter: ResNet-50's 25,557,032 with the default 1000 classes
  expect: (o) => ({ mainPath: { conv: 49, linear: 1 }, shortcutProjections: 4, ...(o.numClasses === undefined ? { params: 25_557_032 } : {}) }),
});
