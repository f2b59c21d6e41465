import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapGrowingPercentFor, PGLITE_HEAP_GROWING_PERCENT } from './heap-growth.js';

const moduleUrl = new URL('./heap-growth.ts', import.meta.url).href;
const orchestratorDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * The factors V8 set its old generation's limit with (its own trace of each full collection), in
 * a fresh process that runs `setup`, keeps a million objects and collects twice. A process of its
 * own: the setting is process-wide, and V8 prints the trace on the process's stdout.
 */
function limitFactors(setup: string): number[] {
  const script = [
    `import { heapGrowingPercentFor, limitHeapGrowth } from ${JSON.stringify(moduleUrl)};`,
    setup,
    'const kept = Array.from({ length: 1_000_000 }, (_, i) => ({ i }));',
    'globalThis.gc();',
    'globalThis.gc();',
    'console.log(kept.length);',
  ].join('\n');
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--expose-gc', '--trace-gc-verbose', '--input-type=module', '-e', script],
    { cwd: orchestratorDir, encoding: 'utf8', timeout: 60_000 },
  );
  expect(child.status, child.stderr).toBe(0);
  return [...child.stdout.matchAll(/\[HeapController\] Limit: .*\((\d+(?:\.\d+)?)\)$/gm)].map((m) =>
    Number(m[1]),
  );
}

describe('limitHeapGrowth', () => {
  it('has V8 collect before the old generation is twice what survived the last collection', () => {
    const factors = limitFactors('limitHeapGrowth();');
    expect(factors.length).toBeGreaterThanOrEqual(2);
    for (const factor of factors) expect(factor).toBe(1 + HEAP_GROWING_PERCENT / 100);
  });

  it('is needed: left alone, V8 lets the same heap grow further', () => {
    const factors = limitFactors('void limitHeapGrowth;');
    expect(factors.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...factors)).toBeGreaterThan(1 + HEAP_GROWING_PERCENT / 100);
  });

  it('gives an orchestrator on the embedded store, whose database shares its memory, less room', () => {
    expect(heapGrowingPercentFor('postgres')).toBe(HEAP_GROWING_PERCENT);
    expect(heapGrowingPercentFor('pglite')).toBe(PGLITE_HEAP_GROWING_PERCENT);
    expect(PGLITE_HEAP_GROWING_PERCENT).toBeLessThan(HEAP_GROWING_PERCENT);
    const factors = limitFactors("limitHeapGrowth(heapGrowingPercentFor('pglite'));");
    expect(factors.length).toBeGreaterThanOrEqual(2);
    for (const factor of factors) expect(factor).toBe(1 + PGLITE_HEAP_GROWING_PERCENT / 100);
  });
});
