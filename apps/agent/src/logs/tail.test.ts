import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@shoal/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tailLines, tailOffset } from './tail.js';

let dir: TempDir;
beforeAll(async () => {
  dir = await makeTempDir('shoal-tail-');
});
afterAll(async () => {
  await dir.cleanup();
});

async function tailOf(content: string, n: number): Promise<string> {
  const path = join(dir.path, `f-${Math.random().toString(36).slice(2)}`);
  await writeFile(path, content);
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const offset = await tailOffset(file, size, n);
    return Buffer.from(content).subarray(offset).toString();
  } finally {
    await file.close();
  }
}

describe('tailOffset', () => {
  it('finds where the last N lines start, like tail -n', async () => {
    expect(await tailOf('a\nb\nc\n', 2)).toBe('b\nc\n');
    expect(await tailOf('a\nb\nc', 2)).toBe('b\nc');
    expect(await tailOf('a\nb\nc\n', 5)).toBe('a\nb\nc\n');
    expect(await tailOf('a\nb\nc\n', 0)).toBe('');
    expect(await tailOf('', 3)).toBe('');
    expect(await tailOf('\n\n\n', 2)).toBe('\n\n');
  });

  it('scans back across read blocks in a large file', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `line ${i}\n`);
    const tail = await tailOf(lines.join(''), 20_000);
    expect(tail).toBe(lines.slice(-20_000).join(''));
  });
});

describe('tailLines', () => {
  it('keeps everything for null and the last N otherwise', () => {
    expect(tailLines(['a', 'b', 'c'], null)).toEqual(['a', 'b', 'c']);
    expect(tailLines(['a', 'b', 'c'], 1)).toEqual(['c']);
    expect(tailLines(['a', 'b', 'c'], 0)).toEqual([]);
  });
});
