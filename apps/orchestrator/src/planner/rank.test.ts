import { ComputeStateType as C, DesiredStateType as D } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { NODE_LOST } from './messages.js';
import { seededUnit } from './random.js';
import { exclusion, nodeRecords, rankNodes, triedNodes } from './rank.js';
import { capacity, GB, makeExecution, makeNode, SEC, T0 } from './testing/fixtures.js';

const request = capacity({ CPU: 1, Memory: GB });
const ids = (nodes: { Info: { NodeID: string } }[]) => nodes.map((n) => n.Info.NodeID);

describe('ranking', () => {
  it('prefers the node with more free capacity', () => {
    const busy = makeNode({ id: 'n-busy', usage: { CPU: 3, Memory: 6 * GB } });
    const idle = makeNode({ id: 'n-idle' });
    const half = makeNode({ id: 'n-half', usage: { CPU: 2, Memory: 4 * GB } });
    expect(ids(rankNodes([busy, idle, half], (n) => n.usage, request, 1, ['seed', 'e1']))).toEqual([
      'n-idle',
      'n-half',
      'n-busy',
    ]);
  });

  it('breaks ties with seeded randomness: reproducible, and different across evaluations', () => {
    const nodes = Array.from({ length: 8 }, (_, i) => makeNode({ id: `n-${i}` }));
    const order = (key: string) => ids(rankNodes(nodes, (n) => n.usage, request, 1, ['seed', key]));
    expect(order('e1')).toEqual(order('e1'));
    const firsts = new Set(Array.from({ length: 20 }, (_, i) => order(`e${i}`)[0]));
    expect(firsts.size).toBeGreaterThan(2);
  });

  it('keeps the jitter small: it never beats a clearly emptier node', () => {
    const emptier = makeNode({ id: 'n-z', usage: { CPU: 0.2 } });
    const fuller = makeNode({ id: 'n-a', usage: { CPU: 0.6 } });
    for (let i = 0; i < 50; i++) {
      expect(ids(rankNodes([fuller, emptier], (n) => n.usage, request, 1, ['s', `e${i}`]))[0]).toBe('n-z');
    }
  });

  it('asks a node where the work starts at once before one where it would wait in the queue', () => {
    // By free share alone the queued node wins: its CPU is booked, its memory is nearly all free.
    const queued = makeNode({ id: 'n-queued', usage: { CPU: 4 }, queue: { CPU: 4, Memory: 8 * GB } });
    const tight = makeNode({ id: 'n-tight', usage: { CPU: 2.5, Memory: 6 * GB } });
    for (let i = 0; i < 20; i++) {
      expect(ids(rankNodes([queued, tight], (n) => n.usage, request, 1, ['s', `e${i}`]))).toEqual([
        'n-tight',
        'n-queued',
      ]);
    }
    // With room to oversubscribe, the same node runs the work at once: free share decides again.
    expect(ids(rankNodes([queued, tight], (n) => n.usage, request, 1.5, ['s', 'e']))).toEqual([
      'n-queued',
      'n-tight',
    ]);
  });

  it('among nodes where the work would wait, prefers the one with less waiting', () => {
    const queue = { CPU: 8, Memory: 16 * GB };
    const deep = makeNode({ id: 'n-deep', usage: { CPU: 7, Memory: 8 * GB }, queue });
    const shallow = makeNode({ id: 'n-shallow', usage: { CPU: 4, Memory: 8 * GB }, queue });
    expect(ids(rankNodes([deep, shallow], (n) => n.usage, request, 1, ['s', 'e']))).toEqual([
      'n-shallow',
      'n-deep',
    ]);
  });

  it('seededUnit stays in [0, 1) and depends on every part', () => {
    const values = Array.from({ length: 1000 }, (_, i) => seededUnit('seed', i));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(seededUnit('a', 'bc')).not.toBe(seededUnit('ab', 'c'));
  });
});

describe('nodes not asked again', () => {
  const exec = (id: string, node: string, compute: C, desired: D = D.Running, message = '') =>
    makeExecution({ id, node, compute, desired, message });

  const cases: Array<[string, ReturnType<typeof exec>[], string | undefined]> = [
    ['no history', [], undefined],
    [
      'refused the ask',
      [exec('e1', 'n-1', C.AskForBidRejected, D.Pending)],
      'node n-1: rejected a bid for this job',
    ],
    [
      'refused after accepting',
      [exec('e1', 'n-1', C.BidRejected, D.Running)],
      'node n-1: rejected a bid for this job',
    ],
    ['failed once', [exec('e1', 'n-1', C.Failed)], undefined],
    [
      'failed twice',
      [exec('e1', 'n-1', C.Failed), exec('e2', 'n-1', C.Failed)],
      'node n-1: failed this job twice',
    ],
    [
      'lost twice is not its fault',
      [exec('e1', 'n-1', C.Failed, D.Stopped, NODE_LOST), exec('e2', 'n-1', C.Failed, D.Stopped, NODE_LOST)],
      undefined,
    ],
    ['a bid we rejected is not held against it', [exec('e1', 'n-1', C.BidRejected, D.Stopped)], undefined],
    ['completed', [exec('e1', 'n-1', C.Completed)], undefined],
  ];
  it.each(cases)('%s', (_name, executions, expected) => {
    expect(exclusion('n-1', nodeRecords(executions, 0n).get('n-1'), T0)).toBe(expected);
  });

  it('a node that refused for lack of room rests, then is asked again, without counting a failure', () => {
    const busy = {
      ...makeExecution({ id: 'e1', node: 'n-1', compute: C.AskForBidRejected }),
      outcome: 'busy' as const,
    };
    const record = nodeRecords([busy], 5n * SEC).get('n-1');
    expect(record?.failures).toBe(0);
    expect(exclusion('n-1', record, T0 + SEC)).toBe('node n-1: had no room for this job when last asked');
    expect(exclusion('n-1', record, T0 + 5n * SEC)).toBeUndefined();
  });

  it('a failed partition goes to ANOTHER node', () => {
    const failed = makeExecution({
      id: 'e1',
      node: 'n-1',
      compute: C.Failed,
      desired: D.Running,
      message: 'exit 1',
    });
    const tried = triedNodes(0, [failed]);
    expect(exclusion('n-1', undefined, T0, tried)).toBe('node n-1: already tried partition 0 (exit 1)');
    expect(exclusion('n-2', undefined, T0, tried)).toBeUndefined();
  });
});
