/**
 * A real S3 API for tests: s3rver (a filesystem-backed S3 server) in this process, on a free port,
 * storing objects in a temp directory.
 *
 *   const s3 = await startS3Server();
 *   await s3.createBucket('inputs');
 *   const client = s3.client();                 // @aws-sdk/client-s3, path-style, s3rver's keys
 *   process.env = { ...process.env, ...s3.env }; // for code that reads the SDK's default chain
 *   await s3.stop();                             // closes the server and removes its directory
 *
 * s3rver accepts any request signed with the access key S3RVER and secret S3RVER. It knows neither
 * object versions nor the SDK's flexible checksums, so clients made here send a checksum only when
 * the operation requires one.
 */

import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { getFreePort } from './ports.js';
import { makeTempDir } from './tmp.js';

/** The part of s3rver's (untyped) API used here. */
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface S3Server {
  /** `http://127.0.0.1:<port>`; clients must use path-style addressing (forcePathStyle). */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: S3Credentials;
  /** The SDK default chain's variables for these credentials and region (AWS_ACCESS_KEY_ID…). */
  readonly env: Readonly<Record<string, string>>;
  /** Directory holding the server's buckets. */
  readonly dir: string;
  /** A client for this server; `stop()` destroys it. */
  client(): S3Client;
  /** Creates each bucket (names need 3+ characters). */
  createBucket(...names: string[]): Promise<void>;
  /** Closes the server and every client made by `client()`, and removes the directory. Idempotent. */
  stop(): Promise<void>;
}

const S3RVER_KEY = 'S3RVER';

function loadS3rver(): S3rverConstructor {
  // s3rver is CommonJS without type declarations.
  return createRequire(import.meta.url)('s3rver') as S3rverConstructor;
}

export async function startS3Server(options: { region?: string } = {}): Promise<S3Server> {
  const region = options.region ?? 'us-east-1';
  const dir = await makeTempDir('shoal-s3-');
  const S3rver = loadS3rver();
  let server: S3rverInstance | undefined;
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await getFreePort();
    const candidate = new S3rver({
      address: '127.0.0.1',
      port,
      directory: dir.path,
      silent: true,
      // Path-style only: a host such as 127.0.0.1 must not be read as a bucket name.
      vhostBuckets: false,
    });
    try {
      await candidate.run();
      server = candidate;
      break;
    } catch (error) {
      // Another process may take the free port before s3rver binds it.
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 4) {
        await dir.cleanup();
        throw error;
      }
    }
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY };
  const clients = new Set<S3Client>();
  const client = () => {
    const made = new S3Client({
      endpoint,
      region,
      credentials,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    clients.add(made);
    return made;
  };
  let admin: S3Client | undefined;
  let stopped = false;
  return {
    endpoint,
    region,
    credentials,
    env: { AWS_ACCESS_KEY_ID: S3RVER_KEY, AWS_SECRET_ACCESS_KEY: S3RVER_KEY, AWS_REGION: region },
    dir: dir.path,
    client,
    async createBucket(...names) {
      admin ??= client();
      for (const name of names) await admin.send(new CreateBucketCommand({ Bucket: name }));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const made of clients) made.destroy();
      clients.clear();
      // Keep-alive sockets from clients in other modules would hold close() open.
      server?.httpServer?.closeAllConnections?.();
      await server?.close();
      await dir.cleanup();
    },
  };
}
