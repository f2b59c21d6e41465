import { ErrorCode, isShoalError, manualClock } from '@shoal/models';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeNode } from '../api/test-support.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { NodeService } from './node-service.js';

let store: Store;
let writes: string[];
let service: NodeService;
const clock = manualClock();

beforeAll(async () => {
  store = await openStore({ url: 'pglite:memory' });
  writes = [];
  // Count membership writes, to see that a repeated decision changes nothing.
  const counted: Store = {
    ...store,
    nodes: {
      ...store.nodes,
      setMembership: (id, membership, now) => {
        writes.push(`${id}:${membership}`);
        return store.nodes.setMembership(id, membership, now);
      },
    },
  };
  service = new NodeService({ store: counted, clock, logger: pino({ level: 'silent' }) });
  await store.nodes.upsert(computeNode('n-pending', {}, 'PENDING'), clock.now());
});
afterAll(async () => {
  await store.close();
});

describe('node actions', () => {
  it('approves once; approving again succeeds without a write', async () => {
    expect(await service.act('n-pend', { Action: 'approve' })).toEqual({ Success: true });
    expect(await service.act('n-pending', { Action: 'approve' })).toEqual({ Success: true });
    expect(writes).toEqual(['n-pending:APPROVED']);
    expect((await store.nodes.get('n-pending')).Membership).toBe('APPROVED');
  });

  it('rejects, then deletes', async () => {
    await service.act('n-pending', { Action: 'reject', Message: 'unknown host' });
    expect((await service.get('n-pending')).Node.Membership).toBe('REJECTED');
    await service.act('n-pending', { Action: 'delete' });
    const error = await service.get('n-pending').catch((e: unknown) => e);
    expect(isShoalError(error) && error.code).toBe(ErrorCode.NotFound);
  });
});
