import { describe, expect, it } from 'vitest';
import { LineSplitter, splitText } from './lines.js';

describe('LineSplitter', () => {
  it('keeps each newline and holds back an unfinished line until it ends', () => {
    const s = new LineSplitter(100);
    expect(s.push(Buffer.from('one\ntw'))).toEqual(['one\n']);
    expect(s.buffered).toBe(2);
    expect(s.push(Buffer.from('o\nthree'))).toEqual(['two\n']);
    expect(s.flush()).toBe('three\n');
    expect(s.flush()).toBeUndefined();
  });

  it('keeps empty lines', () => {
    expect(splitText('a\n\nb\n', 100)).toEqual(['a\n', '\n', 'b\n']);
  });

  it('cuts an endless line into pieces without splitting a character', () => {
    const s = new LineSplitter(5);
    // "aaéé" is 6 bytes: a 5-byte cut would fall inside the second é.
    const lines = s.push(Buffer.from('aaéébb\n'));
    expect(lines).toEqual(['aaé', 'ébb\n']);
    expect(lines.every((l) => Buffer.byteLength(l) <= 5)).toBe(true);
    expect(lines.join('')).toBe('aaéébb\n');
  });

  it('reassembles a character split across reads', () => {
    const bytes = Buffer.from('né\n');
    const s = new LineSplitter(100);
    expect(s.push(bytes.subarray(0, 2))).toEqual([]);
    expect(s.push(bytes.subarray(2))).toEqual(['né\n']);
  });

  it('ends a text without a final newline as Bacalhau does, with one', () => {
    expect(splitText('stdout line 1\nstdout line 2', 100)).toEqual(['stdout line 1\n', 'stdout line 2\n']);
    expect(splitText('', 100)).toEqual([]);
  });
});
