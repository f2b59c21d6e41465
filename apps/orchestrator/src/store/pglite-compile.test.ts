import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const moduleUrl = new URL('./pglite-files.ts', import.meta.url).href;
const orchestratorDir = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Whether a WebAssembly function that runs hot is ever compiled by V8's optimizing compiler, in a
 * fresh process that runs `setup` first (the settings are process-wide). A one-function module,
 * `(func (export "f") (result i32) i32.const 1)`, called in rounds until V8's own answer is yes or
 * the rounds run out: a million calls tier it up in a few rounds when nothing forbids it.
 */
function tiersUp(setup: string): boolean {
  const script = [
    `import { compileWebAssemblyLean } from ${JSON.stringify(moduleUrl)};`,
    setup,
    'const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,5,1,96,0,1,127,3,2,1,0,7,5,1,1,102,0,0,10,6,1,4,0,65,1,11]);',
    'const { instance } = await WebAssembly.instantiate(bytes);',
    'const f = instance.exports.f;',
    'let optimized = false;',
    'for (let round = 0; round < 200 && !optimized; round++) {',
    '  for (let i = 0; i < 100_000; i++) f();',
    // Tier-up compiles in the background: a macrotask turn lets its result be installed.
    '  await new Promise((resolve) => setImmediate(resolve));',
    '  optimized = %IsTurboFanFunction(f);',
    '}',
    'console.log(optimized ? "optimized" : "baseline");',
  ].join('\n');
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--allow-natives-syntax', '--input-type=module', '-e', script],
    { cwd: orchestratorDir, encoding: 'utf8', timeout: 60_000 },
  );
  expect(child.status, child.stderr).toBe(0);
  return child.stdout.trim() === 'optimized';
}

describe('compileWebAssemblyLean', () => {
  it('keeps WebAssembly on the baseline compiler, however hot it runs', () => {
    expect(tiersUp('compileWebAssemblyLean();')).toBe(false);
  });

  it('is needed: left alone, V8 optimizes the same function', () => {
    expect(tiersUp('void compileWebAssemblyLean;')).toBe(true);
  });
});
