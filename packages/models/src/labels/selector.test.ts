import { describe, expect, it } from 'vitest';
import {
  formatSelector,
  labelKeyProblem,
  labelValueProblem,
  parseSelector,
  parseSelectors,
  type Requirement,
  SelectorSyntaxError,
} from './selector.js';

function syntaxError(input: string): SelectorSyntaxError {
  try {
    parseSelector(input);
  } catch (error) {
    if (error instanceof SelectorSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('parseSelector: valid input', () => {
  const cases: Array<[string, Requirement[]]> = [
    ['', []],
    ['   ', []],
    ['env=prod', [{ key: 'env', op: 'eq', values: ['prod'] }]],
    ['env==prod', [{ key: 'env', op: 'eq', values: ['prod'] }]],
    ['env!=prod', [{ key: 'env', op: 'neq', values: ['prod'] }]],
    ['env=', [{ key: 'env', op: 'eq', values: [''] }]],
    ['env!=', [{ key: 'env', op: 'neq', values: [''] }]],
    ['env in (prod,dev)', [{ key: 'env', op: 'in', values: ['dev', 'prod'] }]],
    ['env notin (prod)', [{ key: 'env', op: 'notin', values: ['prod'] }]],
    ['env in (b,a,b)', [{ key: 'env', op: 'in', values: ['a', 'b'] }]],
    ['gpu', [{ key: 'gpu', op: 'exists', values: [] }]],
    ['!gpu', [{ key: 'gpu', op: 'notexists', values: [] }]],
    [
      '  env  =  prod  ,  ! gpu ',
      [
        { key: 'env', op: 'eq', values: ['prod'] },
        { key: 'gpu', op: 'notexists', values: [] },
      ],
    ],
    ['env in(a , b)', [{ key: 'env', op: 'in', values: ['a', 'b'] }]],
    ['example.com/zone=us-east-1.a', [{ key: 'example.com/zone', op: 'eq', values: ['us-east-1.a'] }]],
    ['A_b.c-D=V_1', [{ key: 'A_b.c-D', op: 'eq', values: ['V_1'] }]],
    // Contextual keywords: `in` is only an operator right after a key.
    ['in', [{ key: 'in', op: 'exists', values: [] }]],
    ['a=in', [{ key: 'a', op: 'eq', values: ['in'] }]],
    ['in in (in)', [{ key: 'in', op: 'in', values: ['in'] }]],
    // Sorted by key and deduplicated, so equal selectors have equal text.
    [
      'z=1,a=2,z=1',
      [
        { key: 'a', op: 'eq', values: ['2'] },
        { key: 'z', op: 'eq', values: ['1'] },
      ],
    ],
    [
      'a=1,a!=1',
      [
        { key: 'a', op: 'neq', values: ['1'] },
        { key: 'a', op: 'eq', values: ['1'] },
      ],
    ],
  ];
  it.each(cases)('%j', (input, requirements) => {
    expect(parseSelector(input).requirements).toEqual(requirements);
  });

  it('accepts the longest legal name, prefix and value', () => {
    const name = `a${'b'.repeat(61)}c`;
    const prefix = `${'p'.repeat(63)}.${'q'.repeat(63)}.${'r'.repeat(63)}.${'s'.repeat(61)}`;
    expect(prefix).toHaveLength(253);
    expect(parseSelector(`${prefix}/${name}=${name}`).requirements).toEqual([
      { key: `${prefix}/${name}`, op: 'eq', values: [name] },
    ]);
  });
});

describe('parseSelector: invalid input', () => {
  const cases: Array<[string, number, string]> = [
    ['env in (prod', 12, "expected ',' or ')'"],
    ['=x', 0, 'expected label key'],
    ['env in ()', 8, 'expected label value'],
    ['env in (a,)', 10, 'expected label value'],
    ['env in (,a)', 8, 'expected label value'],
    ['a=b,', 4, 'expected label key'],
    [',', 0, 'expected label key'],
    ['a,,b', 2, 'expected label key'],
    ['!', 1, 'expected label key'],
    ['!a=b', 2, "expected ',' or end of input"],
    ['k=v=w', 3, "expected ',' or end of input"],
    ['env notin prod', 10, "expected '('"],
    ['env in', 6, "expected '('"],
    ['a b', 2, "expected '=', '==', '!=', 'in', 'notin', ',' or end of input"],
    ['a (b)', 2, "expected '=', '==', '!=', 'in', 'notin', ',' or end of input"],
    ['env in (a b)', 10, "expected ',' or ')'"],
    ['a=b)', 3, "expected ',' or end of input"],
    ['-env=x', 0, 'invalid label key "-env"'],
    ['env-=x', 0, 'invalid label key "env-"'],
    ['a/b/c', 0, 'invalid label key "a/b/c"'],
    ['/a', 0, 'invalid label key "/a"'],
    ['Example.com/a', 0, 'invalid label key "Example.com/a"'],
    ['a/', 0, 'invalid label key "a/"'],
    [`${'k'.repeat(64)}`, 0, 'invalid label key'],
    ['a=b c', 4, "expected ',' or end of input"],
    ['a=-b', 2, 'invalid label value "-b"'],
    ['a in (ok, bad$)', 10, 'invalid label value "bad$"'],
    [`a=${'v'.repeat(64)}`, 2, 'invalid label value'],
  ];
  it.each(cases)('%j fails at %i', (input, position, expected) => {
    const error = syntaxError(input);
    expect(error.position).toBe(position);
    expect(error.selector).toBe(input);
    expect(error.message).toContain(expected);
    expect(error.message).toContain(`at position ${position}`);
  });

  it('formats the message with the selector, the expectation and the position', () => {
    expect(syntaxError('env in (prod').message).toBe(
      `label selector "env in (prod": expected ',' or ')' at position 12`,
    );
    expect(syntaxError('-a').message).toMatch(/^label selector "-a": invalid label key "-a" at position 0: /);
  });

  it('is an Error with its own name', () => {
    const error = syntaxError('!');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SelectorSyntaxError');
  });
});

describe('parseSelectors', () => {
  it('ANDs every input and ignores empty ones', () => {
    expect(parseSelectors(['env=prod', '', 'gpu']).requirements).toEqual([
      { key: 'env', op: 'eq', values: ['prod'] },
      { key: 'gpu', op: 'exists', values: [] },
    ]);
  });

  it('matches everything when given nothing', () => {
    expect(parseSelectors([]).requirements).toEqual([]);
  });

  it('reports the failing input, not the joined text', () => {
    try {
      parseSelectors(['env=prod', 'a b']);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SelectorSyntaxError);
      expect(error).toMatchObject({ selector: 'a b', position: 2 });
    }
  });
});

describe('formatSelector', () => {
  const cases: Array<[string, string]> = [
    ['', ''],
    ['env==prod', 'env=prod'],
    [' tier  notin ( b , a ) , !legacy,env!=dev, gpu', 'env!=dev,gpu,!legacy,tier notin (a,b)'],
    ['zone in (b,a)', 'zone in (a,b)'],
    ['a=', 'a='],
  ];
  it.each(cases)('%j → %j', (input, canonical) => {
    expect(formatSelector(parseSelector(input))).toBe(canonical);
  });

  const roundTrips = [
    'env=prod',
    'env!=',
    'x/y=z,a in (c,b),!d,e,f notin (g)',
    'k=v,k!=v,k in (v),k notin (v),k,!k',
    'in in (in,notin)',
  ];
  it.each(roundTrips)('parse(format(x)) gives back x for %j', (input) => {
    const parsed = parseSelector(input);
    expect(parseSelector(formatSelector(parsed))).toEqual(parsed);
  });
});

describe('label key and value rules', () => {
  it.each(['a', 'a.b-c_d', 'example.com/a', 'a-b.example/x9', '9'])('accepts key %j', (key) => {
    expect(labelKeyProblem(key)).toBeUndefined();
  });
  it.each(['', '.a', 'a_', 'a b', 'A.com/a', `${'x'.repeat(254)}/a`])('rejects key %j', (key) => {
    expect(labelKeyProblem(key)).toEqual(expect.any(String));
  });
  it.each(['', 'v', 'v-1.2_3'])('accepts value %j', (value) => {
    expect(labelValueProblem(value)).toBeUndefined();
  });
  it.each(['-v', 'v_', 'a/b', 'a b'])('rejects value %j', (value) => {
    expect(labelValueProblem(value)).toEqual(expect.any(String));
  });
});
