import { copyFileSync, readFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { makeCa, makeServerCertificate, makeTempDir, type TempDir } from '@shoal/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFERRED_CA_VARIABLE, installDeferredCa } from './deferred-ca.js';

/** An https server whose certificate only the test CA vouches for. */
describe('installDeferredCa', () => {
  let dir: TempDir;
  let server: Server;
  let url: string;
  let caFile: string;
  let undo: () => void = () => {};

  beforeAll(async () => {
    dir = await makeTempDir('shoal-deferred-ca-');
    const authority = makeCa(join(dir.path, 'ca'), 'shoal deferred CA');
    caFile = authority.cert;
    const certificate = makeServerCertificate(dir.path, authority);
    server = createServer(
      { cert: readFileSync(certificate.cert), key: readFileSync(certificate.key) },
      (_, res) => res.end('ok'),
    );
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterEach(() => undo());
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
    await dir.cleanup();
  });

  /** A fresh connection each time (no agent), so each one makes its own TLS context. */
  const fetchOk = () =>
    new Promise<string>((resolve, reject) => {
      get(url, { agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });

  it('does nothing without the variable', async () => {
    const before = tls.createSecureContext;
    const env: NodeJS.ProcessEnv = {};
    undo = await installDeferredCa(env);
    expect(tls.createSecureContext).toBe(before);
    expect(env).toEqual({});
    await expect(fetchOk()).rejects.toThrow(/self.signed|unable to verify|UNABLE_TO_VERIFY/i);
  });

  it('trusts the file once a connection needs it, and not before: it is read then', async () => {
    // The file does not exist yet when the command starts: only a lazy read can find it.
    const later = join(dir.path, 'later.pem');
    const env: NodeJS.ProcessEnv = { [DEFERRED_CA_VARIABLE]: later };
    const warnings: string[] = [];
    undo = await installDeferredCa(env, (m) => warnings.push(m));
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: later });
    copyFileSync(caFile, later);
    await expect(fetchOk()).resolves.toBe('ok');
    await expect(fetchOk()).resolves.toBe('ok');
    expect(warnings).toEqual([]);
  });

  it('leaves a connection that brings its own CAs alone', async () => {
    undo = await installDeferredCa({ [DEFERRED_CA_VARIABLE]: caFile });
    const other = makeCa(join(dir.path, 'other'), 'another CA');
    const refused = new Promise<Error>((resolve) => {
      get(url, { agent: false, ca: readFileSync(other.cert) }, () => resolve(new Error('answered'))).on(
        'error',
        resolve,
      );
    });
    expect((await refused).message).toMatch(/unable to verify|UNABLE_TO_VERIFY|self.signed/i);
  });

  it('warns as node does when the file cannot be read, and trusts the bundled roots alone', async () => {
    const missing = join(dir.path, 'missing.pem');
    const warnings: string[] = [];
    undo = await installDeferredCa({ [DEFERRED_CA_VARIABLE]: missing }, (m) => warnings.push(m));
    expect(warnings).toEqual([]);
    await expect(fetchOk()).rejects.toThrow(/unable to verify|UNABLE_TO_VERIFY/i);
    expect(warnings).toEqual([expect.stringContaining(`Ignoring extra certs from \`${missing}\``)]);
  });
});
