import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCa, makeServerCertificate, makeTempDir, type TempDir } from '@shoal/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../../shoal', import.meta.url));

/** `./shoal` as a process against an https:// API: TLS verified with the system's CAs, and the token sent. */
describe('./shoal against an https API', () => {
  let dir: TempDir;
  let server: Server;
  let api: string;
  let ca: string;
  const authorizations: Array<string | undefined> = [];

  beforeAll(async () => {
    dir = await makeTempDir('shoal-api-tls-');
    const authority = makeCa(join(dir.path, 'ca'), 'shoal test CA');
    const certificate = makeServerCertificate(dir.path, authority);
    ca = authority.cert;
    server = createServer(
      { cert: readFileSync(certificate.cert), key: readFileSync(certificate.key) },
      (req, res) => {
        authorizations.push(req.headers.authorization);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"Status":"OK"}');
      },
    );
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    api = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
    await dir.cleanup();
  });

  const shoal = (env: Record<string, string>, args = ['agent', 'alive', '--api', api]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(script, args, { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
        done({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });

  it('talks to a server whose CA it is given, with the token as a bearer token', async () => {
    const run = await shoal({ NODE_EXTRA_CA_CERTS: ca, SHOAL_TOKEN: 'tls-t0ken' });
    expect(run).toMatchObject({ code: 0, stdout: 'OK\n' });
    expect(authorizations).toEqual(['Bearer tls-t0ken']);
  });

  it('reads NODE_EXTRA_CA_CERTS only when it opens a TLS connection', async () => {
    // node itself warns about an unreadable file as it starts, before any of the CLI runs.
    const missing = join(dir.path, 'missing.pem');
    const quiet = await shoal({ NODE_EXTRA_CA_CERTS: missing }, ['version']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toContain('Ignoring extra certs');
    const connecting = await shoal({ NODE_EXTRA_CA_CERTS: missing, SHOAL_TOKEN: 'tls-t0ken' });
    expect(connecting.code).toBe(1);
    expect(connecting.stderr).toContain(`Ignoring extra certs from \`${missing}\``);
    expect(connecting.stderr).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('refuses a server whose certificate it cannot verify', async () => {
    const run = await shoal({ SHOAL_TOKEN: 'tls-t0ken' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach the Shoal API at ${api}: UNABLE_TO_VERIFY_LEAF_SIGNATURE`);
    expect(authorizations).toHaveLength(1);
  });
});
