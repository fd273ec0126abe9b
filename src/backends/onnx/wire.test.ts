import { describe, expect, test } from 'vitest';
import protobuf from 'protobufjs/minimal.js';
import { onnx } from './proto.js';
import { ATTRIBUTE_TYPE, DATA_LOCATION } from './constants.js';
import { WireWriter, encode, encodeAttribute, encodeGraph, encodeModelHeader, encodeNode, encodeTensorHeader, lengthPrefix } from './wire.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('wire encoding equals onnx-proto (protobufjs) byte for byte', () => {
  test('attributes of every kind netforge writes, negative ints included', () => {
    const attrs = [
      { name: 'axis', type: ATTRIBUTE_TYPE.INT, i: -1 },
      { name: 'big', type: ATTRIBUTE_TYPE.INT, i: 2 ** 40 + 3 },
      { name: 'pads', type: ATTRIBUTE_TYPE.INTS, ints: [0, 1, -2, 300] },
      { name: 'epsilon', type: ATTRIBUTE_TYPE.FLOAT, f: 1e-5 },
      { name: 'scales', type: ATTRIBUTE_TYPE.FLOATS, floats: [0.5, -3.25] },
      { name: 'mode', type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode('constant') },
      { name: 'zero', type: ATTRIBUTE_TYPE.INT, i: 0 },
    ];
    for (const a of attrs) expect(hex(encode(a, encodeAttribute))).toBe(hex(onnx.AttributeProto.encode(a).finish()));
  });

  test('a node with inputs, outputs, empty optional input, attributes and a doc string', () => {
    const n = {
      name: 'layer1.0.conv1',
      opType: 'Conv',
      input: ['x', 'layer1.0.conv1.weight', ''],
      output: ['layer1.0.conv1'],
      attribute: [{ name: 'strides', type: ATTRIBUTE_TYPE.INTS, ints: [2, 2] }],
      docString: 'layer1.0.conv1 — ünïcode',
    };
    expect(hex(encode(n, encodeNode))).toBe(hex(onnx.NodeProto.encode(n).finish()));
  });

  test('a graph with symbolic and fixed dims', () => {
    const vi = (name: string) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 3 }, { dimValue: 224 }, { dimValue: 0 }] } } } });
    const g = {
      name: 'resnet',
      node: [{ name: 'r', opType: 'Relu', input: ['x'], output: ['y'], attribute: [] }],
      input: [vi('x')],
      output: [vi('y')],
      valueInfo: [vi('z')],
    };
    expect(hex(encode(g, encodeGraph))).toBe(hex(onnx.GraphProto.encode(g).finish()));
  });

  test('tensor headers, inline and external', () => {
    const inline = { name: 'fc.weight', dims: [1000, 2048], dataType: 1 };
    expect(hex(encode(inline, encodeTensorHeader))).toBe(hex(onnx.TensorProto.encode(inline).finish()));
    const ext = {
      name: 'conv1.weight',
      dims: [64, 3, 7, 7],
      dataType: 10,
      dataLocation: DATA_LOCATION.EXTERNAL,
      externalData: [
        { key: 'location', value: 'm.onnx.data' },
        { key: 'offset', value: '4096' },
        { key: 'length', value: '18816' },
      ],
    };
    expect(hex(encode(ext, encodeTensorHeader))).toBe(hex(onnx.TensorProto.encode(ext).finish()));
  });

  test('model header with opsets and metadata', () => {
    const m = {
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      producerName: 'netforge',
      producerVersion: '0.1.0',
      docString: 'resnet50, compiled by netforge',
      metadataProps: [{ key: 'netforge.params', value: '25557032' }],
    };
    expect(hex(encode(m, encodeModelHeader))).toBe(hex(onnx.ModelProto.encode(m).finish()));
  });

  test('length prefixes of small and large fields', () => {
    for (const [field, len] of [[7, 0], [5, 127], [5, 128], [9, 102_760_448], [7, 2 ** 31 - 1], [20, 3]] as const) {
      const ref = protobuf.Writer.create().uint32(((field << 3) | 2) >>> 0).uint32(len).finish();
      expect(hex(lengthPrefix(field, len))).toBe(hex(ref));
    }
  });
});

describe('WireWriter', () => {
  test('grows past its initial buffer', () => {
    const w = new WireWriter();
    const big = new Uint8Array(10_000).fill(7);
    w.bytesField(9, big);
    const out = w.finish();
    expect(out.byteLength).toBe(1 + 2 + 10_000);
    expect(out[out.byteLength - 1]).toBe(7);
  });

  test('refuses a field it does not encode instead of dropping it', () => {
    expect(() => encode({ name: 'w', rawData: new Uint8Array(4) }, encodeTensorHeader)).toThrow(/TensorProto\.rawData/);
    expect(() => encode({ name: 'a', t: { name: 'x' } }, encodeAttribute)).toThrow(/AttributeProto\.t/);
  });
});
