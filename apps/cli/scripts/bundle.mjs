// Bundles the shoal command into apps/cli/bundle/: one ES module per lazily loaded part (each
// command, and the server side only for `serve` and `devstack`), so a client command starts by
// parsing a few files instead of resolving hundreds. `./shoal` runs it when it is newer than every
// file it was built from (listed in bundle/inputs.txt), and the TypeScript sources otherwise.
//
// Kept external: packages that carry native code, WebAssembly or worker files of their own. Each
// of our sources keeps its own location in `import.meta.url`, so what it finds beside itself (SQL
// migrations, package.json, worker scripts) is found in the bundle too.
import { mkdir, readdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildSnapshot } from './snapshot.mjs';
import { zodEnglishOnly } from './zod-english-only.mjs';

const KEEP_EXTERNAL = [
  'better-sqlite3',
  '@electric-sql/pglite',
  'ssh2',
  'cpu-features',
  'pino',
  'thread-stream',
  'playwright-core',
  'esbuild',
  's3rver',
];

// Our packages whose modules only declare things (schemas, constants, functions): a chunk keeps
// only the modules whose exports it uses, so `shoal version` does not evaluate every zod schema
// of @shoal/models because it prints JSON with the models' codec.
const DECLARATIONS_ONLY = ['packages/models/src/', 'packages/client/src/'];
const DECLARATIONS_ONLY_NAMES = ['@shoal/models', '@shoal/client'];

const cliDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(cliDir, 'bundle');
// Built beside the final directory and swapped in at the end: a concurrent `./shoal` sees the old
// bundle or the new one, never half of one.
const staging = `${outdir}.${process.pid}.tmp`;
const started = Date.now();

const isExternal = (path) => KEEP_EXTERNAL.some((name) => path === name || path.startsWith(`${name}/`));

await rm(staging, { recursive: true, force: true });
await mkdir(staging, { recursive: true });
const result = await build({
  entryPoints: [resolve(cliDir, 'src/main.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: staging,
  splitting: true,
  conditions: ['@shoal/source'],
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
  // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __shoalRequire } from 'node:module'; const require = __shoalRequire(import.meta.url);",
  },
  plugins: [
    {
      name: 'shoal-sources-keep-their-url',
      setup(b) {
        b.onLoad({ filter: /\.tsx?$/ }, async (args) => {
          if (args.path.includes('/node_modules/')) return undefined;
          const source = await readFile(args.path, 'utf8');
          // Relative to the chunk (every chunk sits in the bundle directory): the checkout may move.
          const url = `new URL(${JSON.stringify(relative(outdir, args.path))}, import.meta.url).href`;
          return {
            contents: source.replaceAll('import.meta.url', url),
            loader: args.path.endsWith('x') ? 'tsx' : 'ts',
          };
        });
      },
    },
    zodEnglishOnly,
    {
      name: 'declarations-only-packages',
      setup(b) {
        b.onResolve({ filter: /.*/ }, async (args) => {
          if (args.pluginData === 'inner') return undefined;
          const ours = args.path.startsWith('.')
            ? DECLARATIONS_ONLY.some((dir) => args.importer.includes(`/${dir}`))
            : DECLARATIONS_ONLY_NAMES.includes(args.path);
          if (!ours) return undefined;
          const found = await b.resolve(args.path, {
            kind: args.kind,
            importer: args.importer,
            resolveDir: args.resolveDir,
            pluginData: 'inner',
          });
          if (found.errors.length > 0) return undefined;
          return { ...found, sideEffects: false };
        });
      },
    },
    {
      name: 'external-native-packages',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, async (args) => {
          if (args.pluginData === 'inner' || !isExternal(args.path)) return undefined;
          // Referenced by a path relative to the bundle: found wherever the importer's own
          // dependencies are, which the bundle's directory alone would not see.
          const found = await b.resolve(args.path, {
            kind: args.kind,
            resolveDir: args.resolveDir,
            pluginData: 'inner',
          });
          if (found.errors.length > 0 || !found.path.startsWith('/')) return { external: true };
          return { path: `./${relative(outdir, found.path)}`, external: true };
        });
      },
    },
  ],
});
// What `./shoal` compares the bundle with: the files it was built from (our sources; a package
// changes through its package.json and the lockfile) and this script. A file it does not list
// cannot change what the bundle does, so checking these few hundred is all it takes.
const root = resolve(cliDir, '../..');
const snapshotInputs = (await buildSnapshot({ cliDir, staging, root, log: console.warn })) ?? [];
const packageFiles = [];
for (const group of ['apps', 'packages']) {
  for (const name of await readdir(resolve(root, group))) packageFiles.push(`${group}/${name}/package.json`);
}
const sources = [...Object.keys(result.metafile.inputs), ...snapshotInputs]
  .filter((path) => !path.includes('node_modules/') && !path.includes(':'))
  .map((path) => relative(root, resolve(path)));
const scripts = ['bundle.mjs', 'snapshot.mjs'].map((name) =>
  relative(root, resolve(cliDir, 'scripts', name)),
);
const inputs = [...new Set([...sources, ...packageFiles, 'pnpm-lock.yaml', ...scripts])];
await writeFile(resolve(staging, 'inputs.txt'), `${inputs.sort().join('\n')}\n`);
// Dated when the build began: a file edited while it ran is newer, and the bundle reads as stale.
const began = new Date(started);
await utimes(resolve(staging, 'main.js'), began, began);

const previous = `${outdir}.${process.pid}.old`;
await rename(outdir, previous).catch(() => undefined);
await rename(staging, outdir);
await rm(previous, { recursive: true, force: true });
console.log(
  `shoal: bundled apps/cli into ${relative(process.cwd(), outdir) || '.'} in ${Date.now() - started} ms`,
);
