/**
 * Execution accelerators of Triton's ONNX Runtime backend, and the parameters each takes, as
 * the backend reads them (triton-inference-server/onnxruntime_backend, src/onnxruntime.cc and
 * README "ONNX Runtime with TensorRT optimization"):
 * - `tensorrt` and `cuda` are GPU accelerators (optimization.execution_accelerators
 *   .gpu_execution_accelerator), used only by instances on a GPU; `openvino` is the one CPU
 *   accelerator. Any other name, or a name in the other list, fails the model's load
 *   ("unknown Execution Accelerator").
 * - tensorrt: the backend parses each parameter itself; an unknown one fails the load
 *   ("unknown parameter ... is provided for TensorRT Execution Accelerator"), as does a value it
 *   cannot parse (precision_mode other than FP32/FP16/BF16/INT8, a bool other than
 *   true/false/on/off/1/0, a number without digits).
 * - cuda: the backend checks the two bools it reads and hands every parameter to onnxruntime's
 *   CUDA provider, which decides at load (the names below are OrtCUDAProviderOptionsV2's).
 * - openvino: the backend reads no parameters; given ones are ignored.
 * Export refuses whatever would fail or be ignored; check-repo reports what fails the load as
 * an error and what netforge cannot decide (onnxruntime's own options, ignored ones) as a warning.
 */

export type ParamKind = 'bool' | 'int' | 'uint' | 'string' | { readonly oneOf: readonly string[] };

interface ParamSpec {
  readonly kind: ParamKind;
  /** Who parses the value: Triton's backend (a bad value fails the load) or onnxruntime. */
  readonly parsedBy: 'triton' | 'onnxruntime';
}

export interface AcceleratorSpec {
  readonly name: 'tensorrt' | 'cuda' | 'openvino';
  /** Which list of optimization.execution_accelerators it belongs in. */
  readonly list: 'gpu' | 'cpu';
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Unknown parameters: refused by Triton (tensorrt), passed on to onnxruntime (cuda), ignored (openvino). */
  readonly unknownParams: 'refused' | 'onnxruntime' | 'ignored';
}

const t = (kind: ParamKind): ParamSpec => ({ kind, parsedBy: 'triton' });
const o = (kind: ParamKind): ParamSpec => ({ kind, parsedBy: 'onnxruntime' });

/** TensorRT precisions the backend accepts for precision_mode. */
export const TRT_PRECISIONS = ['FP32', 'FP16', 'BF16', 'INT8'] as const;

export const ACCELERATORS: Readonly<Record<string, AcceleratorSpec>> = {
  tensorrt: {
    name: 'tensorrt',
    list: 'gpu',
    unknownParams: 'refused',
    params: {
      precision_mode: t({ oneOf: TRT_PRECISIONS }),
      max_workspace_size_bytes: t('uint'),
      trt_max_partition_iterations: t('int'),
      trt_min_subgraph_size: t('int'),
      int8_calibration_table_name: t('string'),
      int8_use_native_calibration_table: t('bool'),
      trt_dla_enable: t('bool'),
      trt_dla_core: t('int'),
      trt_engine_cache_enable: t('bool'),
      trt_engine_cache_path: t('string'),
      trt_engine_cache_prefix: t('string'),
      trt_dump_subgraphs: t('bool'),
      trt_force_sequential_engine_build: t('bool'),
      trt_context_memory_sharing_enable: t('bool'),
      trt_layer_norm_fp32_fallback: t('bool'),
      trt_timing_cache_enable: t('bool'),
      trt_timing_cache_path: t('string'),
      trt_force_timing_cache: t('bool'),
      trt_detailed_build_log: t('bool'),
      trt_build_heuristics_enable: t('bool'),
      trt_sparsity_enable: t('bool'),
      trt_builder_optimization_level: t('int'),
      trt_auxiliary_streams: t('int'),
      trt_tactic_sources: t('string'),
      trt_extra_plugin_lib_paths: t('string'),
      trt_profile_min_shapes: t('string'),
      trt_profile_max_shapes: t('string'),
      trt_profile_opt_shapes: t('string'),
      trt_cuda_graph_enable: t('bool'),
      trt_dump_ep_context_model: t('bool'),
      trt_ep_context_file_path: t('string'),
      trt_ep_context_embed_mode: t('int'),
    },
  },
  cuda: {
    name: 'cuda',
    list: 'gpu',
    unknownParams: 'onnxruntime',
    params: {
      do_copy_in_default_stream: t('bool'),
      use_ep_level_unified_stream: t('bool'),
      device_id: o('int'),
      gpu_mem_limit: o('uint'),
      arena_extend_strategy: o({ oneOf: ['kNextPowerOfTwo', 'kSameAsRequested'] }),
      cudnn_conv_algo_search: o({ oneOf: ['EXHAUSTIVE', 'HEURISTIC', 'DEFAULT'] }),
      cudnn_conv_use_max_workspace: o('bool'),
      cudnn_conv1d_pad_to_nc1d: o('bool'),
      enable_cuda_graph: o('bool'),
      tunable_op_enable: o('bool'),
      tunable_op_tuning_enable: o('bool'),
      tunable_op_max_tuning_duration_ms: o('int'),
      enable_skip_layer_norm_strict_mode: o('bool'),
      prefer_nhwc: o('bool'),
      use_tf32: o('bool'),
    },
  },
  openvino: { name: 'openvino', list: 'cpu', unknownParams: 'ignored', params: {} },
};

export interface AcceleratorProblem {
  readonly code: 'E_TRITON_ACCELERATOR' | 'E_TRITON_ACCELERATOR_PARAM';
  /** error: Triton fails the model's load; warning: onnxruntime decides, or Triton ignores it. */
  readonly severity: 'error' | 'warning';
  /** The parameter the problem is about (none: the accelerator itself). */
  readonly param?: string;
  readonly message: string;
  readonly hint: string;
}

/** Does Triton's parser accept `value` as `kind`? (bools as ParseBoolValue, numbers as std::stoi/stoull: leading digits). */
function accepts(kind: ParamKind, value: string): boolean {
  if (kind === 'string') return true;
  if (kind === 'bool') return /^(true|false|on|off|1|0)$/i.test(value);
  if (kind === 'int') return /^\s*[+-]?\d/.test(value);
  if (kind === 'uint') return /^\s*\+?\d/.test(value);
  return kind.oneOf.includes(value);
}

function describeKind(kind: ParamKind): string {
  if (kind === 'bool') return 'true or false (1/0, on/off)';
  if (kind === 'int') return 'an integer';
  if (kind === 'uint') return 'a non-negative integer';
  if (kind === 'string') return 'a string';
  return `one of ${kind.oneOf.join(', ')}`;
}

/**
 * Problems with one accelerator entry found in list `list`. `strict` (export) makes every
 * problem an error; otherwise (check-repo) what Triton accepts or ignores is a warning.
 */
export function checkAccelerator(list: 'gpu' | 'cpu', name: string, params: Readonly<Record<string, string>>, strict: boolean): AcceleratorProblem[] {
  const spec = ACCELERATORS[name];
  const inList = Object.values(ACCELERATORS).filter((a) => a.list === list).map((a) => a.name);
  if (spec === undefined || spec.list !== list) {
    const where = spec !== undefined ? `${name} is a ${spec.list.toUpperCase()} accelerator, here listed under ${list}_execution_accelerator` : `'${name}' is not an execution accelerator of Triton's ONNX Runtime backend`;
    return [{ code: 'E_TRITON_ACCELERATOR', severity: 'error', message: `${where}: Triton fails to load the model ("unknown Execution Accelerator")`, hint: `${list}_execution_accelerator takes ${inList.join(' or ')}${spec !== undefined ? `; move ${name} to ${spec.list}_execution_accelerator` : ''}` }];
  }
  const problems: AcceleratorProblem[] = [];
  for (const key of Object.keys(params).sort()) {
    const value = params[key]!;
    const p = spec.params[key];
    if (p === undefined) {
      const known = Object.keys(spec.params);
      const how = { refused: 'Triton fails to load the model', onnxruntime: 'netforge does not know it; onnxruntime decides when the model loads', ignored: 'the backend ignores it' }[spec.unknownParams];
      problems.push({
        code: 'E_TRITON_ACCELERATOR_PARAM',
        severity: strict || spec.unknownParams === 'refused' ? 'error' : 'warning',
        param: key,
        message: `${name} takes no parameter '${key}' (${how})`,
        hint: known.length > 0 ? `${name} parameters: ${known.join(', ')}` : `${name} takes no parameters in Triton's ONNX Runtime backend; remove them`,
      });
      continue;
    }
    if (!accepts(p.kind, value)) {
      problems.push({
        code: 'E_TRITON_ACCELERATOR_PARAM',
        severity: strict || p.parsedBy === 'triton' ? 'error' : 'warning',
        param: key,
        message: `${name} parameter ${key} is "${value}", not ${describeKind(p.kind)}${p.parsedBy === 'triton' ? ': Triton fails to load the model' : ''}`,
        hint: `give ${key} ${describeKind(p.kind)}`,
      });
    }
  }
  return problems;
}
