import { describe, expect, it } from 'vitest';
import {
  ctrlSubject,
  inSubject,
  nodeIdFromSubject,
  nodeSubject,
  ORCHESTRATOR_SUBSCRIPTIONS,
  outSubject,
  parseSubject,
} from './subjects.js';

describe('subjects', () => {
  it('names three subjects per node', () => {
    expect(inSubject('n-1')).toBe('shoal.compute.n-1.in');
    expect(outSubject('n-1')).toBe('shoal.compute.n-1.out');
    expect(ctrlSubject('n-1')).toBe('shoal.compute.n-1.ctrl');
    expect(ORCHESTRATOR_SUBSCRIPTIONS).toEqual({ out: 'shoal.compute.*.out', ctrl: 'shoal.compute.*.ctrl' });
  });

  it('parses its own subjects back', () => {
    expect(parseSubject('shoal.compute.n-1.out')).toEqual({ nodeId: 'n-1', channel: 'out' });
    expect(nodeIdFromSubject('shoal.compute.node_A-9.ctrl')).toBe('node_A-9');
  });

  it.each([
    ['wildcard node', 'shoal.compute.*.out'],
    ['full wildcard', 'shoal.compute.>'],
    ['tail wildcard as node', 'shoal.compute.>.out'],
    ['extra token (dot in id)', 'shoal.compute.n.1.out'],
    ['empty node', 'shoal.compute..out'],
    ['unknown channel', 'shoal.compute.n-1.msgs'],
    ['missing channel', 'shoal.compute.n-1'],
    ['other prefix', 'bacalhau.compute.n-1.out'],
    ['prefix case', 'Shoal.compute.n-1.out'],
    ['space in node', 'shoal.compute.n 1.out'],
    ['control character', 'shoal.compute.n\u00001.out'],
    ['unicode node', 'shoal.compute.nœud.out'],
    ['trailing dot', 'shoal.compute.n-1.out.'],
    ['too long node', `shoal.compute.${'a'.repeat(256)}.out`],
    ['empty', ''],
  ])('refuses a malformed subject: %s', (_what, subject) => {
    expect(parseSubject(subject)).toBeUndefined();
    expect(nodeIdFromSubject(subject)).toBeUndefined();
  });

  it.each(['*', '>', 'a.b', 'a b', '', 'n\r\n', 'x'.repeat(256)])(
    'will not build a subject for node id %j',
    (nodeId) => {
      expect(() => nodeSubject(nodeId, 'in')).toThrow(/invalid node id/);
    },
  );
});
