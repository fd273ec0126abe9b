/**
 * A typed TypeScript module for one compiled model, written with ts-morph's code
 * generation API. It exports the model's input/output names and shapes as literal types
 * and constants, its metadata (params, MACs, depth, preprocessing), and
 * `load(model, { ep })`, whose `run(input, batch)` resolves to typed outputs:
 *
 * ```ts
 * import { load, inputShape, metadata } from './resnet50.js';
 * const m = await load('models/resnet50.onnx');  // a path, a file: URL or the bytes
 * const { logits, dims } = await m.run(x, 1);    // dims: readonly [number, 1000]
 * ```
 *
 * A model with several outputs resolves to one `{ data, dims }` per output name; a model
 * with symbolic sizes takes them as a third argument (`run(x, 1, { H: 320, W: 480 })`),
 * checked against its minimum input before onnxruntime sees them. Fixed dims are literal
 * types, symbolic ones `number`.
 *
 * Where the model is: load() takes it, always. A default relative to the module's own file
 * breaks as soon as the app is compiled into an outDir or bundled (the .onnx is not copied
 * along), so the caller says where it is: a path resolves against the working directory
 * like any fs path, and `new URL('../models/m.onnx', import.meta.url)` resolves against the
 * caller's own file, for an app that ships the .onnx at a fixed place beside its code.
 *
 * The generated module imports `netforge/runtime` (which loads onnxruntime-node and checks
 * that the file has the wrapper's input and output names), so an app running it depends on
 * netforge and onnxruntime-node, both declared in its package.json.
 */
import { basename } from 'node:path';
import { IndentationText, Project, QuoteKind, VariableDeclarationKind, type CodeBlockWriter, type SourceFile, type WriterFunction } from 'ts-morph';
import type { Graph, Shape } from '../../ir/types.js';
import type { GraphStats } from '../../passes/analyze.js';
import { atomicWriteFileSync } from '../../io/atomicWrite.js';
import { NETFORGE_VERSION } from '../../version.js';
import { NetforgeError } from '../../errors.js';
import { dimText } from '../../ir/dim.js';
import { printable } from '../../printable.js';

export interface TypedWrapperOptions {
  /** Where the .ts module goes. */
  readonly path: string;
  /** The compiled ONNX file (its name is recorded as `onnxFile`; load() is told where it is). */
  readonly onnxPath: string;
  /** The compiled graph (names, shapes, `netforge.preprocessing` metadata). */
  readonly graph: Graph;
  /** The model's statistics as defined (PyTorch's view: before BatchNorm folding). */
  readonly stats: GraphStats;
  /** Default: the graph's name. */
  readonly modelName?: string;
  /** How the module was made, for its header comment (e.g. the compile command line). */
  readonly command?: string;
  /** The module the wrapper imports its runtime from. Default 'netforge/runtime'. */
  readonly runtimeModule?: string;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

interface PreprocessingMeta {
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  readonly resize?: number;
  readonly crop?: number;
  readonly colorSpace?: string;
}

/** A single-quoted string literal of any string (control characters, quotes, backslashes, line separators escaped, via JSON). */
const str = (s: string): string => `'${JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'").replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')}'`;

/** Text for inside a comment: one line (control characters escaped), in which a star and a slash can never close the comment. */
const commentText = (s: string): string => printable(s).replace(/\*\//g, '*\\/');

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

/** A dims tuple type: fixed sizes as literal types, symbolic ones `number`. */
const dimsType = (s: Shape): string => `readonly [${s.map((d) => (typeof d === 'number' ? String(d) : 'number')).join(', ')}]`;
/** A shape as JSON-like data: symbols and expressions as their text (`ceil(H/32)`). */
const shapeData = (s: Shape): (number | string)[] => s.map((d) => (typeof d === 'number' ? d : dimText(d)));

/** The module's text (pure: nothing is written). */
export function typedWrapperSource(o: TypedWrapperOptions): string {
  const g = o.graph;
  const inputName = g.inputs[0];
  if (inputName === undefined || g.inputs.length !== 1 || g.outputs.length === 0) {
    throw new Error(`internal: typed wrappers need one input and at least one output, ${g.name} has ${g.inputs.length} and ${g.outputs.length}`);
  }
  const inShape = g.values.get(inputName)!.shape;
  const [batchDim, ...rest] = inShape;
  if (batchDim === undefined || rest.length === 0) throw new Error(`internal: ${g.name}'s input has no batch dimension`);
  const channels = rest[0];
  if (typeof channels !== 'number') throw new Error(`internal: ${g.name}'s input channels are symbolic`);
  const sizes = Object.entries(o.stats.sizes);
  const symbolic = sizes.length > 0;
  const outs = g.outputs.map((name) => ({ name, shape: g.values.get(name)!.shape }));
  const single = outs.length === 1;
  for (const out of outs) {
    if (single && out.name === 'dims') {
      throw new NetforgeError({ code: 'E_BAD_ARG', message: `the typed wrapper of ${g.name} returns { <output>, dims }, so the output cannot be named 'dims'`, hint: "set the model's outputName to something else (e.g. 'logits' or 'features')" });
    }
  }
  const key = (n: string): string => (IDENT.test(n) ? n : str(n));
  const perSample = rest.every((d): d is number => typeof d === 'number') ? rest.reduce((a, b) => a * b, 1) : undefined;
  const name = o.modelName ?? g.name;
  const batchType = typeof batchDim === 'number' ? String(batchDim) : 'number';
  const sizeType = `{ ${sizes.map(([k]) => `readonly ${k}: number`).join('; ')} }`;
  // the input's dims at run time: the batch, fixed sizes as they are, symbols from `size`
  const inDimsExpr = `[batch, ${rest.map((d) => (typeof d === 'number' ? String(d) : `size.${String(d)}`)).join(', ')}]`;
  const restText = rest.map((d) => (typeof d === 'number' ? String(d) : dimText(d))).join(', ');
  const pre = preprocessingOf(g);

  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { quoteKind: QuoteKind.Single, indentationText: IndentationText.TwoSpaces },
  });
  const sf: SourceFile = project.createSourceFile('/wrapper.ts');

  sf.addImportDeclaration({ moduleSpecifier: o.runtimeModule ?? 'netforge/runtime', namedImports: ['openModel', 'type ModelSource', 'type ProviderChoice'] });

  const constant = (n: string, init: string | WriterFunction, doc: string, type?: string): void => {
    sf.addVariableStatement({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      declarations: [{ name: n, initializer: init, ...(type !== undefined ? { type } : {}) }],
      docs: [doc],
    });
  };
  constant('modelName', `${str(name)} as const`, 'The model this module was generated for.');
  constant('onnxFile', `${str(basename(o.onnxPath))} as const`, 'The ONNX file this module was generated with; load() takes where it is.');
  constant('inputName', `${str(inputName)} as const`, 'The ONNX graph input.');
  constant('inputShape', `${literal(shapeData(inShape))} as const`, `Input shape${typeof batchDim === 'string' ? ` ('${batchDim}' is the batch${symbolic ? `; ${sizes.map(([k]) => k).join(' and ')} vary: run() takes them` : ''})` : ''}: [batch, channels, height, width].`);
  if (perSample !== undefined) constant('inputSize', String(perSample), `Floats per sample: ${rest.join(' * ')}.`);
  else {
    constant('inputChannels', String(channels), 'Channels of the input.');
    const min = Object.fromEntries(sizes.map(([k, v]) => [k, v.min ?? 1]));
    const multiple = Object.fromEntries(sizes.map(([k, v]) => [k, v.multipleOf]));
    const inline = (r: Record<string, number>): string => `{ ${Object.entries(r).map(([k, v]) => `${key(k)}: ${v}`).join(', ')} } as const`;
    constant('minInputSize', inline(min), 'The smallest sizes the model takes: below them a layer would have no output.');
    constant('sizeMultiple', inline(multiple), 'Every size must be a multiple of this.');
  }
  if (single) {
    constant('outputName', `${str(outs[0]!.name)} as const`, 'The ONNX graph output.');
    constant('outputShape', `${literal(shapeData(outs[0]!.shape))} as const`, symbolic ? 'Output shape (sizes as expressions of the input\'s).' : 'Output shape.');
  } else {
    constant('outputNames', `${literal(outs.map((x) => x.name))} as const`, 'The ONNX graph outputs, in order.');
    sf.addStatements((w) => {
      w.writeLine(`/** Output shapes by name${symbolic ? ' (sizes as expressions of the input\'s)' : ''}. */`);
      w.write('export const outputShapes = ');
      writeLiteral(w, Object.fromEntries(outs.map((x) => [x.name, shapeData(x.shape)])));
      w.write(' as const;');
    });
  }
  sf.addTypeAlias({ isExported: true, name: 'InputShape', type: 'typeof inputShape', docs: ['The input shape as a type.'] });
  if (single) sf.addTypeAlias({ isExported: true, name: 'OutputShape', type: 'typeof outputShape', docs: ['The output shape as a type.'] });
  const metadata = {
    params: o.stats.params,
    trainableParams: o.stats.trainableParams,
    frozenParams: o.stats.frozenParams,
    macs: o.stats.macs,
    ...(symbolic ? { macsFormula: dimText(o.stats.macsFormula), reference: Object.fromEntries(sizes.map(([k, v]) => [k, v.reference])) } : {}),
    depth: o.stats.depth,
    mainPath: o.stats.mainPath,
    shortcutProjections: o.stats.shortcutProjections,
    preprocessing: pre,
    netforgeVersion: NETFORGE_VERSION,
  };
  // a statement of its own: an initializer's writer would hang-indent the object's lines
  sf.addStatements((w) => {
    w.writeLine(`/** As compiled: PyTorch parameter count, multiply-accumulates per sample${symbolic ? ' (at the reference size; macsFormula for any size)' : ''}, main-path depth, and the preprocessing the weights expect (null if the model declares none). */`);
    w.write('export const metadata = ');
    writeLiteral(w, metadata);
    w.write(' as const;');
  });

  sf.addInterface({
    isExported: true,
    name: 'LoadOptions',
    docs: ['Options for load().'],
    properties: [
      { name: 'ep', type: 'ProviderChoice', hasQuestionToken: true, isReadonly: true, docs: ["Execution providers: 'cpu' (default), 'webgpu', 'cuda', a list in preference order, or 'auto'. A fallback prints a notice."] },
      { name: 'strict', type: 'boolean', hasQuestionToken: true, isReadonly: true, docs: ['Fail instead of falling back to another provider.'] },
    ],
  });
  if (symbolic) sf.addTypeAlias({ isExported: true, name: 'InputSize', type: sizeType, docs: [`The input's ${sizes.map(([k]) => k).join(' and ')} for one run.`] });
  if (single) {
    sf.addInterface({
      isExported: true,
      name: 'Output',
      docs: [`What run() resolves to: the ${commentText(outs[0]!.name)} tensor, row-major, and its dimensions.`],
      properties: [
        { name: key(outs[0]!.name), type: 'Float32Array', isReadonly: true },
        { name: 'dims', type: dimsType(outs[0]!.shape), isReadonly: true },
      ],
    });
  } else {
    sf.addInterface({
      isExported: true,
      name: 'Output',
      docs: ['What run() resolves to: each output tensor, row-major, with its dimensions.'],
      properties: outs.map((x) => ({ name: key(x.name), type: `{ readonly data: Float32Array; readonly dims: ${dimsType(x.shape)} }`, isReadonly: true })),
    });
  }
  const runParams = [
    { name: 'input', type: 'Float32Array' },
    { name: 'batch', type: batchType },
    ...(symbolic ? [{ name: 'size', type: 'InputSize' }] : []),
  ];
  const runSig = runParams.map((p) => `${p.name}: ${p.type}`).join(', ');
  sf.addInterface({
    isExported: true,
    name: 'LoadedModel',
    docs: ['A model ready to run.'],
    methods: [
      {
        name: 'run',
        parameters: runParams,
        returnType: 'Promise<Output>',
        docs: [`Run \`batch\` samples: \`input\` holds [batch, ${restText}] floats, row-major, preprocessed as metadata.preprocessing says.${symbolic ? ' `size` gives the input\'s sizes: at least minInputSize, multiples of sizeMultiple.' : ''}`],
      },
      { name: 'release', returnType: 'Promise<void>', docs: ['Free the onnxruntime session.'] },
    ],
    properties: [{ name: 'provider', type: 'string', isReadonly: true, docs: ['The execution provider the session runs on.'] }],
  });
  sf.addFunction({
    isExported: true,
    isAsync: true,
    name: 'load',
    docs: [
      `Open the compiled model in onnxruntime-node: \`model\` is the ${basename(o.onnxPath)} file (a path, resolved against the working directory; a file: URL, e.g. \`new URL('./${basename(o.onnxPath)}', import.meta.url)\`; or its bytes). A file with other inputs or outputs is refused.`,
    ],
    parameters: [
      { name: 'model', type: 'ModelSource' },
      { name: 'options', type: 'LoadOptions', initializer: '{}' },
    ],
    returnType: 'Promise<LoadedModel>',
    statements: (w) => {
      const names = single ? '[outputName]' : 'outputNames';
      w.writeLine(`const session = await openModel(model, { ep: options.ep ?? 'cpu', strict: options.strict ?? false, expect: { inputs: [inputName], outputs: ${names} } });`);
      w.writeLine('return {');
      w.indent(() => {
        w.writeLine('provider: session.provider,');
        w.writeLine(`async run(${runSig}): Promise<Output> {`);
        w.indent(() => {
          w.writeLine('if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, got ${batch}`);');
          if (symbolic) {
            w.writeLine('for (const k of Object.keys(minInputSize) as (keyof typeof minInputSize)[]) {');
            w.indent(() => {
              w.writeLine('const v = size[k];');
              w.writeLine('if (!Number.isInteger(v) || v < minInputSize[k]) throw new RangeError(`${k} = ${v} is below the smallest size ${modelName} takes (${minInputSize[k]}): a layer would have no output`);');
              w.writeLine('if (v % sizeMultiple[k] !== 0) throw new RangeError(`${k} = ${v} is not a multiple of ${sizeMultiple[k]}, which ${modelName} requires`);');
            });
            w.writeLine('}');
          }
          const dims = inDimsExpr;
          w.writeLine(`const dims = ${dims};`);
          w.writeLine('const expected = dims.reduce((a, b) => a * b, 1);');
          w.writeLine('if (input.length !== expected) {');
          w.indent(() => w.writeLine('throw new RangeError(`expected ${expected} floats for [${dims.join(\', \')}], got ${input.length}`);'));
          w.writeLine('}');
          w.writeLine('const outputs = await session.run({ [inputName]: { data: input, dims } });');
          // fixed sizes are known here; symbolic ones are what onnxruntime computed
          const dimsOf = (shape: Shape, t: string, type: string): string =>
            shape.slice(1).every((d) => typeof d === 'number') && shape[0] === batchDim
              ? `[batch, ${shape.slice(1).join(', ')}] as const`
              : `${t}.dims as unknown as ${type}`;
          if (single) {
            w.writeLine('const t = outputs[outputName];');
            w.writeLine("if (t === undefined) throw new Error(`${modelName}: onnxruntime returned no '${outputName}'`);");
            w.writeLine(`return { ${key(outs[0]!.name)}: t.data, dims: ${dimsOf(outs[0]!.shape, 't', "Output['dims']")} };`);
          } else {
            w.writeLine('const get = (name: string): { readonly data: Float32Array; readonly dims: readonly number[] } => {');
            w.indent(() => {
              w.writeLine('const t = outputs[name];');
              w.writeLine("if (t === undefined) throw new Error(`${modelName}: onnxruntime returned no '${name}'`);");
              w.writeLine('return t;');
            });
            w.writeLine('};');
            for (const [i, x] of outs.entries()) w.writeLine(`const t${i} = get(${str(x.name)});`);
            w.writeLine('return {');
            w.indent(() => {
              for (const [i, x] of outs.entries()) w.writeLine(`${key(x.name)}: { data: t${i}.data, dims: ${dimsOf(x.shape, `t${i}`, `Output[${str(x.name)}]['dims']`)} },`);
            });
            w.writeLine('};');
          }
        });
        w.writeLine('},');
        w.writeLine('release: () => session.release(),');
      });
      w.writeLine('};');
    },
  });
  sf.insertStatements(0, (w) => {
    w.writeLine('/**');
    w.writeLine(` * ${commentText(name)}: a typed wrapper (runs on netforge/runtime and onnxruntime-node), generated by netforge ${NETFORGE_VERSION}. Do not edit;`);
    w.writeLine(` * regenerate it${o.command ? ` with \`${commentText(o.command)}\`` : ' with netforge compile --emit-ts'}.`);
    w.writeLine(' */');
  });
  // a blank line before each top-level doc comment
  return sf.getFullText().replace(/\n+\/\*\*/g, '\n\n/**');
}

/** Write the typed module to `o.path` (atomically). */
export function emitTypedWrapper(o: TypedWrapperOptions): void {
  atomicWriteFileSync(o.path, typedWrapperSource(o));
}
