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
  E_MODEL_UNSETTLED: 'a model file\'s top-level await never settles',
  E_MODEL_DIR: 'a model file\'s directory cannot hold the temporary module netforge evaluates',
  E_NO_MODEL_EXPORT: 'a model file exports no defineModel(...) under the name asked for',
  E_UNUSED_OPTION: 'a model option was given (e.g. --num-classes) that the model\'s build function never reads',
  // the DSL
  E_NO_MODEL: 'a DSL layer was called outside a model definition',
  E_BAD_ARG: 'a DSL function got an argument it cannot take',
  E_BAD_NAME: 'a module name is empty or contains a dot',
  E_BAD_OUTPUT: 'build() returned something that is not a tensor made by the DSL, or a record holding one',
  E_INPUT_SPEC: 'a model\'s input size is malformed (a symbol without a reference size, a symbol with two meanings, ...)',
  E_OUTPUT_NAME: 'an output name that is taken, given twice, or not usable',
  E_UNKNOWN_MODULE: '--outputs names a module the model does not have',
  E_BELOW_MINIMUM: 'an input size below the smallest the model accepts',
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
  E_WEIGHTS_RENAME: 'a checkpoint key rule (--weights-strip-prefix, --weights-rename) matches no key, or maps two keys to one name',
  E_IN_CHANS: '--in-chans cannot adapt the checkpoint\'s first convolution to the requested input channels',
  // downloads
  E_DOWNLOAD_URL: 'a weights URL netforge will not fetch',
  E_DOWNLOAD_UNREACHABLE: 'the download host cannot be reached',
  E_DOWNLOAD_HTTP: 'the server answered with an HTTP error',
  E_DOWNLOAD_REDIRECTS: 'too many redirects',
  E_DOWNLOAD_TRUNCATED: 'a download ended before its announced size',
  E_DOWNLOAD_STALLED: 'a download stalled, came too slowly, or passed its deadline',
  E_DOWNLOAD_TOO_LARGE: 'a download is larger than the size limit',
  E_DOWNLOAD_INVALID: 'a download without a hash in its name is not a weights file (not cached)',
  E_HASH_MISMATCH: 'a downloaded file does not have the hash its name promises',
  E_CACHE_IO: 'the download cache cannot be written',
  // outputs and backends
  E_OUTPUT_IO: 'an output file cannot be written',
  E_OUTPUT_NOT_FILE: 'an output path names a device, FIFO, socket, or a symbolic link to one or to nothing (exit 2)',
  E_OUTPUT_COLLIDES: 'an output is one of the command\'s inputs, or another of its outputs (exit 2)',
  E_NOT_A_FILE: 'a model file (or its external data) is a FIFO, device or directory',
  E_ORT_OUTPUT: 'a model output that has no numeric values (strings)',
  E_OPSET: 'an ONNX opset netforge does not emit',
  E_INPUT_SHAPE: 'an input tensor does not have the shape the model declares',
  E_BATCH_FIXED: 'a batch size other than the model\'s fixed one',
  E_EP_UNAVAILABLE: 'the requested execution provider cannot run here',
  E_ORT_MISSING: 'onnxruntime-node (needed to run models) is not installed, or its native binding does not load',
  E_WRAPPER_MISMATCH: 'a typed wrapper was given an ONNX file whose inputs or outputs are not the ones it was generated for',
  E_ORT_SESSION: 'onnxruntime cannot load the model',
  E_ORT_RUN: 'onnxruntime failed while running the model',
  E_ONNX_INVALID: 'a file is not a readable ONNX model',
  // Triton model repositories and KServe (export triton refuses with these; check-repo reports them)
  E_TRITON_MODEL_NAME: 'a name Triton cannot use for a model (its folder and URL path segment)',
  E_TRITON_VERSION: 'a model version that is not a positive integer',
  E_TRITON_REPO: 'check-repo: the repository path is missing or not a folder',
  E_TRITON_REPO_NOT_DIR: 'export: the repository or model path is a file',
  E_TRITON_REPO_EMPTY: 'check-repo: the repository holds no model folders (a warning)',
  E_TRITON_VERSION_EXISTS: 'export: the version folder exists (replace it with --force)',
  E_TRITON_CONFIG_EXISTS: 'export: config.pbtxt or labels.txt exists with other content (replace it with --force)',
  E_TRITON_CONFIG_SYNTAX: 'config.pbtxt is not well-formed protobuf text format',
  E_TRITON_CONFIG_FIELD: 'config.pbtxt names a field ModelConfig does not have',
  E_TRITON_CONFIG_VALUE: 'a config.pbtxt value of the wrong type, out of range, or an unknown enum name',
  E_TRITON_CONFIG_DUPLICATE: 'a config.pbtxt field set twice, or two members of a oneof',
  E_TRITON_NAME: 'config.pbtxt name differs from the model\'s folder',
  E_TRITON_PLATFORM: 'a platform or backend Triton does not have, or a pair that does not go together',
  E_TRITON_NOT_ONNX: 'check-repo: a model that is not served by the ONNX Runtime backend is skipped (a warning)',
  E_TRITON_NO_CONFIG: 'check-repo: a model folder without config.pbtxt (a warning: Triton can derive one)',
  E_TRITON_NO_VERSION: 'a model folder without a version folder',
  E_TRITON_VERSION_FOLDER: 'a folder Triton ignores as a version (not numeric, or starting with 0; a warning)',
  E_TRITON_VERSION_POLICY: 'a version policy naming a version that has no folder (a warning)',
  E_TRITON_MODEL_FILE: 'a version folder without its model file',
  E_TRITON_ONNX: 'a version\'s model file is not a readable ONNX model',
  E_TRITON_EXTERNAL_DATA: 'external data that is missing, or beside a single-file model instead of in the model.onnx/ folder',
  E_TRITON_TENSOR: 'an input or output without a name, declared twice, or optional where Triton refuses it',
  E_TRITON_DTYPE: 'a data type that differs from the model\'s, is missing, or Triton cannot serve',
  E_TRITON_SHAPE: 'a model tensor without a shape',
  E_TRITON_DIMS: 'dims that do not fit the model\'s shape, or are not >= 1 or -1',
  E_TRITON_RESHAPE: 'a reshape that changes the element count',
  E_TRITON_BATCH: 'max_batch_size or a preferred batch size out of range, or dynamic batching without batching',
  E_TRITON_BATCH_DIM: 'max_batch_size > 0 on a model whose first dim is fixed (not a batch dim)',
  E_TRITON_INPUT_UNKNOWN: 'a configured input the model does not have',
  E_TRITON_INPUT_MISSING: 'a model input the config does not declare',
  E_TRITON_OUTPUT_UNKNOWN: 'a configured output the model does not have',
  E_TRITON_NAMES: 'two of a model\'s inputs and outputs share a name',
  E_TRITON_INSTANCES: 'an instance group Triton refuses (GPUs on a CPU group, a profile, a negative count)',
  E_TRITON_ACCELERATOR: 'an execution accelerator the ONNX Runtime backend does not have, or in the wrong list',
  E_TRITON_ACCELERATOR_PARAM: 'an accelerator parameter the accelerator does not take, or a value it refuses',
  E_TRITON_WARMUP: 'a warmup sample Triton refuses (batch size, missing or unknown input, dims)',
  E_TRITON_LABELS: 'a label file that is missing, does not fit an output, or does not match its class count',
  E_TRITON_VERIFY: 'export: the model did not run in onnxruntime as its config declares',
  E_KSERVE_NAME: 'a model name that gives no valid KServe InferenceService name',
  E_KSERVE_STORAGE_URI: '--storage-uri is not a URI',
  E_KSERVE_RESOURCES: 'a CPU or memory quantity Kubernetes does not read',
  E_V2_REQUEST: 'no v2 JSON request for an input of this data type',
} as const;

/** A stable error code (ERROR_CODES says what each means). */
export type ErrorCode = keyof typeof ERROR_CODES;

// The op registry (src/ir, which imports nothing of ours) raises its own subset: it must be listed above.
const shapeCodesListed: ShapeErrorCode extends ErrorCode ? true : never = true;
void shapeCodesListed;

export function isErrorCode(s: string): s is ErrorCode {
  return Object.hasOwn(ERROR_CODES, s);
}
