import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { type NatsServer, startNatsServer } from '@shoal/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { connectWhenReachable } from './connect.js';

/**
 * A TCP proxy to a real nats-server that leaves its first `silent` connections unanswered: what a
 * client sees when nats-server drops a connection opened while it reloads its users.
 */
async function silentAtFirst(
  target: NatsServer,
  silent: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  let seen = 0;
  const server = createServer((client) => {
    sockets.push(client);
    if (++seen <= silent) return;
    const upstream = tcpConnect(target.port, '127.0.0.1');
    sockets.push(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const close = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((done) => server.close(() => done()));
  };
  return { url: `nats://127.0.0.1:${address.port}`, close };
}

describe('connectWhenReachable', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('with firstAttemptMs, gives up on an unanswered attempt long before the connection timeout', async () => {
    const nats = await startNatsServer();
    cleanups.push(() => nats.stop());
    const proxy = await silentAtFirst(nats, 1);
    cleanups.push(() => proxy.close());
    // The connection's own timeout is a minute: only the first attempt's deadline ends the wait
    // for the unanswered connection within this test's time.
    const nc = await connectWhenReachable(
      { servers: proxy.url, name: 'connect-test', timeoutMs: 60_000 },
      silentLogger,
      { maxMs: 100, firstAttemptMs: 200 },
    );
    cleanups.push(() => nc.close());
    expect(nc.isClosed()).toBe(false);
    await nc.flush();
  }, 15_000);
});
