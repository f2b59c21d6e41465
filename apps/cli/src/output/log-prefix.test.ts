import { ComputeStateType as C } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { testExecution } from '../testing/records.js';
import { executionLabel, prefixLine } from './log-prefix.js';

describe('executionLabel', () => {
  it('is the node’s short id, with the execution’s when the node holds several', () => {
    const a = testExecution({
      id: 'e-aaaaaaaa-0000-4000-8000-000000000000',
      node: 'node-1',
      compute: C.Completed,
    });
    const b = testExecution({ node: 'n-0123abcd-0000-4000-8000-000000000000', compute: C.Completed });
    expect(executionLabel(a, [a, b])).toBe('node-1');
    expect(executionLabel(b, [a, b])).toBe('n-0123abcd');
    const again = testExecution({
      id: 'e-bbbbbbbb-0000-4000-8000-000000000000',
      node: 'node-1',
      compute: C.BidAccepted,
    });
    expect(executionLabel(a, [a, b, again])).toBe('node-1 e-aaaaaaaa');
    expect(executionLabel(again, [a, b, again])).toBe('node-1 e-bbbbbbbb');
  });
});

describe('prefixLine', () => {
  it('pads the label to align lines and keeps one newline per line', () => {
    expect(prefixLine('node-1', 10, 'hello\n')).toBe('node-1     | hello\n');
    expect(prefixLine('n-0123abcd', 10, 'no newline')).toBe('n-0123abcd | no newline\n');
  });
});
