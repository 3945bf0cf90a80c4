import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The CLI tests spawn `node bin/sluice.js`; on a loaded CI machine one spawn can take seconds,
    // and tests that take 10 s on a quiet machine have taken three times that beside the Kafka
    // kill tests. The limit only catches hangs, so it is generous.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Three test files at a time, also on 2 cores: the Kafka and kill tests mostly wait
    // (for commits, restarts, the broker), so CPU-bound files run beside them.
    maxWorkers: 3,
    minWorkers: 1,
    projects: [
      { extends: true, test: { name: 'unit', exclude: [...configDefaults.exclude, 'test/kafka/**'] } },
      // Tests against a real Kafka broker: the global setup starts one per run (test/kafka/global-setup.ts).
      { extends: true, test: { name: 'kafka', include: ['test/kafka/**/*.test.ts'], globalSetup: ['test/kafka/global-setup.ts'], hookTimeout: 120_000, testTimeout: 120_000 } },
    ],
  },
});
