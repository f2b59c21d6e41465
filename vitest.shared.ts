import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources under this condition, so tests never
// run against a stale build.
const conditions = ['@shoal/source', 'module', 'node', 'import', 'default'];

export const sharedTestConfig = defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@shoal/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    passWithNoTests: false,
  },
});
