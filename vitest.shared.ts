import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources under this condition, so tests never
// run against a stale build.
const conditions = ['@shoal/source', 'module', 'node', 'import', 'default'];
// Tests run in Node, where a package's `module` build need not load: the AWS SDK's (dist-es) imports
// files without extensions, which only a bundler resolves. So server-side resolution skips it.
const nodeConditions = conditions.filter((condition) => condition !== 'module');

export const sharedTestConfig = defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions: nodeConditions, externalConditions: ['@shoal/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    passWithNoTests: false,
  },
});
