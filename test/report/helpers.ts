/** Build a zoo model's report structure the way the CLI does (shapes inferred, expectations verified). */
import { ZOO } from '../../src/zoo/index.js';
import { buildModel, expectationsFor, type DefinedModel, type ModelExpectations, type ModelOptions } from '../../src/dsl/model.js';
import { runPasses } from '../../src/passes/manager.js';
import { inferShapesPass } from '../../src/passes/inferShapes.js';
import { verifyStructurePass } from '../../src/passes/verifyStructure.js';
import { describeModel, type ModelStructure } from '../../src/backends/report/structure.js';

export interface ZooModel {
  readonly def: DefinedModel;
  readonly structure: ModelStructure;
  readonly expectations: ModelExpectations;
}

const cache = new Map<string, ZooModel>();

export function zooModel(name: string, opts: ModelOptions = {}): ZooModel {
  const key = `${name} ${JSON.stringify(opts)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const def = ZOO.get(name);
  if (!def) throw new Error(`no zoo model ${name}`);
  const expectations = expectationsFor(def, opts);
  const { graph } = runPasses(buildModel(def, opts), [inferShapesPass, verifyStructurePass(expectations)]);
  const m = { def, structure: describeModel(graph), expectations };
  cache.set(key, m);
  return m;
}
