import { describe, expect, it } from 'vitest';
import {
  type Constraint,
  ConstraintSchema,
  constraintMatches,
  explainMismatch,
  formatConstraint,
} from './constraints.js';

const labels = { zone: 'b', arch: 'amd64', cores: '16', ram: '7.5', name: 'node-1', blank: '' };

function constraint(Key: string, Operator: string, Values?: string[] | null): Constraint {
  return ConstraintSchema.parse({ Key, Operator, Values });
}

function issues(input: unknown): Array<{ path: PropertyKey[]; message: string }> {
  const result = ConstraintSchema.safeParse(input);
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  return result.error.issues.map(({ path, message }) => ({ path, message }));
}

describe('ConstraintSchema', () => {
  it.each([
    ['=', ['a']],
    ['==', ['a']],
    ['!=', ['']],
    ['in', ['a', 'b']],
    ['notin', ['a']],
    ['exists', []],
    ['!', []],
    ['gt', ['4']],
    ['lt', ['-0.5']],
    ['gt', ['1e3']],
  ])('accepts %s with %j', (Operator, Values) => {
    expect(ConstraintSchema.parse({ Key: 'zone', Operator, Values })).toEqual({
      Key: 'zone',
      Operator,
      Values,
    });
  });

  it.each([undefined, null])('defaults Values %s to []', (Values) => {
    expect(ConstraintSchema.parse({ Key: 'gpu', Operator: 'exists', Values }).Values).toEqual([]);
  });

  it('names the allowed operators when the operator is unknown', () => {
    expect(issues({ Key: 'zone', Operator: '~', Values: ['a'] })).toEqual([
      {
        path: ['Operator'],
        message: 'invalid constraint operator "~": allowed are =, ==, !=, in, notin, exists, !, gt, lt',
      },
    ]);
    expect(issues({ Key: 'zone', Operator: 'In', Values: ['a'] })[0]?.path).toEqual(['Operator']);
    expect(issues({ Key: 'zone', Operator: 3 })[0]?.message).toMatch(/must be a string: allowed are =, ==/);
  });

  it.each([
    ['=', [], 'operator "=" needs exactly 1 value, got 0'],
    ['==', ['a', 'b'], 'operator "==" needs exactly 1 value, got 2'],
    ['!=', [], 'operator "!=" needs exactly 1 value, got 0'],
    ['gt', [], 'operator "gt" needs exactly 1 value, got 0'],
    ['lt', ['1', '2'], 'operator "lt" needs exactly 1 value, got 2'],
    ['in', [], 'operator "in" needs at least 1 value'],
    ['notin', [], 'operator "notin" needs at least 1 value'],
    ['exists', ['x'], 'operator "exists" takes no values, got 1'],
    ['!', ['x', 'y'], 'operator "!" takes no values, got 2'],
  ])('rejects %s with %j', (Operator, Values, message) => {
    expect(issues({ Key: 'zone', Operator, Values })).toEqual([{ path: ['Values'], message }]);
  });

  it.each(['abc', '', 'Infinity', '1e309', 'NaN', '0x10', ' 1'])('rejects gt/lt bound %j', (bound) => {
    expect(issues({ Key: 'cores', Operator: 'gt', Values: [bound] })).toEqual([
      { path: ['Values', 0], message: `operator "gt" needs a finite number, got ${JSON.stringify(bound)}` },
    ]);
  });

  it('points at the bad value inside Values', () => {
    const found = issues({ Key: 'zone', Operator: 'in', Values: ['a', 'not valid'] });
    expect(found).toHaveLength(1);
    expect(found[0]?.path).toEqual(['Values', 1]);
    expect(found[0]?.message).toMatch(/^invalid constraint value "not valid": /);
  });

  it('rejects keys that are not label keys', () => {
    const found = issues({ Key: '', Operator: 'exists' });
    expect(found[0]?.path).toEqual(['Key']);
    expect(found[0]?.message).toMatch(/^invalid constraint key "": /);
    expect(issues({ Key: 'bad key', Operator: 'exists' })[0]?.path).toEqual(['Key']);
    expect(ConstraintSchema.safeParse({ Key: 'example.com/gpu-model', Operator: 'exists' }).success).toBe(
      true,
    );
  });

  it('rejects a missing Key or Operator and a non-array Values', () => {
    expect(issues({ Operator: 'exists' })[0]?.path).toEqual(['Key']);
    expect(issues({ Key: 'zone' })[0]?.path).toEqual(['Operator']);
    expect(issues({ Key: 'zone', Operator: 'in', Values: 'a' })[0]?.path).toEqual(['Values']);
  });
});

describe('constraintMatches and explainMismatch', () => {
  const cases: Array<[string, string, string[], string | undefined]> = [
    ['zone', '=', ['b'], undefined],
    ['zone', '=', ['a'], 'label zone=b does not satisfy zone=a'],
    ['gpu', '=', ['a'], 'label gpu is missing'],
    ['blank', '=', [''], undefined],
    ['zone', '==', ['b'], undefined],
    ['zone', '==', ['c'], 'label zone=b does not satisfy zone==c'],
    ['zone', '!=', ['a'], undefined],
    ['zone', '!=', ['b'], 'label zone=b does not satisfy zone!=b'],
    ['gpu', '!=', ['a'], undefined],
    ['zone', 'in', ['a', 'b'], undefined],
    ['zone', 'in', ['a'], 'label zone=b does not satisfy zone in (a)'],
    ['gpu', 'in', ['a'], 'label gpu is missing'],
    ['zone', 'notin', ['a', 'c'], undefined],
    ['zone', 'notin', ['a', 'b'], 'label zone=b does not satisfy zone notin (a,b)'],
    ['gpu', 'notin', ['a'], undefined],
    ['zone', 'exists', [], undefined],
    ['blank', 'exists', [], undefined],
    ['gpu', 'exists', [], 'label gpu is missing'],
    ['gpu', '!', [], undefined],
    ['zone', '!', [], 'label zone=b does not satisfy !zone'],
    ['cores', 'gt', ['8'], undefined],
    ['cores', 'gt', ['16'], 'label cores=16 does not satisfy cores gt 16'],
    ['ram', 'gt', ['7.25'], undefined],
    ['cores', 'gt', ['1e1'], undefined],
    ['cores', 'lt', ['32'], undefined],
    ['cores', 'lt', ['16'], 'label cores=16 does not satisfy cores lt 16'],
    ['ram', 'lt', ['-1'], 'label ram=7.5 does not satisfy ram lt -1'],
    ['gpu', 'gt', ['0'], 'label gpu is missing'],
    ['name', 'gt', ['0'], 'label name=node-1 is not a number, as name gt 0 requires'],
    ['blank', 'lt', ['1'], 'label blank= is not a number, as blank lt 1 requires'],
  ];
  it.each(cases)('%s %s %j', (Key, Operator, Values, reason) => {
    const c = constraint(Key, Operator, Values);
    expect(constraintMatches(c, labels)).toBe(reason === undefined);
    expect(explainMismatch(c, labels)).toBe(reason);
  });

  it('does not treat inherited properties as labels', () => {
    expect(constraintMatches(constraint('constructor', 'exists'), {})).toBe(false);
    expect(constraintMatches(constraint('toString', '!'), {})).toBe(true);
  });

  it('explains an unvalidated numeric constraint without a usable bound', () => {
    const c: Constraint = { Key: 'cores', Operator: 'gt', Values: ['many'] };
    expect(constraintMatches(c, labels)).toBe(false);
    expect(explainMismatch(c, labels)).toBe('constraint cores gt many has no numeric bound');
  });
});

describe('formatConstraint', () => {
  it.each([
    ['zone', 'in', ['a', 'b'], 'zone in (a,b)'],
    ['gpu', 'exists', [], 'gpu exists'],
    ['gpu', '!', [], '!gpu'],
    ['cores', 'lt', ['8'], 'cores lt 8'],
    ['zone', '!=', ['a'], 'zone!=a'],
  ])('%s %s %j → %s', (Key, Operator, Values, text) => {
    expect(formatConstraint(constraint(Key, Operator, Values))).toBe(text);
  });
});
