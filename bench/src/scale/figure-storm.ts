import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@shoal/testkit';
import { describeAccount, printRefusals } from './figures-jobs.js';
import { figure, ms, note, seconds, verdict } from './report.js';
import { accountRuns, countConnected, noopJob, submitJobs, waitTerminal } from './scale-api.js';
import type { ScaleSystem } from './system.js';

/**
 * Figure 5, the reconnect storm: nats-server is stopped and started again on its port under
 * `stormNodes` nodes while jobs run on them. Every connection (the orchestrator's too) reconnects
 * and every node handshakes again at once, as real agents do after a reconnect. Measured from the
 * stop until every node's new handshake is accepted and the API lists them all CONNECTED; then
 * every job that was running across the restart must have run exactly once.
 */

export interface StormConfig {
  /** Nodes connected now; the fleet shrinks to stormNodes first. */
  nodes: number;
  stormNodes: number;
  jobs: number;
  /** How long each job runs on its node (a noop Delay), so all are in flight at the restart. */
  delay: string;
  timeoutMs: number;
}

export async function reconnectStorm(sys: ScaleSystem, c: StormConfig): Promise<void> {
  const keep = Math.min(c.nodes, c.stormNodes);
  if (c.nodes > keep) {
    await sys.sim.call({ op: 'shrink', keep });
    await waitFor(async () => (await countConnected(sys.api)) === keep, {
      timeoutMs: 120_000,
      intervalMs: 1_000,
      message: `the API to list ${keep} nodes CONNECTED after the others left`,
    });
    note(`${c.nodes - keep} nodes left with a ShutdownNotice; ${keep} remain`);
  }
  const sent = await submitJobs(sys.api, noopJob('scale-storm', c.delay), c.jobs, 32);
  printRefusals(sent);
  await waitFor(
    async () => {
      const runs = await sys.sim.call({ op: 'runs' });
      return sent.acknowledged.every((id) => runs.has(id));
    },
    { timeoutMs: c.timeoutMs, intervalMs: 250, message: 'every storm job to start on a node' },
  );
  note(`${sent.acknowledged.length} jobs running on the nodes (each for ${c.delay}) when nats-server stops`);

  await sys.sim.call({ op: 'mark' });
  const before = await sys.sim.call({ op: 'stats' });
  const stopped = performance.now();
  await sys.nats.restart();
  const upAfter = performance.now() - stopped;
  let handshakenAfter: number | undefined;
  let connectedAfter: number | undefined;
  let lowest = keep;
  while (connectedAfter === undefined && performance.now() - stopped < c.timeoutMs) {
    const stats = await sys.sim.call({ op: 'stats' });
    const connected = await countConnected(sys.api).catch(() => undefined);
    if (connected !== undefined) lowest = Math.min(lowest, connected);
    if (handshakenAfter === undefined && stats.acceptedSinceMark === keep) {
      handshakenAfter = performance.now() - stopped;
    }
    if (handshakenAfter !== undefined && connected === keep) connectedAfter = performance.now() - stopped;
    else await sleep(250);
  }
  const after = await sys.sim.call({ op: 'stats' });
  const all = connectedAfter ?? Number.POSITIVE_INFINITY;
  figure(
    `reconnect storm, ${keep} nodes: nats-server restarted → all handshaken again and CONNECTED`,
    '≤ 60 s',
    connectedAfter === undefined
      ? `not within ${seconds(c.timeoutMs)} (${after.acceptedSinceMark} of ${keep} handshaken again): NOT met`
      : `${seconds(all)}: ${verdict(all <= 60_000)}`,
  );
  note(
    `server stopped and listening again after ${ms(upAfter)}; every node's handshake accepted after ${handshakenAfter === undefined ? '—' : seconds(handshakenAfter)}`,
  );
  const reconnects = after.reconnects - before.reconnects;
  const failures = after.handshakeFailures - before.handshakeFailures;
  note(`NATS reconnects ${reconnects}; handshakes failed or unanswered meanwhile ${failures} (each retried)`);
  note(`lowest CONNECTED count the API showed meanwhile: ${lowest} of ${keep}`);

  await waitTerminal(sys.api, 'scale-storm', sent.acknowledged.length, c.timeoutMs);
  const runs = await sys.sim.call({ op: 'runs' });
  const account = await accountRuns(sys.api, 'scale-storm', sent.acknowledged, runs);
  figure(
    `${sent.acknowledged.length} jobs in flight across the restart`,
    'none lost or doubled',
    describeAccount(account),
  );
}
