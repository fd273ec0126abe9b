/**
 * The IR: plain readonly data. Behaviour lives in functions and tables (ops.ts,
 * verify.ts, passes/); nothing here has methods.
 */

/** Floating-point storage and compute types. */
export type FloatDType = 'float32' | 'float16';
/** Integer types of quantized tensors: 8-bit activations and weights, 32-bit biases. */
export type QuantDType = 'int8' | 'uint8' | 'int32';
export type DType = FloatDType | QuantDType;

/**
 * A dimension: a number, a symbol (the batch `N`, an input's `H` and `W`, or the user's
 * names), or an expression over symbols (`⌈H/32⌉`), always in the canonical form of
 * dim.ts, whose functions build and read them.
 */
export type Dim = number | string | DimExpr;

/** A polynomial over atoms with integer coefficients (dim.ts keeps it canonical). */
export interface DimExpr {
  readonly kind: 'expr';
  readonly terms: readonly DimTerm[];
}
export interface DimTerm {
  readonly coeff: number;
  /** Multiplied together; a repeated atom is a power. Empty for the constant term. */
  readonly atoms: readonly DimAtom[];
}
export type DimAtom =
  | { readonly kind: 'sym'; readonly name: string }
  /** floor(num / den), den >= 2. */
  | { readonly kind: 'floor'; readonly num: readonly DimTerm[]; readonly den: number };
export type Shape = readonly Dim[];

/** Where the user wrote something: `file:line:col`. */
export interface SourceLoc {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/**
 * Linear quantization of an integer tensor, as ONNX's QuantizeLinear/DequantizeLinear define
 * it: real = (q - zeroPoint) * scale. Per tensor: one scale and zero point. Per axis
 * (per channel): one of each for every index along `axis`. Scales are float32 values.
 * Rules the verifier holds (src/ir/verifyQuant.ts): an integer tensor always has one, a
 * float tensor never; int32 tensors (biases) have zero points 0.
 */
export interface Quantization {
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
  /** Present for per-axis quantization: the axis the scales run along. */
  readonly axis?: number;
}

/** An activation tensor flowing between nodes (graph inputs included). */
export interface Value {
  readonly id: string;
  readonly dtype: DType;
  readonly shape: Shape;
  /** Present exactly when dtype is an integer type (the output of a QuantizeLinear). */
  readonly quant?: Quantization;
}

/** How a parameter is initialized when no weights file gives it. */
export type InitSpec =
  | { readonly kind: 'const'; readonly value: number }
  /** kaiming_normal_(mode='fan_out', nonlinearity='relu'): std = sqrt(2 / fan_out). */
  | { readonly kind: 'kaimingNormalFanOut'; readonly fanOut: number }
  /** uniform in [-bound, bound] (PyTorch's default Linear/Conv init). */
  | { readonly kind: 'uniform'; readonly bound: number };

/** What a parameter is, in PyTorch's terms. Buffers are not counted as parameters. */
export type ParamRole = 'weight' | 'bias' | 'running_mean' | 'running_var';

export interface Param {
  /** The state_dict key, e.g. `layer1.0.downsample.0.weight`. */
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly role: ParamRole;
  /** A PyTorch parameter (true) or a buffer such as running_mean (false). */
  readonly isParameter: boolean;
  /** Parameters can be frozen (transfer learning); buffers are never trainable. */
  readonly trainable: boolean;
  readonly init: InitSpec;
  /** Values, once initialized or loaded; float32 (float16 as raw Uint16 bits, int8/uint8/int32 as their own arrays). */
  readonly data?: Float32Array | Uint16Array | Int8Array | Uint8Array | Int32Array;
  /**
   * Present exactly when dtype is an integer type: a quantized weight (int8) or bias (int32).
   * The op that reads it computes with the dequantized values (the ONNX form is
   * DequantizeLinear(param) -> op; see src/backends/onnx/qdq.ts).
   */
  readonly quant?: Quantization;
}

export type IntPair = readonly [number, number];
/** ONNX order: [top, left, bottom, right]. */
export type Pads4 = readonly [number, number, number, number];

export interface ConvAttrs {
  readonly kernel: IntPair;
  readonly stride: IntPair;
  readonly pads: Pads4;
  readonly dilation: IntPair;
  readonly groups: number;
}
export interface BatchNormAttrs {
  readonly eps: number;
  /** Recorded for fidelity with PyTorch (training only; inference ignores it). */
  readonly momentum: number;
}
export interface PoolAttrs {
  readonly kernel: IntPair;
  readonly stride: IntPair;
  readonly pads: Pads4;
  readonly ceilMode: boolean;
}
export interface AvgPoolAttrs extends PoolAttrs {
  readonly countIncludePad: boolean;
}
export interface FlattenAttrs {
  readonly axis: number;
}
export interface PadAttrs {
  /** ONNX order: all begins, then all ends, one per axis. */
  readonly pads: readonly number[];
  readonly value: number;
}
export interface SliceAttrs {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  readonly axes: readonly number[];
  readonly steps: readonly number[];
}
export interface ReduceMeanAttrs {
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}
export interface CastAttrs {
  readonly to: FloatDType;
}
export interface QuantizeAttrs {
  /** The integer type of the output; its scale and zero point are the output value's `quant`. */
  readonly to: 'int8' | 'uint8';
}
export interface ConcatAttrs {
  /** The axis the inputs are joined along (non-negative). */
  readonly axis: number;
}
/**
 * Bilinear resizing of the two spatial axes of an [N, C, H, W] tensor, exactly as
 * F.interpolate(mode='bilinear', align_corners=False): ONNX Resize, mode linear,
 * coordinate_transformation_mode half_pixel. The output size is `floor(in * scale)`
 * (`target: 'scale'`, each factor a multiple of 1/2^k so ONNX's float32 scales hold it
 * exactly), a fixed [H, W] (`'size'`), or the spatial size of the node's second input
 * (`'like'`: the image-pooling branch back to its feature map, logits back to the input).
 */
export type ResizeAttrs =
  | { readonly mode: 'bilinear'; readonly target: 'scale'; readonly scales: readonly [number, number] }
  | { readonly mode: 'bilinear'; readonly target: 'size'; readonly size: IntPair }
  | { readonly mode: 'bilinear'; readonly target: 'like' };
export interface DropoutAttrs {
  /** torch.nn.Dropout's p, recorded; inference is the identity (eliminate-identity removes the node). */
  readonly ratio: number;
}
export type NoAttrs = Readonly<Record<string, never>>;

/** Every op kind and its attributes. Adding an op: one entry here and one in ops.ts. */
export interface OpAttrMap {
  readonly Conv: ConvAttrs;
  readonly BatchNormalization: BatchNormAttrs;
  readonly Relu: NoAttrs;
  readonly Sigmoid: NoAttrs;
  readonly MaxPool: PoolAttrs;
  readonly AveragePool: AvgPoolAttrs;
  readonly GlobalAveragePool: NoAttrs;
  readonly ReduceMean: ReduceMeanAttrs;
  readonly Flatten: FlattenAttrs;
  readonly Gemm: NoAttrs;
  readonly Add: NoAttrs;
  readonly Mul: NoAttrs;
  readonly Pad: PadAttrs;
  readonly Slice: SliceAttrs;
  readonly Identity: NoAttrs;
  readonly Cast: CastAttrs;
  /** float -> int8/uint8: saturate(round_half_even(x / scale) + zeroPoint), parameters from the output value. */
  readonly QuantizeLinear: QuantizeAttrs;
  /** int8/uint8 -> float32: (x - zeroPoint) * scale, parameters from the input value. */
  readonly DequantizeLinear: NoAttrs;
  readonly Concat: ConcatAttrs;
  readonly Resize: ResizeAttrs;
  readonly Dropout: DropoutAttrs;
}
export type OpKind = keyof OpAttrMap;

interface NodeBase<K extends OpKind> {
  /** Unique node name: the module path, suffixed when a module is called twice (`layer1.0.relu_1`). */
  readonly name: string;
  readonly op: K;
  readonly attrs: OpAttrMap[K];
  /** Activation inputs (value ids). */
  readonly inputs: readonly string[];
  /** Parameter inputs (state_dict names), in the op's order (Conv: weight, bias?). */
  readonly params: readonly string[];
  readonly outputs: readonly string[];
  /** The PyTorch module this node belongs to, e.g. `layer1.0.conv1`. */
  readonly module: string;
  /** Where the user wrote it. */
  readonly loc?: SourceLoc;
}
export type NodeOf<K extends OpKind> = NodeBase<K>;
export type Node = { readonly [K in OpKind]: NodeBase<K> }[OpKind];

/**
 * What a module is, as the builder knew it: a stage (makeLayer's nn.Sequential of blocks),
 * a block (a BlockDef's build: `Bottleneck`, or the user's own), or a head. Reports read
 * these facts instead of guessing from module names.
 */
export type ModuleKind = 'stage' | 'block' | 'head';

export interface ModuleInfo {
  /** Module path, e.g. `layer3` or `layer3.2`. */
  readonly path: string;
  readonly kind: ModuleKind;
  /** The PyTorch class: `Sequential` for a stage, `Bottleneck`, `SEBottleneck`, `FCNHead` ... */
  readonly type: string;
}

/** A record of one BatchNorm folded into one Conv, kept for metadata and reports. */
export interface FoldRecord {
  readonly bn: string;
  readonly conv: string;
}

/** What a symbolic input dim means (the batch `N`, an image's `H` and `W`, the user's own). */
export interface SymbolInfo {
  /**
   * The size MACs and declared expectations are evaluated at: the model's declared size
   * (224 for an ImageNet model's H and W), 1 for the batch.
   */
  readonly reference: number;
  /** Allowed sizes are the positive multiples of this (an input constraint). Default 1. */
  readonly multipleOf: number;
}

export interface Graph {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Every activation value by id, graph inputs included. */
  readonly values: ReadonlyMap<string, Value>;
  /** Topologically ordered. */
  readonly nodes: readonly Node[];
  /** Parameters and buffers by state_dict name, in definition order. */
  readonly params: ReadonlyMap<string, Param>;
  /** Free-form, string-valued facts carried to the ONNX metadata (config, preprocessing, folds). */
  readonly meta: ReadonlyMap<string, string>;
  /** Stages, blocks and heads as the model was built, in the order they were entered (outer before inner). */
  readonly modules: readonly ModuleInfo[];
  /** The input symbols every symbolic dim is written in (always the batch `N`). */
  readonly symbols: ReadonlyMap<string, SymbolInfo>;
}

/**
 * What a model must be, checked by the verify-structure pass (a mismatch fails the compile
 * with a diff). The DSL's defineModel({ expect }) declares it.
 */
export interface StructureExpectations {
  /** Weighted layers on the longest input->output path, by kind. ResNet-50: { conv: 49, linear: 1 }. */
  readonly mainPath?: { readonly conv: number; readonly linear: number };
  /** Main-path depth (conv + linear). ResNet-50: 50. */
  readonly depth?: number;
  /** Convs off the main path that project a shortcut. ResNet-50: 4. */
  readonly shortcutProjections?: number;
  /** PyTorch parameter count (buffers excluded). */
  readonly params?: number;
  /** Conv + Gemm multiply-accumulates for one sample at the model's input size. */
  readonly macs?: number;
  /** ONNX op counts that must match exactly (ops not listed must be absent). */
  readonly ops?: Readonly<Record<string, number>>;
}
