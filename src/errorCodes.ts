/**
 * Every error code netforge raises, with what it means. Codes are stable: tests and
 * scripts match them, never the prose. Adding a code is one line here; a code that is not
 * listed does not type-check where an error is raised.
 */
import type { ShapeErrorCode } from './ir/ops.js';

export const ERROR_CODES = {
  // the command line
  E_USAGE: 'a command-line mistake: unknown flag, missing or malformed value (exit 2)',
  E_UNKNOWN_MODEL: 'the model is neither a zoo name nor a model file',
  E_NOT_A_MODEL: 'the path is not a model file (a directory, a .py, ...)',
  E_NOT_FOUND: 'a file named on the command line does not exist',
  // model files
  E_TYPECHECK: 'a model file does not type-check against netforge\'s types',
  E_MODEL_THREW: 'a model file threw while it was loaded or built',
  E_MODEL_DIR: 'a model file\'s directory cannot hold the temporary module netforge evaluates',
  E_NO_MODEL_EXPORT: 'a model file exports no defineModel(...) under the name asked for',
  // the DSL
  E_NO_MODEL: 'a DSL layer was called outside a model definition',
  E_BAD_ARG: 'a DSL function got an argument it cannot take',
  E_BAD_NAME: 'a module name is empty or contains a dot',
  E_BAD_OUTPUT: 'build() returned something that is not a tensor made by the DSL',
  E_DUPLICATE_MODULE: 'two layers claim the same module path',
  E_SHARED_PARAM_SHAPE: 'a reused layer sees inputs of another shape than when it was created',
  E_BASICBLOCK_GROUPS: 'BasicBlock with groups or widthPerGroup (torchvision refuses them too)',
  E_DILATION_LENGTH: 'replaceStrideWithDilation does not have one boolean per stage after the first',
  E_UNSUPPORTED: 'a layer option netforge does not implement',
  // shapes (raised by the op registry, reported at the layer)
  E_SHAPE_MISMATCH: 'two shapes that must agree do not',
  E_SHAPE_RANK: 'a layer got a tensor of the wrong rank',
  E_SHAPE_EMPTY: 'a layer\'s output would have no elements',
  E_SHAPE_SYMBOLIC: 'a size that must be a known number is symbolic',
  E_PARAM_SHAPE: 'a parameter\'s shape does not fit its layer',
  E_GROUPS: 'channel counts not divisible by a conv\'s groups',
  E_ATTR: 'an op attribute is malformed',
  // verification and passes
  E_EXPECTATION: 'the model does not match its declared expectations',
  E_IR_INVALID: 'the IR breaks an invariant (a netforge bug when a pass caused it)',
  E_FOLD_INVALID: 'BatchNorm statistics that cannot be folded (var + eps <= 0, non-finite result)',
  E_FOLD_NO_DATA: 'fold-batchnorm ran before the params had values',
  E_FP16_OVERFLOW: 'a value does not fit in float16',
  E_NO_HEAD: '--freeze-backbone on a model without a classifier head',
  E_TOO_LARGE: 'a model or request larger than this machine or ONNX can hold',
  E_CHECK_FAILED: 'compile --check: the optimized and reference graphs differ beyond tolerance',
  // weights
  E_STATE_DICT: 'a checkpoint does not fit the model (missing, unexpected or mis-shaped keys)',
  E_WEIGHTS_SPEC: '--weights names neither a file, a URL nor a known variant',
  E_NO_PRETRAINED: 'no published weights for this model and variant',
  E_WEIGHTS_IO: 'a weights file cannot be read',
  E_WEIGHTS_FORMAT: 'a file is not in a weights format netforge reads',
  E_WEIGHTS_CORRUPT: 'a weights file is damaged or inconsistent',
  E_WEIGHTS_TRUNCATED: 'a weights file ends early',
  E_PICKLE_GLOBAL: 'a pickle asks for a Python global outside the allowlist (refused for safety)',
  E_PICKLE_OPCODE: 'a pickle uses an opcode netforge does not execute',
  E_ZIP_BOMB: 'a zip archive would inflate beyond the allowed ratio',
  E_ZIP_DUPLICATE: 'a zip archive names one entry twice',
  E_ZIP_UNSAFE_PATH: 'a zip entry path escapes the archive',
  E_SAFETENSORS_HEADER: 'a safetensors header is malformed',
  E_NPY_HEADER: 'a .npy header is malformed',
  // downloads
  E_DOWNLOAD_URL: 'a weights URL netforge will not fetch',
  E_DOWNLOAD_UNREACHABLE: 'the download host cannot be reached',
  E_DOWNLOAD_HTTP: 'the server answered with an HTTP error',
  E_DOWNLOAD_REDIRECTS: 'too many redirects',
  E_DOWNLOAD_TRUNCATED: 'a download ended before its announced size',
  E_HASH_MISMATCH: 'a downloaded file does not have the hash its name promises',
  E_CACHE_IO: 'the download cache cannot be written',
  // outputs and backends
  E_OUTPUT_IO: 'an output file cannot be written',
  E_OPSET: 'an ONNX opset netforge does not emit',
  E_INPUT_SHAPE: 'an input tensor does not have the shape the model declares',
  E_BATCH_FIXED: 'a batch size other than the model\'s fixed one',
  E_EP_UNAVAILABLE: 'the requested execution provider cannot run here',
  E_ORT_SESSION: 'onnxruntime cannot load the model',
  E_ORT_RUN: 'onnxruntime failed while running the model',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

// The op registry (src/ir, which imports nothing of ours) raises its own subset: it must be listed above.
const shapeCodesListed: ShapeErrorCode extends ErrorCode ? true : never = true;
void shapeCodesListed;

export function isErrorCode(s: string): s is ErrorCode {
  return Object.hasOwn(ERROR_CODES, s);
}
