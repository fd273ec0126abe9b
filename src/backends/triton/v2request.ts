/**
 * An inference request in the v2 (KServe Open Inference) protocol's REST JSON form, for a
 * model's config: POST /v2/models/<name>/infer with
 *   { "inputs": [ { "name", "shape", "datatype", "data": [row-major values] } ], "outputs": [ { "name" } ] }
 * (kserve docs/predict-api/v2/required_api.md, "Inference Request JSON Object", "Tensor Data").
 * The data is seeded normal noise, so the file is the same for the same model and seed.
 */
import { NetforgeError } from '../../errors.js';
import { fillNormal, rngFor } from '../../ir/random.js';
import type { ModelConfig } from './config.js';
import { v2DataType } from './config.js';
import { declaredShape } from './verify.js';

/** JSON numbers for a float tensor: 4 decimals keep the file readable and the values distinct. */
const DECIMALS = 4;

/**
 * The request JSON (pretty-printed, each tensor's data on one line) for `config` at batch
 * `batch`; `reference` sizes -1 dims (full shapes by input name).
 */
export function v2InferRequest(config: ModelConfig, batch: number, seed: number, reference: Readonly<Record<string, readonly number[]>> = {}): string {
  const mbs = config.max_batch_size ?? 0;
  const inputs = (config.input ?? []).map((t) => {
    const name = t.name ?? '';
    const type = t.data_type ?? 'TYPE_INVALID';
    if (type !== 'TYPE_FP32' && type !== 'TYPE_FP64') {
      throw new NetforgeError({ code: 'E_V2_REQUEST', message: `input '${name}' is ${type}: netforge writes JSON requests for float inputs only`, hint: 'FP16 has no JSON form in the v2 protocol: send it with the binary tensor extension' });
    }
    const shape = declaredShape(t, mbs, batch, reference[name]);
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    fillNormal(data, 1, rngFor(seed, `v2-request/${name}`));
    return { name, shape, datatype: v2DataType(type), data: Array.from(data, (v) => Number(v.toFixed(DECIMALS))) };
  });
  const lines = ['{', '  "inputs": ['];
  inputs.forEach((i, k) => {
    lines.push('    {', `      "name": ${JSON.stringify(i.name)},`, `      "shape": ${JSON.stringify(i.shape)},`, `      "datatype": ${JSON.stringify(i.datatype)},`, `      "data": ${JSON.stringify(i.data)}`, `    }${k < inputs.length - 1 ? ',' : ''}`);
  });
  lines.push('  ],', `  "outputs": ${JSON.stringify((config.output ?? []).map((o) => ({ name: o.name ?? '' })))}`, '}');
  return `${lines.join('\n')}\n`;
}
