import { describe, expect, it } from 'vitest';
import { filterNodes } from './filter.js';
import { describeNoFit } from './messages.js';
import { GB, makeJob, makeNode, type NodeSpec } from './testing/fixtures.js';
import { requirements } from './testing/requirements.js';

describe('describeNoFit', () => {
  const reasons = (specs: NodeSpec[], job = makeJob()) =>
    describeNoFit(filterNodes(specs.map(makeNode), requirements(job), 1.5).rejected);
  const wasm = makeJob({ task: { Engine: { Type: 'wasm', Params: {} } } });

  it('says no nodes are connected when there are none', () => {
    expect(reasons([])).toBe('no nodes are connected');
    expect(reasons([{ id: 'n-1', connection: 'DISCONNECTED' }])).toBe(
      'no nodes are connected (1 node checked): node n-1: disconnected',
    );
  });

  it('summarises a shared reason, ignoring nodes that are unavailable anyway', () => {
    expect(reasons([{ id: 'n-1' }, { id: 'n-2', connection: 'DISCONNECTED' }], wasm)).toBe(
      'no node supports engine wasm (2 nodes checked): node n-1: does not support engine wasm; node n-2: disconnected',
    );
  });

  it('says "no node fits" when the reasons differ', () => {
    expect(reasons([{ id: 'n-1' }, { id: 'n-2', engines: ['wasm'], cpu: 0.5 }], wasm)).toMatch(
      /^no node fits \(2 nodes checked\): /,
    );
  });

  it('says how much of what the job needs free, for every resource some node is short of', () => {
    const job = makeJob({ task: { Resources: { CPU: '2', Memory: '1Gb', Disk: '', GPU: '' } } });
    expect(reasons([{ id: 'n-1', cpu: 4, usage: { CPU: 5 } }], job)).toBe(
      'no node with 2 CPU free (1 node checked): node n-1: not enough CPU (needs 2, 1 free)',
    );
    const nodes: NodeSpec[] = [
      { id: 'n-1', cpu: 4, usage: { CPU: 5 } },
      { id: 'n-2', memory: 2 * GB, usage: { Memory: 2.5 * GB } },
      { id: 'n-3', cpu: 2, memory: GB, usage: { CPU: 3, Memory: 1.5 * GB } },
    ];
    expect(reasons(nodes, job)).toBe(
      'no node with 2 CPU and 1 GB memory free (3 nodes checked): node n-1: not enough CPU (needs 2, 1 free); ' +
        'node n-2: not enough memory (needs 1 GB, 500 MB free); ' +
        'node n-3: not enough CPU (needs 2, 0 free), not enough memory (needs 1 GB, 0 B free)',
    );
  });

  it('does not call a mix of full and unfit nodes a capacity problem', () => {
    const job = makeJob({ task: { Resources: { CPU: '2', Memory: '1Gb', Disk: '', GPU: '' } } });
    expect(
      reasons(
        [
          { id: 'n-1', cpu: 4, usage: { CPU: 5 } },
          { id: 'n-2', engines: ['wasm'] },
        ],
        job,
      ),
    ).toMatch(/^no node fits \(2 nodes checked\): /);
  });

  it('lists at most ten nodes', () => {
    const many = Array.from({ length: 13 }, (_, i) => ({ id: `n-${String(i).padStart(2, '0')}` }));
    expect(reasons(many, wasm)).toMatch(/node n-09: does not support engine wasm; and 3 more$/);
  });
});
