import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/**/*.test.ts', 'resources/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    // Importing the real 'electron' package tries to download a binary; tests mock it instead.
    alias: { electron: new URL('./electron/test/electron-stub.ts', import.meta.url).pathname },
  },
});
