import { connect, type NatsConnection, type Status } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { useNatsServer } from './fixtures.js';
import { describeWithServices } from './services.js';

/** Resolves on the connection's next status event of the given type (listen before acting). */
async function nextStatus(nc: NatsConnection, type: Status['type']): Promise<Status> {
  for await (const status of nc.status()) {
    if (status.type === type) return status;
  }
  throw new Error(`connection closed before a '${type}' status`);
}

describeWithServices(['nats'], 'nats smoke test', () => {
  const server = useNatsServer({ jetstream: true });
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connect({
      servers: server.url,
      name: 'testkit-smoke',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 50,
    });
    nc.subscribe('smoke.echo', {
      callback: (error, msg) => {
        if (!error) msg.respond(`echo:${msg.string()}`);
      },
    });
    await nc.flush();
  });

  afterAll(async () => {
    await nc?.close();
  });

  it('spawned its own server on a free port', () => {
    expect(server.port).not.toBe(4222);
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
  });

  it('request/reply round-trip, then the client reconnects after restart()', async () => {
    const first = await nc.request('smoke.echo', 'one', { timeout: 2_000 });
    expect(first.string()).toBe('echo:one');

    const reconnected = nextStatus(nc, 'reconnect');
    await server.restart();
    await reconnected;
    await nc.flush(); // the re-sent subscription has reached the new server process

    const second = await nc.request('smoke.echo', 'two', { timeout: 2_000 });
    expect(second.string()).toBe('echo:two');
  });
});
