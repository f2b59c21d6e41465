import { describe, expect, it } from 'vitest';
import { decodeJson } from './codec.js';
import { MAX_TEXT_PROBLEMS, textProblems } from './json-text.js';

/** Strings the store cannot keep (lone surrogates, NUL) are found anywhere, named by their path. */

const decoded = (json: string) => decodeJson(json);

describe('textProblems', () => {
  it('passes ordinary text, emoji (surrogate pairs) included', () => {
    expect(
      textProblems(decoded('{"Job":{"Name":"caf\\u00e9 😀 \\ud83d\\ude00","Count":1,"x":[null,true]}}')),
    ).toEqual([]);
  });

  it('names the path of a lone surrogate in a value, escaped as JSON would', () => {
    const value = decoded('{"Job":{"Tasks":[{"Env":{"A":"ok\\ud800"}}]}}');
    expect(textProblems(value)).toEqual([
      {
        path: 'Job.Tasks[0].Env.A',
        message: 'is not valid Unicode: a lone surrogate \\ud800 at character 2',
      },
    ]);
  });

  it('finds a lone low surrogate and a reversed pair', () => {
    expect(textProblems(decoded('["\\udc00"]'))).toEqual([
      { path: '[0]', message: 'is not valid Unicode: a lone surrogate \\udc00 at character 0' },
    ]);
    expect(textProblems(decoded('{"a":"\\ude00\\ud83d"}'))[0]?.path).toBe('a');
  });

  it('checks keys too, naming the key escaped', () => {
    expect(textProblems(decoded('{"Meta":{"\\udc00x":"v"}}'))).toEqual([
      {
        path: 'Meta["\\udc00x"]',
        message: 'key is not valid Unicode: a lone surrogate \\udc00 at character 0',
      },
    ]);
  });

  it('refuses NUL, which Postgres cannot store in text or jsonb', () => {
    expect(textProblems(decoded('{"P":{"Params":{"x":"a\\u0000"}}}'))).toEqual([
      { path: 'P.Params.x', message: 'must not contain NUL characters (\\u0000)' },
    ]);
    expect(textProblems(decoded('{"Meta":{"\\u0000":"v"}}'))).toEqual([
      { path: 'Meta["\\u0000"]', message: 'key must not contain NUL characters (\\u0000)' },
    ]);
  });

  it(`stops after ${MAX_TEXT_PROBLEMS} problems`, () => {
    const many = `[${Array.from({ length: 1000 }, () => '"\\ud800"').join(',')}]`;
    expect(textProblems(decoded(many))).toHaveLength(MAX_TEXT_PROBLEMS);
  });

  it('prefixes a root path', () => {
    expect(textProblems('\ud800', ['Job', 'Name'])[0]?.path).toBe('Job.Name');
  });
});
