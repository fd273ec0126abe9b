/**
 * A typed TypeScript module for one compiled model, written with ts-morph's code
 * generation API. It exports the model's input/output names and shapes as literal types
 * and constants, its metadata (params, MACs, depth, preprocessing), and
 * `load(path?, { ep })`, whose `run(input, batch)` resolves to typed outputs through
 * onnxruntime-node:
 *
 * ```ts
 * import { load, inputShape, metadata } from './resnet50.ts';
 * const m = await load();                       // the .onnx beside it by default
 * const { logits, dims } = await m.run(x, 1);    // dims: readonly [number, 1000]
 * ```
 *
 * The generated module depends on onnxruntime-node and Node only, not on netforge.
 */
import { dirname, relative, sep } from 'node:path';
import { IndentationText, Project, QuoteKind, VariableDeclarationKind, type CodeBlockWriter, type SourceFile, type WriterFunction } from 'ts-morph';
import type { Graph, Shape } from '../../ir/types.js';
import type { GraphStats } from '../../passes/analyze.js';
import { atomicWriteFileSync } from '../../io/atomicWrite.js';
import { NETFORGE_VERSION } from '../../version.js';
import { NetforgeError } from '../../errors.js';

export interface TypedWrapperOptions {
  /** Where the .ts module goes. */
  readonly path: string;
  /** The compiled ONNX file; `load()` opens it by default (relative to the module, so both can move together). */
  readonly onnxPath: string;
  /** The compiled graph (names, shapes, `netforge.preprocessing` metadata). */
  readonly graph: Graph;
  /** The model's statistics as defined (PyTorch's view: before BatchNorm folding). */
  readonly stats: GraphStats;
  /** Default: the graph's name. */
  readonly modelName?: string;
  /** How the module was made, for its header comment (e.g. the compile command line). */
  readonly command?: string;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

interface PreprocessingMeta {
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  readonly resize?: number;
  readonly crop?: number;
  readonly colorSpace?: string;
}

function batchAndRest(what: string, s: Shape): { readonly batch: string | number; readonly rest: readonly number[] } {
  const [batch, ...rest] = s;
  if (batch === undefined || typeof batch === 'object') throw new Error(`internal: ${what} has no batch dimension`);
  if (rest.some((d) => typeof d !== 'number')) throw new Error(`internal: ${what} has a symbolic dimension besides the batch`);
  return { batch, rest: rest as number[] };
}

/** A single-quoted string literal. */
const str = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;

/** A TypeScript literal for plain data: identifier keys bare, arrays on one line, objects one key a line. */
function literal(v: unknown, indent = ''): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return str(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => literal(x, indent)).join(', ')}]`;
  if (typeof v === 'object') {
    const inner = `${indent}  `;
    const rows = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${inner}${IDENT.test(k) ? k : str(k)}: ${literal(x, inner)},`);
    return rows.length === 0 ? '{}' : `{\n${rows.join('\n')}\n${indent}}`;
  }
  throw new Error(`internal: cannot write ${typeof v} as a literal`);
}

/** `['N', 3, 224, 224] as const` */
const shapeLiteral = (s: Shape): string => `${literal(s)} as const`;

/** Like literal(), through the writer so nested lines take its indentation. */
function writeLiteral(w: CodeBlockWriter, v: unknown): void {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    w.write(literal(v));
    return;
  }
  w.write('{').newLine();
  w.indent(() => {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined) continue;
      w.write(`${IDENT.test(k) ? k : str(k)}: `);
      writeLiteral(w, x);
      w.write(',').newLine();
    }
  });
  w.write('}');
}

function preprocessingOf(g: Graph): PreprocessingMeta | null {
  const raw = g.meta.get('netforge.preprocessing');
  if (raw === undefined) return null;
  return JSON.parse(raw) as PreprocessingMeta;
}

/** The module's text (pure: nothing is written). */
export function typedWrapperSource(o: TypedWrapperOptions): string {
  const g = o.graph;
  const inputName = g.inputs[0];
  const outputName = g.outputs[0];
  if (inputName === undefined || outputName === undefined || g.inputs.length !== 1 || g.outputs.length !== 1) {
    throw new Error(`internal: typed wrappers need one input and one output, ${g.name} has ${g.inputs.length} and ${g.outputs.length}`);
  }
  const inShape = g.values.get(inputName)!.shape;
  const outShape = g.values.get(outputName)!.shape;
  const input = batchAndRest('input', inShape);
  const output = batchAndRest('output', outShape);
  const perSample = input.rest.reduce((a, b) => a * b, 1);
  const name = o.modelName ?? g.name;
  if (outputName === 'dims') {
    throw new NetforgeError({ code: 'E_BAD_ARG', message: `the typed wrapper of ${g.name} returns { <output>, dims }, so the output cannot be named 'dims'`, hint: "set the model's outputName to something else (e.g. 'logits' or 'features')" });
  }
  const outKey = IDENT.test(outputName) ? outputName : str(outputName);
  const batchType = typeof input.batch === 'number' ? String(input.batch) : 'number';
  const outDimsType = `readonly [${[typeof output.batch === 'number' ? String(output.batch) : 'number', ...output.rest].join(', ')}]`;
  const inDimsExpr = `[batch, ${input.rest.join(', ')}]`;
  const outDimsExpr = `[${typeof output.batch === 'number' ? String(output.batch) : 'batch'}, ${output.rest.join(', ')}] as const`;
  let rel = relative(dirname(o.path), o.onnxPath).split(sep).join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  const pre = preprocessingOf(g);

  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { quoteKind: QuoteKind.Single, indentationText: IndentationText.TwoSpaces },
  });
  const sf: SourceFile = project.createSourceFile('/wrapper.ts');

  sf.addImportDeclaration({ moduleSpecifier: 'node:url', namedImports: ['fileURLToPath'] });
  sf.addImportDeclaration({ namespaceImport: 'ort', moduleSpecifier: 'onnxruntime-node' });

  const constant = (n: string, init: string | WriterFunction, doc: string, type?: string): void => {
    sf.addVariableStatement({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      declarations: [{ name: n, initializer: init, ...(type !== undefined ? { type } : {}) }],
      docs: [doc],
    });
  };
  constant('modelName', `${str(name)} as const`, 'The model this module was generated for.');
  constant('defaultOnnxPath', `fileURLToPath(new URL(${str(rel)}, import.meta.url))`, 'The compiled model, found beside this module by default.', 'string');
  constant('inputName', `${str(inputName)} as const`, 'The ONNX graph input.');
  constant('inputShape', shapeLiteral(inShape), `Input shape${typeof input.batch === 'string' ? ` ('${input.batch}' is the batch)` : ''}: [batch, channels, height, width].`);
  constant('inputSize', String(perSample), `Floats per sample: ${input.rest.join(' * ')}.`);
  constant('outputName', `${str(outputName)} as const`, 'The ONNX graph output.');
  constant('outputShape', shapeLiteral(outShape), 'Output shape.');
  sf.addTypeAlias({ isExported: true, name: 'InputShape', type: 'typeof inputShape', docs: ['The input shape as a type.'] });
  sf.addTypeAlias({ isExported: true, name: 'OutputShape', type: 'typeof outputShape', docs: ['The output shape as a type.'] });
  const metadata = {
    params: o.stats.params,
    trainableParams: o.stats.trainableParams,
    frozenParams: o.stats.frozenParams,
    macs: o.stats.macs,
    depth: o.stats.depth,
    mainPath: o.stats.mainPath,
    shortcutProjections: o.stats.shortcutProjections,
    preprocessing: pre,
    netforgeVersion: NETFORGE_VERSION,
  };
  // a statement of its own: an initializer's writer would hang-indent the object's lines
  sf.addStatements((w) => {
    w.writeLine('/** As compiled: PyTorch parameter count, multiply-accumulates per sample, main-path depth, and the preprocessing the weights expect (null if the model declares none). */');
    w.write('export const metadata = ');
    writeLiteral(w, metadata);
    w.write(' as const;');
  });

  sf.addTypeAlias({ isExported: true, name: 'ExecutionProvider', type: `'cpu' | 'webgpu' | 'cuda'`, docs: ['onnxruntime execution providers this module can ask for (what is available depends on the onnxruntime-node build).'] });
  sf.addInterface({
    isExported: true,
    name: 'LoadOptions',
    docs: ['Options for load().'],
    properties: [{ name: 'ep', type: 'ExecutionProvider', hasQuestionToken: true, isReadonly: true, docs: ["Default 'cpu'."] }],
  });
  sf.addInterface({
    isExported: true,
    name: 'Output',
    docs: [`What run() resolves to: the ${outputName} tensor, row-major, and its dimensions.`],
    properties: [
      { name: outKey, type: 'Float32Array', isReadonly: true },
      { name: 'dims', type: outDimsType, isReadonly: true },
    ],
  });
  sf.addInterface({
    isExported: true,
    name: 'LoadedModel',
    docs: ['A model ready to run.'],
    methods: [
      {
        name: 'run',
        parameters: [
          { name: 'input', type: 'Float32Array' },
          { name: 'batch', type: batchType },
        ],
        returnType: 'Promise<Output>',
        docs: [`Run \`batch\` samples: \`input\` holds batch * ${perSample} floats, [batch, ${input.rest.join(', ')}] row-major, preprocessed as metadata.preprocessing says.`],
      },
      { name: 'release', returnType: 'Promise<void>', docs: ['Free the onnxruntime session.'] },
    ],
  });
  sf.addFunction({
    isExported: true,
    isAsync: true,
    name: 'load',
    docs: ['Open the model in onnxruntime-node.'],
    parameters: [
      { name: 'path', type: 'string', initializer: 'defaultOnnxPath' },
      { name: 'options', type: 'LoadOptions', initializer: '{}' },
    ],
    returnType: 'Promise<LoadedModel>',
    statements: (w) => {
      w.writeLine(`const session = await ort.InferenceSession.create(path, { executionProviders: [options.ep ?? 'cpu'], logSeverityLevel: 3 });`);
      w.writeLine('return {');
      w.indent(() => {
        w.writeLine(`async run(input: Float32Array, batch: ${batchType}): Promise<Output> {`);
        w.indent(() => {
          w.writeLine('if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, got ${batch}`);');
          w.writeLine('if (input.length !== batch * inputSize) {');
          w.indent(() => w.writeLine(`throw new RangeError(\`expected batch * inputSize = \${batch * inputSize} floats for [\${batch}, ${input.rest.join(', ')}], got \${input.length}\`);`));
          w.writeLine('}');
          w.writeLine(`const outputs = await session.run({ [inputName]: new ort.Tensor('float32', input, ${inDimsExpr}) });`);
          w.writeLine('const t = outputs[outputName];');
          w.writeLine("if (t === undefined || !(t.data instanceof Float32Array)) throw new Error(`${modelName}: onnxruntime returned no float32 '${outputName}'`);");
          w.writeLine(`return { ${outKey}: t.data, dims: ${outDimsExpr} };`);
        });
        w.writeLine('},');
        w.writeLine('release: () => session.release(),');
      });
      w.writeLine('};');
    },
  });
  sf.insertStatements(0, (w) => {
    w.writeLine('/**');
    w.writeLine(` * ${name}: a typed onnxruntime-node wrapper, generated by netforge ${NETFORGE_VERSION}. Do not edit;`);
    w.writeLine(` * regenerate it${o.command ? ` with \`${o.command}\`` : ' with netforge compile --emit-ts'}.`);
    w.writeLine(' */');
  });
  // a blank line before each top-level doc comment
  return sf.getFullText().replace(/\n+\/\*\*/g, '\n\n/**');
}

/** Write the typed module to `o.path` (atomically). */
export function emitTypedWrapper(o: TypedWrapperOptions): void {
  atomicWriteFileSync(o.path, typedWrapperSource(o));
}
