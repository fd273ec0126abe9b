/**
 * A Triton model configuration as plain data, with the field names of model_config.proto
 * (snake_case, so one schema table in ./schema.ts reads and writes it without a mapping).
 * Only the messages netforge looks into are typed; the others are present or not.
 *
 * Conventions: 64-bit integers are numbers (netforge refuses values past 2^53 when reading),
 * enums are their names (`TYPE_FP32`), maps are objects keyed by the map key as a string.
 */

export type TritonDataType =
  | 'TYPE_INVALID'
  | 'TYPE_BOOL'
  | 'TYPE_UINT8'
  | 'TYPE_UINT16'
  | 'TYPE_UINT32'
  | 'TYPE_UINT64'
  | 'TYPE_INT8'
  | 'TYPE_INT16'
  | 'TYPE_INT32'
  | 'TYPE_INT64'
  | 'TYPE_FP16'
  | 'TYPE_FP32'
  | 'TYPE_FP64'
  | 'TYPE_STRING'
  | 'TYPE_BF16';

export type InstanceKind = 'KIND_AUTO' | 'KIND_GPU' | 'KIND_CPU' | 'KIND_MODEL';

export interface TensorReshape {
  readonly shape?: readonly number[];
}

export interface ModelInput {
  readonly name?: string;
  readonly data_type?: TritonDataType;
  readonly format?: 'FORMAT_NONE' | 'FORMAT_NHWC' | 'FORMAT_NCHW';
  readonly dims?: readonly number[];
  readonly reshape?: TensorReshape;
  readonly is_shape_tensor?: boolean;
  readonly allow_ragged_batch?: boolean;
  readonly optional?: boolean;
  readonly is_non_linear_format_io?: boolean;
}

export interface ModelOutput {
  readonly name?: string;
  readonly data_type?: TritonDataType;
  readonly dims?: readonly number[];
  readonly reshape?: TensorReshape;
  readonly label_filename?: string;
  readonly is_shape_tensor?: boolean;
  readonly is_non_linear_format_io?: boolean;
}

export interface VersionPolicy {
  readonly latest?: { readonly num_versions?: number };
  readonly all?: Readonly<Record<string, never>>;
  readonly specific?: { readonly versions?: readonly number[] };
}

export interface DynamicBatching {
  readonly preferred_batch_size?: readonly number[];
  readonly max_queue_delay_microseconds?: number;
  readonly preserve_ordering?: boolean;
  readonly priority_levels?: number;
  readonly default_priority_level?: number;
}

export interface InstanceGroup {
  readonly name?: string;
  readonly count?: number;
  readonly kind?: InstanceKind;
  readonly gpus?: readonly number[];
  readonly profile?: readonly string[];
  readonly passive?: boolean;
  readonly host_policy?: string;
}

export interface Accelerator {
  readonly name?: string;
  readonly parameters?: Readonly<Record<string, string>>;
}

export interface OptimizationPolicy {
  readonly graph?: { readonly level?: number };
  readonly execution_accelerators?: {
    readonly gpu_execution_accelerator?: readonly Accelerator[];
    readonly cpu_execution_accelerator?: readonly Accelerator[];
  };
}

export interface WarmupInput {
  readonly data_type?: TritonDataType;
  readonly dims?: readonly number[];
  readonly zero_data?: boolean;
  readonly random_data?: boolean;
  readonly input_data_file?: string;
}

export interface ModelWarmup {
  readonly name?: string;
  readonly batch_size?: number;
  readonly inputs?: Readonly<Record<string, WarmupInput>>;
  readonly count?: number;
}

export interface ModelConfig {
  readonly name?: string;
  readonly platform?: string;
  readonly backend?: string;
  readonly runtime?: string;
  readonly version_policy?: VersionPolicy;
  readonly max_batch_size?: number;
  readonly input?: readonly ModelInput[];
  readonly output?: readonly ModelOutput[];
  readonly batch_input?: readonly object[];
  readonly batch_output?: readonly object[];
  readonly dynamic_batching?: DynamicBatching;
  readonly sequence_batching?: object;
  readonly ensemble_scheduling?: object;
  readonly instance_group?: readonly InstanceGroup[];
  readonly optimization?: OptimizationPolicy;
  readonly default_model_filename?: string;
  readonly cc_model_filenames?: Readonly<Record<string, string>>;
  readonly metric_tags?: Readonly<Record<string, string>>;
  readonly parameters?: Readonly<Record<string, { readonly string_value?: string }>>;
  readonly model_warmup?: readonly ModelWarmup[];
}

/** The platform of Triton's ONNX Runtime backend. */
export const ONNX_PLATFORM = 'onnxruntime_onnx';
export const ONNX_BACKEND = 'onnxruntime';
/** The model file (or directory) Triton's ONNX Runtime backend loads when default_model_filename is not set. */
export const ONNX_MODEL_FILE = 'model.onnx';
/** Triton's variable-size dimension. */
export const WILDCARD_DIM = -1;

/** ONNX TensorProto.DataType codes -> Triton data types (as the ONNX Runtime backend maps them). */
export const ONNX_TO_TRITON: Readonly<Record<number, TritonDataType>> = {
  1: 'TYPE_FP32',
  2: 'TYPE_UINT8',
  3: 'TYPE_INT8',
  4: 'TYPE_UINT16',
  5: 'TYPE_INT16',
  6: 'TYPE_INT32',
  7: 'TYPE_INT64',
  8: 'TYPE_STRING',
  9: 'TYPE_BOOL',
  10: 'TYPE_FP16',
  11: 'TYPE_FP64',
  12: 'TYPE_UINT32',
  13: 'TYPE_UINT64',
  16: 'TYPE_BF16',
};

/** The v2 inference protocol's name for a Triton data type (`FP32`; strings are `BYTES`). */
export function v2DataType(t: TritonDataType): string {
  return t === 'TYPE_STRING' ? 'BYTES' : t.slice('TYPE_'.length);
}
