import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The CLI tests spawn `node bin/sluice.js`; on a loaded CI machine one spawn can take seconds.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
