import { decodeJson } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatData, isStructured, isWide, outputOption } from './format.js';

describe('formatData', () => {
  const data = { Job: { CreateTime: 1695883778909107178n, Count: 1, Name: '007', Flag: 'true' } };

  it('writes int64 values as exact integer literals in JSON', async () => {
    const text = await formatData('json', data);
    expect(text).toContain('"CreateTime": 1695883778909107178,');
    expect(decodeJson(text)).toEqual(data);
  });

  it('writes YAML that reads back to the same values, strings that look like numbers quoted', async () => {
    const text = await formatData('yaml', data);
    expect(text).toContain('CreateTime: 1695883778909107178\n');
    expect(text).toContain('Name: "007"\n');
    expect(parse(text, { intAsBigInt: true })).toEqual({ Job: { ...data.Job, Count: 1n } });
  });
});

describe('the output option', () => {
  const parse = (value: string) => outputOption().parseArg?.(value, undefined);

  it('takes table, wide, json and yaml, and reads the old text as table', () => {
    expect(['table', 'wide', 'json', 'yaml', 'text'].map(parse)).toEqual([
      'table',
      'wide',
      'json',
      'yaml',
      'table',
    ]);
    expect(() => parse('xml')).toThrow('must be one of table, wide, json, yaml');
    expect(outputOption().defaultValue).toBe('table');
  });

  it('tells structured formats from tables, and wide from -o wide or --wide', () => {
    expect(isStructured('json') && isStructured('yaml')).toBe(true);
    expect(isStructured('wide') || isStructured('table')).toBe(false);
    expect(isWide({ output: 'wide' })).toBe(true);
    expect(isWide({ output: 'table', wide: true })).toBe(true);
    expect(isWide({ output: 'table' })).toBe(false);
  });
});
