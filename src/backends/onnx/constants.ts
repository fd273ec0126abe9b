/**
 * ONNX enum codes and versions that the writer needs, without loading the generated
 * protobuf classes (onnx-proto costs ~100 ms to import; see BENCHMARKS.md).
 */

/** TensorProto.DataType codes. */
export const ONNX_DTYPE = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11, bfloat16: 16 } as const;

/** AttributeProto.AttributeType codes. */
export const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** TensorProto.DataLocation codes. */
export const DATA_LOCATION = { DEFAULT: 0, EXTERNAL: 1 } as const;

/** The IR version each opset came with (ONNX's versioning table); the model declares the matching one. */
export function irVersionFor(opset: number): number {
  if (opset <= 8) return 3;
  if (opset === 9) return 4;
  if (opset === 10) return 5;
  if (opset === 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

export const MIN_OPSET = 11;
export const MAX_OPSET = 21;
export const DEFAULT_OPSET = 17;
