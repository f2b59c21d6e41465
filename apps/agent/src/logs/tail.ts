import type { FileHandle } from 'node:fs/promises';

/**
 * `tail -n N` without reading the whole file: scans backwards from the end in blocks, counting
 * newlines, and returns the offset where the last N lines start. A final line without its
 * newline counts as a line, as it does for tail(1).
 */

const BLOCK = 64 * 1024;

export async function tailOffset(file: FileHandle, size: number, lines: number): Promise<number> {
  if (lines <= 0) return size;
  if (size === 0) return 0;
  const buffer = Buffer.alloc(Math.min(BLOCK, size));
  // The newline that ends the last line is not a separator between lines.
  let end = size;
  const last = Buffer.alloc(1);
  await file.read(last, 0, 1, size - 1);
  if (last[0] === 0x0a) end = size - 1;
  let seen = 0;
  while (end > 0) {
    const start = Math.max(0, end - buffer.length);
    const length = end - start;
    await file.read(buffer, 0, length, start);
    for (let i = length - 1; i >= 0; i--) {
      if (buffer[i] === 0x0a) {
        seen++;
        if (seen === lines) return start + i + 1;
      }
    }
    end = start;
  }
  return 0;
}

/** The same for a text already in memory (RunOutput): the last N of its lines. */
export function tailLines<T>(lines: readonly T[], n: number | null): T[] {
  if (n === null) return [...lines];
  return n <= 0 ? [] : lines.slice(-n);
}
