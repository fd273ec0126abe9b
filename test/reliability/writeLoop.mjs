// Test helper (a child process): rewrite one model with external data as fast as it can, cycling
// through seeds, until stdin closes. Prints "ready" once the first write is done, and at the end
// the number of writes. Usage: node writeLoop.mjs OUT SEEDS
import { buildGraph, conv2d, relu } from '../../dist/dsl/index.js';
import { initParams } from '../../dist/passes/initParams.js';
import { writeOnnx } from '../../dist/backends/onnx/serialize.js';

export const raceModel = (seed) =>
  initParams(
    buildGraph({ name: 'race', input: [32, 4, 4] }, (x) => {
      let y = x;
      for (let i = 0; i < 8; i++) y = relu(conv2d(y, { name: `conv${i}`, outChannels: 32, kernel: 3, padding: 1 }), { name: `relu${i}` });
      return y;
    }),
    seed,
  );

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const [out, seeds] = process.argv.slice(2);
  const graphs = seeds.split(',').map((s) => raceModel(Number(s)));
  let stop = false;
  process.stdin.on('close', () => (stop = true));
  process.stdin.on('end', () => (stop = true));
  process.stdin.resume();
  let n = 0;
  const step = () => {
    for (let k = 0; k < 4 && !stop; k++) writeOnnx(out, graphs[n++ % graphs.length], { externalData: true });
    if (n === 4) process.stdout.write('ready\n');
    if (stop) {
      process.stdout.write(`writes ${n}\n`);
      process.exit(0);
    }
    setImmediate(step);
  };
  step();
}
