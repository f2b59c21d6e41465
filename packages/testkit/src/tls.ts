import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Throwaway certificates for TLS tests, made with the openssl command line. */

const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });

/** A throwaway certificate authority in `dir`: its certificate and key. */
export function makeCa(dir: string, name: string) {
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
export function makeServerCertificate(dir: string, ca: { cert: string; key: string }) {
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
