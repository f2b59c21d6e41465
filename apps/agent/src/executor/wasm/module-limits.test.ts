import { describe, expect, it } from 'vitest';
import { limitModuleMemory, MAX_WASM_PAGES, pagesFor } from './module-limits.js';
import { compileWat, watModule } from './testing.js';

/** The memory bound is written into the binary: checked here with V8 itself, without WASI. */

// The DOM lib, where TypeScript declares WebAssembly, is not part of this package's types.
interface Memory {
  grow(pages: number): number;
}
const { WebAssembly: wasm } = globalThis as unknown as {
  WebAssembly: {
    instantiate(bytes: Uint8Array): Promise<{ instance: { exports: Record<string, unknown> } }>;
  };
};

async function limited(text: string, maxPages: number) {
  return limitModuleMemory(await compileWat(text), maxPages);
}

describe('limitModuleMemory', () => {
  it('gives a memory without a maximum the cap as its maximum: growing past it fails', async () => {
    const outcome = await limited('(module (memory (export "memory") 1))', 4);
    if (!outcome.ok) throw new Error(outcome.error);
    const { memory } = (await wasm.instantiate(outcome.bytes)).instance.exports as { memory: Memory };
    expect(memory.grow(3)).toBe(1);
    expect(() => memory.grow(1)).toThrow(RangeError);
  });

  it('lowers a larger declared maximum and keeps a smaller one', async () => {
    const grow = async (text: string) => {
      const outcome = await limited(text, 8);
      if (!outcome.ok) throw new Error(outcome.error);
      const exports = (await wasm.instantiate(outcome.bytes)).instance.exports;
      const memory = exports.memory as Memory;
      let pages = 1;
      try {
        for (;;) pages = memory.grow(1) + 1;
      } catch {
        return pages;
      }
    };
    expect(await grow('(module (memory (export "memory") 1 65536))')).toBe(8);
    expect(await grow('(module (memory (export "memory") 1 3))')).toBe(3);
  });

  it('bounds an imported memory: the engine creates it with the cap', async () => {
    const outcome = await limited('(module (import "env" "memory" (memory 2)))', 16);
    expect(outcome).toMatchObject({
      ok: true,
      importedMemories: [{ module: 'env', name: 'memory', initial: 2, maximum: 16 }],
    });
  });

  it('refuses what it cannot bound or link, saying why', async () => {
    expect(await limited('(module (memory 100))', 16)).toEqual({
      ok: false,
      error: expect.stringMatching(/^memory 0 starts at 100 pages/),
    });
    expect(await limited('(module (import "env" "now" (func)))', 16)).toEqual({
      ok: false,
      error: expect.stringContaining('imports env.now, which the wasm engine does not provide'),
    });
    expect(limitModuleMemory(new TextEncoder().encode('#!/bin/sh\necho hi\n'), 16)).toEqual({
      ok: false,
      error: 'not a WebAssembly module (binary format version 1)',
    });
    const truncated = (await watModule('hello')).subarray(0, 40);
    expect(limitModuleMemory(truncated, 16)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^malformed module/),
    });
  });

  it('turns a reservation into whole pages, 4 GiB at most', () => {
    expect(pagesFor(1024 * 1024)).toBe(16);
    expect(pagesFor(1024 * 1024 + 100)).toBe(16);
    expect(pagesFor(0)).toBe(MAX_WASM_PAGES);
    expect(pagesFor(64 * 1024 ** 3)).toBe(MAX_WASM_PAGES);
  });
});
