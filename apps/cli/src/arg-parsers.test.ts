import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { keyValue } from './arg-parsers.js';

describe('keyValue (-e, -l)', () => {
  it('takes one KEY=VALUE whole, commas and later = included', () => {
    expect(keyValue('A=1,2')).toEqual({ A: '1,2' });
    expect(keyValue('B=x=y')).toEqual({ B: 'x=y' });
    expect(keyValue('C=2', { A: '1' })).toEqual({ A: '1', C: '2' });
  });

  it('splits several pairs at commas, as Bacalhau’s CLI (pflag’s string-to-string) does', () => {
    expect(keyValue('env=prod,team=data')).toEqual({ env: 'prod', team: 'data' });
    expect(keyValue('"A=1,2",B=3')).toEqual({ A: '1,2', B: '3' });
    expect(keyValue('Q=a=1,b=2')).toEqual({ Q: 'a=1', b: '2' });
  });

  it('refuses a part without =, and a key given twice', () => {
    expect(() => keyValue('NOVALUE')).toThrow(InvalidArgumentError);
    expect(() => keyValue('a=1,b,c=2')).toThrow(/expected KEY=VALUE, got "b"/);
    expect(() => keyValue('a=1,a=2')).toThrow(/"a" is given twice/);
    expect(() => keyValue('a=2', { a: '1' })).toThrow(/"a" is given twice/);
  });
});
