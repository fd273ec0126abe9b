import { defineConfig } from 'vitest/config';

/**
 * `npm run test:parity`: netforge against torchvision (needs /usr/bin/python3 with torch,
 * torchvision and onnx; skipped with a reason otherwise). Fixtures are generated into a
 * temp folder at test time. The CLI cases run the built binary, so dist/ is built first.
 */
export default defineConfig({
  test: {
    include: ['test/parity/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    globalSetup: ['test/globalSetup.ts'],
  },
});
