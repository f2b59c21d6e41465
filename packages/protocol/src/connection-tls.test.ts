import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithServices, makeTempDir, startNatsServer, type TempDir } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectNats, natsTlsOption } from './connection.js';

const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });

/** A throwaway certificate authority in `dir`: its certificate and key. */
function makeCa(dir: string, name: string) {
  mkdirSync(dir, { recursive: true });
  const [cert, key] = [join(dir, 'ca.pem'), join(dir, 'ca.key')];
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    key,
    '-out',
    cert,
  );
  return { cert, key };
}

/** A server certificate for 127.0.0.1 and localhost, signed by `ca`. */
function makeServerCertificate(dir: string, ca: { cert: string; key: string }) {
  const path = (name: string) => join(dir, name);
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    path('server.key'),
    '-out',
    path('server.csr'),
  );
  writeFileSync(path('san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    'x509',
    '-req',
    '-in',
    path('server.csr'),
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    path('san.cnf'),
    '-out',
    path('server.pem'),
  );
  return { cert: path('server.pem'), key: path('server.key') };
}

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
