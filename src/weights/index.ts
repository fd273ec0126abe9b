/** Public API of the weights readers/writers. */
export type { WeightDType, WeightTensor, StateDict } from './tensor.js';
export { toFloat32, dtypeSize, numelOf, halfToFloat, WEIGHT_DTYPES } from './tensor.js';
export { readWeights, parseWeights, KNOWN_FORMATS } from './load.js';
export { readPth, parsePth } from './pth.js';
export { readSafetensors, parseSafetensors, writeSafetensors, type SafetensorsFile } from './safetensors.js';
export { readNpy, parseNpy, writeNpy } from './npy.js';
export { readZip, type ZipArchive, type ZipEntry } from './zip.js';
export { unpickle, PICKLE_LIMITS } from './pickle.js';
export { loadStateDictPickle, TORCH_GLOBALS, type TensorDescriptor, type StateDictPickle } from './torchPickle.js';
