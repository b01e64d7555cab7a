/**
 * A small ONNX GraphProto builder over `onnx-proto` (protobufjs classes). Nodes get unique
 * output names; weights are initializers that point into one external weights file, so a
 * graph file stays a few kilobytes however large the model is.
 */
import onnxProto from 'onnx-proto';
import type { WeightTable } from './weight-table';

// onnx-proto is CommonJS: its one export is the `onnx` namespace object.
export const { onnx } = onnxProto;

/** Opset 17 gives LayerNormalization; `com.microsoft` gives ORT's fused Attention. */
export const OPSETS = [
  { domain: '', version: 17 },
  { domain: 'com.microsoft', version: 1 },
];
/** IR version 8 is what opset 17 requires. */
export const IR_VERSION = 8;

/** One attribute value, tagged by its ONNX type. */
export type Attr = { i: number } | { f: number } | { ints: number[] } | { s: string };

/** Element types used by the graphs. */
export const ElemType = { float: 1, int8: 3, int32: 6, int64: 7 } as const;

/** A symbolic or fixed dimension of a graph input/output. */
export type Dim = string | number;

function attribute(name: string, value: Attr): InstanceType<typeof onnx.AttributeProto> {
  const T = onnx.AttributeProto.AttributeType;
  if ('i' in value) return onnx.AttributeProto.create({ name, type: T.INT, i: value.i });
  if ('f' in value) return onnx.AttributeProto.create({ name, type: T.FLOAT, f: value.f });
  if ('ints' in value) return onnx.AttributeProto.create({ name, type: T.INTS, ints: value.ints });
  return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(value.s) });
}

/** A graph input/output declaration. */
export function valueInfo(name: string, elemType: number, dims: Dim[]): InstanceType<typeof onnx.ValueInfoProto> {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim } } } });
}

/** Accumulates nodes, initializers and graph inputs/outputs; `encode()` gives ModelProto bytes. */
export class GraphBuilder {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly usedWeights = new Set<string>();
  private readonly constants = new Map<string, string>();
  private counter = 0;

  constructor(
    private readonly graphName: string,
    private readonly weights: WeightTable,
  ) {}

  input(name: string, elemType: number, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Marks `value` as a graph output under `name` (an Identity node renames it). */
  output(value: string, name: string, elemType: number, dims: Dim[]): void {
    this.node('Identity', [value], {}, { outputName: name });
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** Adds a node; returns its single output name (or all of them when `outputs` > 1). */
  node(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, opts: { domain?: string; outputName?: string } = {}): string {
    return this.nodeN(opType, inputs, 1, attrs, opts)[0];
  }

  nodeN(
    opType: string,
    inputs: string[],
    outputCount: number,
    attrs: Record<string, Attr> = {},
    opts: { domain?: string; outputName?: string } = {},
  ): string[] {
    const id = this.counter++;
    const outputs = Array.from({ length: outputCount }, (_, j) =>
      opts.outputName && outputCount === 1 ? opts.outputName : `${opType.toLowerCase()}_${id}_${j}`,
    );
    this.nodes.push(
      onnx.NodeProto.create({
        name: `${opType}_${id}`,
        opType,
        domain: opts.domain ?? '',
        input: inputs,
        output: outputs,
        attribute: Object.entries(attrs).map(([n, v]) => attribute(n, v)),
      }),
    );
    return outputs;
  }

  /** A named weight from the external weights file, added as an initializer on first use. */
  weight(name: string): string {
    if (this.usedWeights.has(name)) return name;
    const entry = this.weights.entries[name];
    if (!entry) throw new Error(`graph builder: weight ${name} is not in the weight table`);
    this.usedWeights.add(name);
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims: entry.dims,
        dataType: entry.dataType ?? ElemType.float,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: entry.location ?? this.weights.location },
          { key: 'offset', value: String(entry.offset) },
          { key: 'length', value: String(entry.length) },
        ],
      }),
    );
    return name;
  }

  /** A small int64 constant (shapes, axes, split sizes), shared by value. */
  ints(values: number[]): string {
    return this.constant(`i64[${values.join(',')}]`, () =>
      onnx.TensorProto.create({ dims: [values.length], dataType: ElemType.int64, int64Data: values }),
    );
  }

  /** A float32 scalar constant, shared by value. */
  scalar(value: number): string {
    return this.constant(`f32(${value})`, () => onnx.TensorProto.create({ dims: [], dataType: ElemType.float, floatData: [value] }));
  }

  private constant(key: string, make: () => InstanceType<typeof onnx.TensorProto>): string {
    const existing = this.constants.get(key);
    if (existing) return existing;
    const tensor = make();
    tensor.name = `const_${this.constants.size}`;
    this.initializers.push(tensor);
    this.constants.set(key, tensor.name);
    return tensor.name;
  }

  /** Serialises the ModelProto. */
  encode(): Uint8Array {
    const graph = onnx.GraphProto.create({
      name: this.graphName,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    });
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: OPSETS,
      producerName: 'deformer-desk',
      graph,
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
