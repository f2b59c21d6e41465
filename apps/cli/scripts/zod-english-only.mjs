import { dirname, resolve } from 'node:path';

/**
 * An esbuild plugin: zod's namespace object carries every locale of its messages (half of zod's
 * size), and every command that validates would compile them all, or a startup snapshot hold
 * them all; the CLI speaks English, the locale zod sets itself, and nothing here reads z.locales.
 */
export const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) => {
      if (!args.importer.includes('/node_modules/zod/')) return undefined;
      return { path: resolve(args.resolveDir, args.path), namespace: 'zod-english-only' };
    });
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(resolve(dirname(args.path), 'en.js'))};`,
      resolveDir: dirname(args.path),
    }));
  },
};
