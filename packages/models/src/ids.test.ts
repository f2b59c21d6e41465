import { describe, expect, it } from 'vitest';
import {
  createIdGenerator,
  isFullId,
  isValidIdQuery,
  isValidNodeId,
  likePrefixPattern,
  matchIdPrefix,
  shortId,
} from './ids.js';

const JOB = 'j-28c08f7f-6fb0-48ed-912d-a2cb6c3a4f3a';

describe('ids', () => {
  it('generates prefixed uuid v4 ids from the injected source', () => {
    let n = 0;
    const ids = createIdGenerator(() => `00000000-0000-4000-8000-00000000000${n++}`);
    expect(ids.job()).toBe('j-00000000-0000-4000-8000-000000000000');
    expect(ids.execution()).toBe('e-00000000-0000-4000-8000-000000000001');
    expect(ids.node()).toBe('n-00000000-0000-4000-8000-000000000002');
    expect(ids.evaluation()).toBe('00000000-0000-4000-8000-000000000003');
  });

  it('generates valid random ids by default', () => {
    const ids = createIdGenerator();
    const a = ids.job();
    expect(isFullId('job', a)).toBe(true);
    expect(isFullId('execution', ids.execution())).toBe(true);
    expect(ids.job()).not.toBe(a);
  });

  it('recognises full ids only for their kind', () => {
    expect(isFullId('job', JOB)).toBe(true);
    expect(isFullId('execution', JOB)).toBe(false);
    expect(isFullId('job', 'j-28c08f7f')).toBe(false);
    expect(isFullId('job', `${JOB}x`)).toBe(false);
  });

  it('shortens to the prefix and the first uuid group', () => {
    expect(shortId(JOB)).toBe('j-28c08f7f');
    expect(shortId('e-82f7813f-58da-4323-8261-886af35284c4')).toBe('e-82f7813f');
    expect(shortId('node-1')).toBe('node-1');
    expect(shortId('QmUDAXvv31WPZ8U9CzuRTMn9iFGiopGE7rHiah1X8a6PkT')).toBe(
      'QmUDAXvv31WPZ8U9CzuRTMn9iFGiopGE7rHiah1X8a6PkT',
    );
  });

  it('matches prefixes: exact, unique, none and ambiguous', () => {
    const other = 'j-28c08f00-6fb0-48ed-912d-a2cb6c3a4f3a';
    expect(matchIdPrefix(JOB, [other, JOB])).toEqual({ kind: 'exact', id: JOB });
    expect(matchIdPrefix('j-28c08f7f', [other, JOB])).toEqual({ kind: 'unique', id: JOB });
    expect(matchIdPrefix('j-9', [other, JOB])).toEqual({ kind: 'none' });
    expect(matchIdPrefix('j-28c08f', [JOB, other])).toEqual({ kind: 'ambiguous', candidates: [other, JOB] });
  });

  it('refuses queries that cannot be ids', () => {
    expect(isValidIdQuery('j-28c08f7f')).toBe(true);
    expect(isValidIdQuery("j-1' OR 1=1 --")).toBe(false);
    expect(isValidIdQuery('')).toBe(false);
    expect(isValidIdQuery('a'.repeat(256))).toBe(false);
    expect(isValidIdQuery('j-\u0000')).toBe(false);
  });

  it('accepts only single NATS subject tokens as node ids', () => {
    expect(isValidNodeId('node-1')).toBe(true);
    expect(isValidNodeId('n-28c08f7f-6fb0-48ed-912d-a2cb6c3a4f3a')).toBe(true);
    for (const bad of ['a.b', 'a b', '*', '>', '', 'x\n']) expect(isValidNodeId(bad)).toBe(false);
  });

  it('escapes LIKE wildcards in prefixes', () => {
    expect(likePrefixPattern('j-1_%')).toBe('j-1\\_\\%%');
  });
});
