import { decodeJson } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatData } from './format.js';

describe('formatData', () => {
  const data = { Job: { CreateTime: 1695883778909107178n, Count: 1, Name: '007', Flag: 'true' } };

  it('writes int64 values as exact integer literals in JSON', () => {
    const text = formatData('json', data);
    expect(text).toContain('"CreateTime": 1695883778909107178,');
    expect(decodeJson(text)).toEqual(data);
  });

  it('writes YAML that reads back to the same values, strings that look like numbers quoted', () => {
    const text = formatData('yaml', data);
    expect(text).toContain('CreateTime: 1695883778909107178\n');
    expect(text).toContain('Name: "007"\n');
    expect(parse(text, { intAsBigInt: true })).toEqual({ Job: { ...data.Job, Count: 1n } });
  });
});
