/**
 * Triton's model configuration schema (`inference.ModelConfig`, protobuf/model_config.proto in
 * triton-inference-server/common) as data: every message netforge reads or writes, with each
 * field's name, number, type and cardinality as the published .proto declares them (checked
 * field by field against it; test/fixtures/triton/model_config_subset.proto holds the part
 * netforge writes, and a test compares the two).
 *
 * One table drives the text-format decoder (./decode.ts: unknown fields, wrong types, enum
 * names, oneofs) and the writer (./format.ts: field order). Messages netforge does not look
 * into (sequence batching, ensembles, rate limiters, CUDA graphs, ...) are `opaque`: their
 * content must be well-formed text format, and is otherwise passed over, so a valid config
 * that uses them is never reported.
 */

export type ScalarType = 'string' | 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'float' | 'double';

export type FieldType =
  | { readonly kind: 'scalar'; readonly scalar: ScalarType }
  | { readonly kind: 'enum'; readonly enum: string }
  | { readonly kind: 'message'; readonly message: string }
  | { readonly kind: 'map'; readonly key: ScalarType; readonly value: FieldType };

export interface FieldSpec {
  readonly name: string;
  readonly number: number;
  readonly type: FieldType;
  readonly repeated?: boolean;
  /** The oneof this field belongs to (at most one member may be set). */
  readonly oneof?: string;
}

export interface MessageSpec {
  /** Full name as in the .proto, e.g. `ModelInput`, `ModelWarmup.Input`. */
  readonly name: string;
  /** Fields in the order netforge writes them. */
  readonly fields: readonly FieldSpec[];
  /** Content accepted as well-formed text format without looking into it. */
  readonly opaque?: boolean;
}

const s = (scalar: ScalarType): FieldType => ({ kind: 'scalar', scalar });
const e = (name: string): FieldType => ({ kind: 'enum', enum: name });
const m = (message: string): FieldType => ({ kind: 'message', message });
const map = (key: ScalarType, value: FieldType): FieldType => ({ kind: 'map', key, value });
const f = (name: string, number: number, type: FieldType, extra: { repeated?: boolean; oneof?: string } = {}): FieldSpec => ({ name, number, type, ...extra });
const rep = { repeated: true } as const;

export const ENUMS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  DataType: {
    TYPE_INVALID: 0,
    TYPE_BOOL: 1,
    TYPE_UINT8: 2,
    TYPE_UINT16: 3,
    TYPE_UINT32: 4,
    TYPE_UINT64: 5,
    TYPE_INT8: 6,
    TYPE_INT16: 7,
    TYPE_INT32: 8,
    TYPE_INT64: 9,
    TYPE_FP16: 10,
    TYPE_FP32: 11,
    TYPE_FP64: 12,
    TYPE_STRING: 13,
    TYPE_BF16: 14,
  },
  'ModelInstanceGroup.Kind': { KIND_AUTO: 0, KIND_GPU: 1, KIND_CPU: 2, KIND_MODEL: 3 },
  'ModelInput.Format': { FORMAT_NONE: 0, FORMAT_NHWC: 1, FORMAT_NCHW: 2 },
  'ModelOptimizationPolicy.ModelPriority': { PRIORITY_DEFAULT: 0, PRIORITY_MAX: 1, PRIORITY_MIN: 2 },
  'ModelQueuePolicy.TimeoutAction': { REJECT: 0, DELAY: 1 },
};

const MESSAGE_LIST: readonly MessageSpec[] = [
  {
    name: 'ModelConfig',
    fields: [
      f('name', 1, s('string')),
      f('platform', 2, s('string')),
      f('backend', 17, s('string')),
      f('runtime', 25, s('string')),
      f('version_policy', 3, m('ModelVersionPolicy')),
      f('max_batch_size', 4, s('int32')),
      f('input', 5, m('ModelInput'), rep),
      f('output', 6, m('ModelOutput'), rep),
      f('batch_input', 20, m('BatchInput'), rep),
      f('batch_output', 21, m('BatchOutput'), rep),
      f('dynamic_batching', 11, m('ModelDynamicBatching'), { oneof: 'scheduling_choice' }),
      f('sequence_batching', 13, m('ModelSequenceBatching'), { oneof: 'scheduling_choice' }),
      f('ensemble_scheduling', 15, m('ModelEnsembling'), { oneof: 'scheduling_choice' }),
      f('instance_group', 7, m('ModelInstanceGroup'), rep),
      f('optimization', 12, m('ModelOptimizationPolicy')),
      f('default_model_filename', 8, s('string')),
      f('cc_model_filenames', 9, map('string', s('string'))),
      f('metric_tags', 10, map('string', s('string'))),
      f('parameters', 14, map('string', m('ModelParameter'))),
      f('model_warmup', 16, m('ModelWarmup'), rep),
      f('model_operations', 18, m('ModelOperations')),
      f('model_transaction_policy', 19, m('ModelTransactionPolicy')),
      f('model_repository_agents', 23, m('ModelRepositoryAgents')),
      f('response_cache', 24, m('ModelResponseCache')),
      f('model_metrics', 26, m('ModelMetrics')),
    ],
  },
  {
    name: 'ModelVersionPolicy',
    fields: [
      f('latest', 1, m('ModelVersionPolicy.Latest'), { oneof: 'policy_choice' }),
      f('all', 2, m('ModelVersionPolicy.All'), { oneof: 'policy_choice' }),
      f('specific', 3, m('ModelVersionPolicy.Specific'), { oneof: 'policy_choice' }),
    ],
  },
  { name: 'ModelVersionPolicy.Latest', fields: [f('num_versions', 1, s('uint32'))] },
  { name: 'ModelVersionPolicy.All', fields: [] },
  { name: 'ModelVersionPolicy.Specific', fields: [f('versions', 1, s('int64'), rep)] },
  {
    name: 'ModelInput',
    fields: [
      f('name', 1, s('string')),
      f('data_type', 2, e('DataType')),
      f('format', 3, e('ModelInput.Format')),
      f('dims', 4, s('int64'), rep),
      f('reshape', 5, m('ModelTensorReshape')),
      f('is_shape_tensor', 6, s('bool')),
      f('allow_ragged_batch', 7, s('bool')),
      f('optional', 8, s('bool')),
      f('is_non_linear_format_io', 9, s('bool')),
    ],
  },
  {
    name: 'ModelOutput',
    fields: [
      f('name', 1, s('string')),
      f('data_type', 2, e('DataType')),
      f('dims', 3, s('int64'), rep),
      f('reshape', 5, m('ModelTensorReshape')),
      f('label_filename', 4, s('string')),
      f('is_shape_tensor', 6, s('bool')),
      f('is_non_linear_format_io', 7, s('bool')),
    ],
  },
  { name: 'ModelTensorReshape', fields: [f('shape', 1, s('int64'), rep)] },
  {
    name: 'ModelDynamicBatching',
    fields: [
      f('preferred_batch_size', 1, s('int32'), rep),
      f('max_queue_delay_microseconds', 2, s('uint64')),
      f('preserve_ordering', 3, s('bool')),
      f('priority_levels', 4, s('uint64')),
      f('default_priority_level', 5, s('uint64')),
      f('default_queue_policy', 6, m('ModelQueuePolicy')),
      f('priority_queue_policy', 7, map('uint64', m('ModelQueuePolicy'))),
    ],
  },
  {
    name: 'ModelQueuePolicy',
    fields: [
      f('timeout_action', 1, e('ModelQueuePolicy.TimeoutAction')),
      f('default_timeout_microseconds', 2, s('uint64')),
      f('allow_timeout_override', 3, s('bool')),
      f('max_queue_size', 4, s('uint32')),
    ],
  },
  {
    name: 'ModelInstanceGroup',
    fields: [
      f('name', 1, s('string')),
      f('count', 2, s('int32')),
      f('kind', 4, e('ModelInstanceGroup.Kind')),
      f('gpus', 3, s('int32'), rep),
      f('rate_limiter', 6, m('ModelRateLimiter')),
      f('secondary_devices', 8, m('ModelInstanceGroup.SecondaryDevice'), rep),
      f('profile', 5, s('string'), rep),
      f('passive', 7, s('bool')),
      f('host_policy', 9, s('string')),
    ],
  },
  {
    name: 'ModelOptimizationPolicy',
    fields: [
      f('graph', 1, m('ModelOptimizationPolicy.Graph')),
      f('priority', 2, e('ModelOptimizationPolicy.ModelPriority')),
      f('cuda', 3, m('ModelOptimizationPolicy.Cuda')),
      f('execution_accelerators', 4, m('ModelOptimizationPolicy.ExecutionAccelerators')),
      f('input_pinned_memory', 5, m('ModelOptimizationPolicy.PinnedMemoryBuffer')),
      f('output_pinned_memory', 6, m('ModelOptimizationPolicy.PinnedMemoryBuffer')),
      f('gather_kernel_buffer_threshold', 7, s('uint32')),
      f('eager_batching', 8, s('bool')),
    ],
  },
  { name: 'ModelOptimizationPolicy.Graph', fields: [f('level', 1, s('int32'))] },
  {
    name: 'ModelOptimizationPolicy.ExecutionAccelerators',
    fields: [
      f('gpu_execution_accelerator', 1, m('ModelOptimizationPolicy.ExecutionAccelerators.Accelerator'), rep),
      f('cpu_execution_accelerator', 2, m('ModelOptimizationPolicy.ExecutionAccelerators.Accelerator'), rep),
    ],
  },
  {
    name: 'ModelOptimizationPolicy.ExecutionAccelerators.Accelerator',
    fields: [f('name', 1, s('string')), f('parameters', 2, map('string', s('string')))],
  },
  { name: 'ModelOptimizationPolicy.PinnedMemoryBuffer', fields: [f('enable', 1, s('bool'))] },
  { name: 'ModelParameter', fields: [f('string_value', 1, s('string'))] },
  {
    name: 'ModelWarmup',
    fields: [
      f('name', 1, s('string')),
      f('batch_size', 2, s('uint32')),
      f('inputs', 3, map('string', m('ModelWarmup.Input'))),
      f('count', 4, s('uint32')),
    ],
  },
  {
    name: 'ModelWarmup.Input',
    fields: [
      f('data_type', 1, e('DataType')),
      f('dims', 2, s('int64'), rep),
      f('zero_data', 3, s('bool'), { oneof: 'input_data_type' }),
      f('random_data', 4, s('bool'), { oneof: 'input_data_type' }),
      f('input_data_file', 5, s('string'), { oneof: 'input_data_type' }),
    ],
  },
  { name: 'ModelOperations', fields: [f('op_library_filename', 1, s('string'), rep)] },
  { name: 'ModelTransactionPolicy', fields: [f('decoupled', 1, s('bool'))] },
  { name: 'ModelResponseCache', fields: [f('enable', 1, s('bool'))] },
  // Read as well-formed text only.
  { name: 'BatchInput', fields: [], opaque: true },
  { name: 'BatchOutput', fields: [], opaque: true },
  { name: 'ModelSequenceBatching', fields: [], opaque: true },
  { name: 'ModelEnsembling', fields: [], opaque: true },
  { name: 'ModelRateLimiter', fields: [], opaque: true },
  { name: 'ModelInstanceGroup.SecondaryDevice', fields: [], opaque: true },
  { name: 'ModelOptimizationPolicy.Cuda', fields: [], opaque: true },
  { name: 'ModelRepositoryAgents', fields: [], opaque: true },
  { name: 'ModelMetrics', fields: [], opaque: true },
];

export const MESSAGES: ReadonlyMap<string, MessageSpec> = new Map(MESSAGE_LIST.map((msg) => [msg.name, msg]));

export function messageSpec(name: string): MessageSpec {
  const spec = MESSAGES.get(name);
  if (spec === undefined) throw new Error(`internal: no schema for message ${name}`);
  return spec;
}

export function fieldOf(spec: MessageSpec, name: string): FieldSpec | undefined {
  return spec.fields.find((x) => x.name === name);
}
