import type { Capacity } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { checkCapacity, filterNodes } from './filter.js';
import { capacity, GB, MB, makeJob, makeNode, type NodeSpec } from './testing/fixtures.js';
import { requirements } from './testing/requirements.js';
import type { NodeCandidate } from './types.js';

function verdict(node: NodeCandidate, job = makeJob()): string | undefined {
  return filterNodes([node], requirements(job), 1.5).rejected[0]?.reason;
}

describe('node filters: one reason per rule, naming the node', () => {
  const zoneA = makeJob({ Constraints: [{ Key: 'zone', Operator: 'in', Values: ['a'] }] });
  const wasm = makeJob({ task: { Engine: { Type: 'wasm', Params: {} } } });
  const s3 = makeJob({ task: { Publisher: { Type: 's3', Params: {} } } });
  const ipfs = makeJob({
    task: { InputSources: [{ Source: { Type: 'ipfs', Params: {} }, Alias: 'in', Target: '/in' }] },
  });
  const big = makeJob({ task: { Resources: { CPU: '8', Memory: '1Gb', Disk: '', GPU: '' } } });
  const gpu = makeJob({ task: { Resources: { CPU: '1', Memory: '1Gb', Disk: '', GPU: '1' } } });
  const cases: Array<[string, NodeSpec, ReturnType<typeof makeJob>, string | undefined]> = [
    ['a node that fits', { id: 'n-1' }, makeJob(), undefined],
    ['not approved', { id: 'n-1', membership: 'PENDING' }, makeJob(), 'node n-1: not approved (PENDING)'],
    [
      'rejected membership',
      { id: 'n-1', membership: 'REJECTED' },
      makeJob(),
      'node n-1: not approved (REJECTED)',
    ],
    ['disconnected', { id: 'n-1', connection: 'DISCONNECTED' }, makeJob(), 'node n-1: disconnected'],
    ['unhealthy', { id: 'n-1', healthy: false }, makeJob(), 'node n-1: unhealthy'],
    ['engine', { id: 'n-1' }, wasm, 'node n-1: does not support engine wasm'],
    ['publisher', { id: 'n-1' }, s3, 'node n-1: does not support publisher s3'],
    ['empty publisher needs nothing', { id: 'n-1', publishers: [] }, makeJob(), undefined],
    ['storage source', { id: 'n-1' }, ipfs, 'node n-1: does not support input source ipfs'],
    [
      'constraint value',
      { id: 'n-1', labels: { zone: 'b' } },
      zoneA,
      'node n-1: label zone=b does not satisfy zone in (a)',
    ],
    ['constraint label missing', { id: 'n-1' }, zoneA, 'node n-1: label zone is missing'],
    ['constraint satisfied', { id: 'n-1', labels: { zone: 'a' } }, zoneA, undefined],
    [
      'larger than the node',
      { id: 'n-1', cpu: 4 },
      big,
      'node n-1: CPU request exceeds what the node allows per job (needs 8, at most 4)',
    ],
    [
      'larger than the per-job limit',
      { id: 'n-1', cpu: 16, maxJob: { CPU: 2 } },
      big,
      'node n-1: CPU request exceeds what the node allows per job (needs 8, at most 2)',
    ],
    ['a per-job limit of 0 means none', { id: 'n-1', cpu: 16, maxJob: { CPU: 0 } }, big, undefined],
    [
      'no GPU on the node',
      { id: 'n-1' },
      gpu,
      'node n-1: GPU request exceeds what the node allows per job (needs 1, at most 0)',
    ],
    [
      'not enough memory left',
      { id: 'n-1', memory: 8 * GB, usage: { Memory: 11.8 * GB } },
      makeJob({ task: { Resources: { CPU: '1', Memory: '512Mb', Disk: '', GPU: '' } } }),
      'node n-1: not enough memory (needs 512 MB, 200 MB free)',
    ],
  ];
  it.each(cases)('%s', (_name, spec, job, expected) => {
    expect(verdict(makeNode(spec), job)).toBe(expected);
  });

  it('uses the short form of uuid node ids', () => {
    const id = 'n-1a2b3c4d-0000-4000-8000-000000000000';
    expect(verdict(makeNode({ id, connection: 'DISCONNECTED' }))).toBe('node n-1a2b3c4d: disconnected');
  });

  it('lists every unmatched constraint, and an unknown stored operator matches nothing', () => {
    const job = makeJob({
      Constraints: [
        { Key: 'zone', Operator: '=', Values: ['a'] },
        { Key: 'disk', Operator: '~', Values: ['ssd'] },
      ],
    });
    expect(verdict(makeNode({ id: 'n-1', labels: { zone: 'b' } }), job)).toBe(
      'node n-1: constraint on disk has unknown operator "~", label zone=b does not satisfy zone=a',
    );
  });
});

describe('capacity with oversubscription', () => {
  const request = capacity({ CPU: 1, Memory: 1 * GB });
  const cases: Array<[string, Partial<NodeSpec>, number, boolean]> = [
    ['empty node', {}, 1.5, true],
    ['exactly 1.5x of CPU', { cpu: 2, usage: { CPU: 2 } }, 1.5, true],
    ['just over 1.5x of CPU', { cpu: 2, usage: { CPU: 2.001 } }, 1.5, false],
    ['exactly 1.5x of memory', { memory: 2 * GB, usage: { Memory: 2 * GB } }, 1.5, true],
    ['over 1.5x of memory', { memory: 2 * GB, usage: { Memory: 2 * GB + 1 } }, 1.5, false],
    ['no oversubscription configured', { cpu: 2, usage: { CPU: 1.5 } }, 1, false],
    ['fractional cores add up exactly', { cpu: 0.2, usage: { CPU: 0.2 } }, 1.5, false],
  ];
  it.each(cases)('%s', (_name, spec, overcommit, fits) => {
    const node = makeNode({ id: 'n-1', ...spec });
    expect(checkCapacity(node, node.usage, request, overcommit) === undefined).toBe(fits);
  });

  it('adds up tenths of a core without floating-point drift', () => {
    const node = makeNode({ id: 'n-1', cpu: 0.2 });
    expect(checkCapacity(node, capacity({ CPU: 0.1 + 0.2 }), capacity({ CPU: 0 }), 1.5)).toBeUndefined();
    expect(checkCapacity(node, capacity({ CPU: 0.1 + 0.1 }), capacity({ CPU: 0.1 }), 1.5)).toBeUndefined();
  });

  it('never oversubscribes GPUs: they are whole devices', () => {
    const node = makeNode({ id: 'n-1', gpu: 2, usage: { GPU: 2 } });
    expect(checkCapacity(node, node.usage, capacity({ GPU: 1 }), 1.5)?.reason).toBe(
      'node n-1: not enough GPU (needs 1, 0 free)',
    );
  });

  it('names every short resource', () => {
    const node = makeNode({ id: 'n-1', cpu: 1, memory: GB, usage: { CPU: 1.5, Memory: 1.5 * GB } });
    expect(checkCapacity(node, node.usage, capacity({ CPU: 0.5, Memory: 100 * MB }), 1.5)?.reason).toBe(
      'node n-1: not enough CPU (needs 500m, 0 free), not enough memory (needs 100 MB, 0 B free)',
    );
  });
});

describe('capacity with a queue on the node', () => {
  const request = capacity({ CPU: 1, Memory: GB });
  const node = (usage: Partial<Capacity>, queue?: Partial<Capacity>) =>
    makeNode({ id: 'n-1', cpu: 2, memory: 4 * GB, usage, ...(queue ? { queue } : {}) });

  it('places beyond what the node runs at once, up to max × overcommit + queue', () => {
    const queued = node({ CPU: 3 }, { CPU: 2, Memory: 4 * GB });
    expect(checkCapacity(queued, queued.usage, request, 1.5)).toBeUndefined(); // 3 + 1 ≤ 3 + 2
    const full = node({ CPU: 4.5 }, { CPU: 2, Memory: 4 * GB });
    expect(checkCapacity(full, full.usage, request, 1.5)?.reason).toBe(
      'node n-1: not enough CPU (needs 1, 500m free)',
    );
    // Without a queue the same usage is already too much.
    const plain = node({ CPU: 3 });
    expect(checkCapacity(plain, plain.usage, request, 1.5)?.reason).toBe(
      'node n-1: not enough CPU (needs 1, 0 free)',
    );
  });

  it('needs room in the queue for every resource the request uses', () => {
    const cpuOnly = node({ CPU: 2, Memory: 4 * GB }, { CPU: 4 });
    expect(checkCapacity(cpuOnly, cpuOnly.usage, request, 1)?.reason).toBe(
      'node n-1: not enough memory (needs 1 GB, 0 B free)',
    );
  });

  it('never takes a request larger than the node can book, however large its queue', () => {
    const big = node({}, { CPU: 100 });
    expect(checkCapacity(big, big.usage, capacity({ CPU: 3 }), 1)?.code).toBe('capacity');
  });
});
