import { describe, expect, it } from 'vitest';
import { requirementMatches, requiresKey, selectorMatches, splitSelector } from './matcher.js';
import { formatSelector, parseSelector } from './selector.js';

const node = { env: 'prod', zone: 'a', empty: '' };

describe('selectorMatches', () => {
  const cases: Array<[string, Record<string, string>, boolean]> = [
    ['', {}, true],
    ['', node, true],
    ['env=prod', node, true],
    ['env=dev', node, false],
    ['env=prod', {}, false],
    ['empty=', node, true],
    ['missing=', node, false],
    ['env!=dev', node, true],
    ['env!=prod', node, false],
    ['missing!=x', node, true],
    ['zone in (a,b)', node, true],
    ['zone in (b,c)', node, false],
    ['missing in (a)', node, false],
    ['zone notin (b)', node, true],
    ['zone notin (a,b)', node, false],
    ['missing notin (a)', node, true],
    ['env', node, true],
    ['empty', node, true],
    ['missing', node, false],
    ['!missing', node, true],
    ['!env', node, false],
    ['env=prod,zone in (a),!gpu', node, true],
    ['env=prod,zone in (a),gpu', node, false],
  ];
  it.each(cases)('%j on %j → %s', (selector, labels, expected) => {
    expect(selectorMatches(parseSelector(selector), labels)).toBe(expected);
  });

  it('ignores inherited properties of the label map', () => {
    expect(selectorMatches(parseSelector('constructor'), {})).toBe(false);
    expect(selectorMatches(parseSelector('!toString'), {})).toBe(true);
    expect(requirementMatches({ key: 'constructor', op: 'notin', values: ['x'] }, {})).toBe(true);
  });
});

describe('splitSelector', () => {
  const selector = parseSelector('env=prod,zone in (a),gpu,tier!=x,arch notin (arm),!legacy');

  it('pushes down only the requirements that need the key by default', () => {
    const { pushdown, residual } = splitSelector(selector);
    expect(pushdown.map((r) => r.op).sort()).toEqual(['eq', 'exists', 'in']);
    expect(formatSelector(residual)).toBe('arch notin (arm),!legacy,tier!=x');
    expect(pushdown.every(requiresKey)).toBe(true);
    expect(residual.requirements.some(requiresKey)).toBe(false);
  });

  it('agrees with the whole selector when both halves are evaluated', () => {
    const { pushdown, residual } = splitSelector(selector);
    const labelSets: Array<Record<string, string>> = [
      { env: 'prod', zone: 'a', gpu: '1' },
      { env: 'prod', zone: 'a', gpu: '1', tier: 'x' },
      { env: 'prod', zone: 'a', gpu: '1', legacy: 'y' },
      { env: 'dev', zone: 'a', gpu: '1' },
    ];
    for (const labels of labelSets) {
      const both = pushdown.every((r) => requirementMatches(r, labels)) && selectorMatches(residual, labels);
      expect(both).toBe(selectorMatches(selector, labels));
    }
  });

  it('lets the caller push everything', () => {
    const { pushdown, residual } = splitSelector(selector, () => true);
    expect(pushdown).toHaveLength(6);
    expect(residual.requirements).toEqual([]);
  });
});
