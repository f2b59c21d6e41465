import type { Capacity, NodeState } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { renderTable } from '../output/table.js';
import { NODE_COLUMNS, nodeText } from './node.js';

/** How a node's queue (ComputeNodeInfo.QueueCapacity) reads in `node describe` and `node list --wide`. */

const GiB = 1024 ** 3;
const max = { CPU: 4, Memory: 8 * GiB, Disk: 100 * GiB, GPU: 0 };

function node(queue?: Capacity): NodeState {
  return {
    Info: {
      NodeID: 'n-queue',
      NodeType: 'Compute',
      Labels: {},
      ComputeNodeInfo: {
        ExecutionEngines: ['docker'],
        Publishers: ['local'],
        StorageSources: [],
        MaxCapacity: max,
        AvailableCapacity: { ...max, CPU: 1.5 },
        MaxJobRequirements: max,
        RunningExecutions: 3,
        EnqueuedExecutions: 2,
        ...(queue === undefined ? {} : { QueueCapacity: queue }),
      },
      Version: {
        Major: '0',
        Minor: '1',
        GitVersion: 'v0.1.0',
        GitCommit: '',
        BuildDate: '',
        GOOS: 'linux',
        GOARCH: 'amd64',
      },
    },
    Membership: 'APPROVED',
    Connection: 'CONNECTED',
  };
}

const field = (text: string, key: string) => text.split('\n').find((l) => l.startsWith(`${key} `));

describe('a node’s queue', () => {
  it('is a Queue row after the capacity rows, naming what it holds', () => {
    const text = nodeText(node({ CPU: 2, Memory: 4 * GiB, Disk: 0, GPU: 0 }));
    const keys = text.split('\n').map((l) => l.split(' = ')[0]?.trim());
    expect(keys.slice(keys.indexOf('GPU'), keys.indexOf('GPU') + 3)).toEqual(['GPU', 'Queue', 'Running']);
    expect(field(text, 'Queue')).toMatch(/^Queue\s+= 2 CPU, 4 GiB memory$/);
    expect(field(text, 'CPU')).toMatch(/^CPU\s+= 1\.5 \/ 4$/);
  });

  it('is no row for a node without one, and says none for an empty one', () => {
    expect(field(nodeText(node()), 'Queue')).toBeUndefined();
    expect(field(nodeText(node({ CPU: 0, Memory: 0, Disk: 0, GPU: 0 })), 'Queue')).toMatch(/= none$/);
  });

  it('is a QUEUE column in the wide list, empty for a node without one', () => {
    const table = renderTable(NODE_COLUMNS, [node({ CPU: 0.5, Memory: 0, Disk: 10 * GiB, GPU: 1 }), node()], {
      tty: false,
      wide: true,
    });
    const [header, queued, plain] = table.split('\n');
    expect(header).toMatch(/\bGPU\s+QUEUE\s+ENGINES\b/);
    expect(queued).toContain('0.5 CPU, 10 GiB disk, 1 GPU');
    expect(plain).not.toContain('CPU,');
    expect(renderTable(NODE_COLUMNS, [node()], { tty: false, wide: false })).not.toContain('QUEUE');
  });
});
