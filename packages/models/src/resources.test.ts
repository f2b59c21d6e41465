import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CPU,
  DEFAULT_MEMORY,
  formatBytes,
  formatCpu,
  parseBytes,
  parseCpu,
  parseGpu,
  parseResources,
  ResourceParseError,
  tryParseResources,
} from './resources.js';

function failure(parse: () => unknown): ResourceParseError {
  try {
    parse();
  } catch (error) {
    if (error instanceof ResourceParseError) return error;
    throw error;
  }
  throw new Error('expected a ResourceParseError');
}

describe('parseCpu', () => {
  it.each([
    ['500m', 500],
    ['2', 2000],
    ['0.5', 500],
    ['1.25', 1250],
    ['.5', 500],
    ['1m', 1],
    ['0.0005', 1],
    ['1500m', 1500],
    [' 2 ', 2000],
    ['1e3m', 1000],
    ['1000000', 1_000_000_000],
    [DEFAULT_CPU, 500],
  ])('%j → %i millicores', (input, millis) => {
    expect(parseCpu(input)).toBe(millis);
  });

  it.each([
    ['', 'must not be empty'],
    ['  ', 'must not be empty'],
    ['0', 'must be greater than zero'],
    ['0m', 'must be greater than zero'],
    ['-1', 'must be greater than zero'],
    ['-500m', 'must be greater than zero'],
    ['NaN', 'expected a number'],
    ['abc', 'expected a number'],
    ['Infinity', 'expected a number'],
    ['1e309', 'must be at most 1000000 cores'],
    ['1000001', 'must be at most 1000000 cores'],
    ['0.0001', 'must be at least 1m'],
    ['0.4m', 'must be at least 1m'],
    ['500M', 'unknown unit "M"'],
    ['2 cores', 'unknown unit "cores"'],
  ])('rejects %j: %s', (input, reason) => {
    const error = failure(() => parseCpu(input));
    expect(error.field).toBe('CPU');
    expect(error.value).toBe(input);
    expect(error.message).toContain(`invalid CPU ${JSON.stringify(input)}: ${reason}`);
  });
});

describe('parseBytes', () => {
  it.each([
    ['1', 1],
    ['1024', 1024],
    ['10b', 10],
    ['1k', 1000],
    ['1kb', 1000],
    ['1Ki', 1024],
    ['1KiB', 1024],
    ['512Mb', 512_000_000],
    [DEFAULT_MEMORY, 512_000_000],
    ['1mi', 1_048_576],
    ['1GB', 1e9],
    ['1Gi', 1_073_741_824],
    ['1.5Gi', 1_610_612_736],
    ['1.5 GiB', 1_610_612_736],
    ['2 g', 2e9],
    ['1tb', 1e12],
    ['1Ti', 1024 ** 4],
    ['3PB', 3e15],
    ['1pib', 1024 ** 5],
    ['1.1kb', 1100],
    ['1.3Ki', 1331],
  ])('%j → %i bytes', (input, bytes) => {
    expect(parseBytes(input)).toBe(bytes);
  });

  it.each([
    ['', 'must not be empty'],
    ['0', 'must be greater than zero'],
    ['0Gi', 'must be greater than zero'],
    ['-1Gi', 'must be greater than zero'],
    ['NaN', 'expected a number'],
    ['lots', 'expected a number'],
    ['Gi', 'expected a number'],
    ['1e309', `must be at most ${Number.MAX_SAFE_INTEGER} bytes`],
    ['9000PB', `must be at most ${Number.MAX_SAFE_INTEGER} bytes`],
    ['0.1b', 'must be at least 1 byte'],
    ['12XB', 'unknown unit "XB" (use b, kb, kib, mb, mib, gb, gib, tb, tib, pb, pib)'],
    ['1 constructor', 'unknown unit "constructor"'],
    ['1EB', 'unknown unit "EB"'],
    ['1  GB', 'unknown unit " GB"'],
  ])('rejects %j: %s', (input, reason) => {
    const error = failure(() => parseBytes(input, 'Disk'));
    expect(error.field).toBe('Disk');
    expect(error.message).toContain(`invalid disk ${JSON.stringify(input)}: ${reason}`);
  });

  it('names the memory field by default', () => {
    expect(failure(() => parseBytes('12XB')).message).toBe(
      'invalid memory "12XB": unknown unit "XB" (use b, kb, kib, mb, mib, gb, gib, tb, tib, pb, pib)',
    );
  });
});

describe('parseGpu', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    [' 8 ', 8],
  ])('%j → %i', (input, count) => {
    expect(parseGpu(input)).toBe(count);
  });

  it.each([
    ['', 'must not be empty'],
    ['-1', 'must not be negative'],
    ['1.5', 'must be a whole number'],
    ['NaN', 'must be a whole number'],
    ['two', 'must be a whole number'],
    ['1e3', 'must be a whole number'],
    ['99999999999999999999', 'is too large'],
  ])('rejects %j: %s', (input, reason) => {
    const error = failure(() => parseGpu(input));
    expect(error.field).toBe('GPU');
    expect(error.message).toContain(`invalid GPU ${JSON.stringify(input)}: ${reason}`);
  });
});

describe('parseResources and tryParseResources', () => {
  it('parses the fields that are set and leaves the rest out', () => {
    const expected = { cpuMillis: 250, diskBytes: 1e10 };
    const input = { CPU: '250m', Memory: '', Disk: '10GB', GPU: null };
    expect(parseResources(input)).toStrictEqual(expected);
    expect(tryParseResources(input)).toStrictEqual({ ok: true, value: expected });
  });

  it('parses every field', () => {
    expect(parseResources({ CPU: '2', Memory: '1Gi', Disk: '1TB', GPU: '1' })).toStrictEqual({
      cpuMillis: 2000,
      memoryBytes: 1_073_741_824,
      diskBytes: 1e12,
      gpu: 1,
    });
  });

  it('treats an empty object and blank strings as unset', () => {
    expect(parseResources({})).toStrictEqual({});
    expect(tryParseResources({ CPU: '  ', GPU: '' })).toStrictEqual({ ok: true, value: {} });
  });

  it('collects every problem, in field order', () => {
    const result = tryParseResources({ CPU: '0', Memory: '12XB', Disk: '1GB', GPU: '1.5' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.field)).toEqual(['CPU', 'Memory', 'GPU']);
    expect(result.problems[1]?.message).toBe(
      'invalid memory "12XB": unknown unit "XB" (use b, kb, kib, mb, mib, gb, gib, tb, tib, pb, pib)',
    );
  });

  it('throws the first problem from parseResources', () => {
    const error = failure(() => parseResources({ CPU: '1', Memory: '-1', Disk: 'x' }));
    expect(error.field).toBe('Memory');
    expect(error.name).toBe('ResourceParseError');
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1 KB'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [2000, '2 KB'],
    [512_000_000, '512 MB'],
    [1_610_612_736, '1.5 GiB'],
    [1e9, '1 GB'],
    [123_456_789, '123.46 MB'],
    [1024 ** 5 * 3, '3 PiB'],
  ])('%i → %j', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it.each([1000, 1024, 1536, 512_000_000, 1_610_612_736, 3e15])(
    '%i survives parseBytes(formatBytes(n))',
    (n) => {
      expect(parseBytes(formatBytes(n))).toBe(n);
    },
  );
});

describe('formatCpu', () => {
  it.each([
    [500, '500m'],
    [2000, '2'],
    [1500, '1500m'],
    [1, '1m'],
  ])('%i → %j', (millis, text) => {
    expect(formatCpu(millis)).toBe(text);
    expect(parseCpu(text)).toBe(millis);
  });
});
