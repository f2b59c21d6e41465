/**
 * Per-suite service fixtures, to call in a describe body (typically inside describeWithServices).
 * Each registers a beforeAll that acquires the resource and an afterAll that releases it, and
 * returns a handle whose properties are readable from beforeAll/it onwards (so keep the handle;
 * destructuring it in the describe body reads them too early and throws a clear error).
 */
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { afterAll, beforeAll } from 'vitest';
import { dockerClient, ensureTestImage, removeContainersByLabel } from './docker.js';
import { type NatsServer, type NatsServerOptions, startNatsServer } from './nats.js';
import { type CreateTestDatabaseOptions, createTestDatabase, type TestDatabase } from './postgres.js';
import { requireService } from './services.js';

function notReady(what: string): never {
  throw new Error(`${what} is not ready: read it in beforeAll/it, not while the suite is collected`);
}

/** A fresh database for the suite (dropped afterwards). */
export function usePostgres(options?: CreateTestDatabaseOptions): TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    await requireService('postgres');
    db = await createTestDatabase(options);
  });
  afterAll(async () => {
    await db?.drop();
  });
  return {
    get name() {
      return db?.name ?? notReady('usePostgres()');
    },
    get url() {
      return db?.url ?? notReady('usePostgres()');
    },
    drop: () => db?.drop() ?? Promise.resolve(),
  };
}

/** A nats-server of the suite's own (stopped afterwards). */
export function useNatsServer(options?: NatsServerOptions): NatsServer {
  let server: NatsServer | undefined;
  const get = () => server ?? notReady('useNatsServer()');
  beforeAll(async () => {
    await requireService('nats');
    server = await startNatsServer(options);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get url() {
      return get().url;
    },
    get port() {
      return get().port;
    },
    output: () => get().output(),
    restart: () => get().restart(),
    stop: () => get().stop(),
  };
}

export interface DockerFixture {
  readonly docker: Docker;
  /** The test image (ensured to exist). */
  readonly image: string;
  /** Put these on every container you create: afterAll removes everything carrying them. */
  readonly labels: Record<string, string>;
}

/** A Docker client, the test image, and cleanup of the suite's containers. */
export function useDocker(): DockerFixture {
  const docker = dockerClient();
  const runId = `${process.pid}-${randomBytes(4).toString('hex')}`;
  let image: string | undefined;
  beforeAll(async () => {
    await requireService('docker');
    image = await ensureTestImage(docker);
  });
  afterAll(async () => {
    if (image) await removeContainersByLabel(`shoal.test.run=${runId}`, docker);
  });
  return {
    docker,
    get image() {
      return image ?? notReady('useDocker()');
    },
    labels: { 'shoal.test': 'true', 'shoal.test.run': runId },
  };
}
