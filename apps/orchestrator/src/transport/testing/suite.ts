import type { Clock } from '@shoal/models';
import { afterEach } from 'vitest';
import type { NodeSettings } from '../../nodes/settings.js';
import type { Store } from '../../store/index.js';
import { FakeAgent, type FakeAgentOptions } from './fake-agent.js';
import { type SideHarness, startSide } from './harness.js';

/**
 * Per-test orchestrator sides and fake agents over the suite's NATS and store, all stopped after
 * each test. Call in a describe body; pass the fixtures' handles (read lazily).
 */
export function useSides(nats: { readonly url: string }, db: { readonly store: Store }) {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  return {
    async side(nodes: Partial<NodeSettings> = {}, clock?: Clock): Promise<SideHarness> {
      const started = await startSide({ url: nats.url, store: db.store, nodes, ...(clock ? { clock } : {}) });
      cleanup.push(() => started.stop());
      return started;
    },
    async agent(options: Partial<FakeAgentOptions> = {}): Promise<FakeAgent> {
      const started = await FakeAgent.start({ url: nats.url, ...options });
      cleanup.push(() => started.close());
      return started;
    },
  };
}
