import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  describeWithServices,
  makeCa,
  makeServerCertificate,
  makeTempDir,
  startNatsServer,
  type TempDir,
} from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectNats, natsTlsOption } from './connection.js';

describeWithServices(['nats'], 'NATS over TLS (--nats-tls-ca)', () => {
  let dir: TempDir;
  let server: Awaited<ReturnType<typeof startNatsServer>>;
  let ca: { cert: string; key: string };
  beforeAll(async () => {
    dir = await makeTempDir('shoal-nats-tls-');
    ca = makeCa(join(dir.path, 'ca'), 'shoal test CA');
    const tls = makeServerCertificate(dir.path, ca);
    server = await startNatsServer({ args: ['--tls', '--tlscert', tls.cert, '--tlskey', tls.key] });
  });
  afterAll(async () => {
    await server?.stop();
    await dir?.cleanup();
  });

  it('connects with the CA that signed the server, and exchanges messages', async () => {
    const nc = await connectNats({
      servers: server.url,
      name: 'tls-test',
      ...natsTlsOption({ natsTlsCa: ca.cert }),
    });
    try {
      nc.subscribe('tls.echo', {
        max: 1,
        callback: (_error, m) => {
          m.respond(m.data);
        },
      });
      const reply = await nc.request('tls.echo', new TextEncoder().encode('over tls'), { timeout: 2_000 });
      expect(new TextDecoder().decode(reply.data)).toBe('over tls');
    } finally {
      await nc.close();
    }
  });

  it('refuses a server that the given CA did not sign', async () => {
    const stranger = makeCa(join(dir.path, 'stranger'), 'another CA');
    const tls = natsTlsOption({ natsTlsCa: stranger.cert });
    await expect(
      connectNats({ servers: server.url, name: 'tls-test', timeoutMs: 2_000, ...tls }),
    ).rejects.toThrow();
  });
});
