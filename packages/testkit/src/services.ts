/**
 * Real services in tests, and what happens when one is missing.
 *
 * Tests talk to real Postgres, NATS and Docker. When a service is unavailable:
 *   - under CI=true the tests FAIL, with a message naming the service, what was tried and the env
 *     var / script that provides it: CI must never go green by skipping;
 *   - locally they are SKIPPED, with the reason in the suite title, so `pnpm test` works on a laptop
 *     without Docker.
 *
 * The pattern:
 *
 *   describeWithServices(['postgres', 'nats'], 'job repository', () => {
 *     const db = usePostgres();            // beforeAll: create a fresh database; afterAll: drop it
 *     const nats = useNatsServer();        // beforeAll: spawn nats-server; afterAll: stop it
 *     it('...', async () => { const sql = postgres(db.url); ... });
 *   });
 *
 * describeWithServices probes the services while the suite is collected. All present: the suite
 * runs. Missing under CI: the suite runs with a beforeAll that throws ServiceUnavailableError, so
 * every test in it fails with the reason. Missing locally: the suite is registered as skipped.
 *
 * Lower level: `await requireService('docker')` (e.g. in a beforeAll) throws
 * ServiceUnavailableError when missing, CI or not; `checkService(name)` never throws.
 */
import { beforeAll, describe } from 'vitest';
import { probeDocker } from './docker.js';
import { probeNats } from './nats.js';
import { probePostgres } from './postgres.js';
import { probePostgresServer } from './postgres-server.js';

export type ServiceName = 'postgres' | 'postgres-server' | 'nats' | 'docker';

export interface ServiceStatus {
  readonly service: ServiceName;
  readonly available: boolean;
  /** Why it is unavailable (empty when available). */
  readonly reason: string;
  /** How to provide it. */
  readonly hint: string;
}

const hints: Record<ServiceName, string> = {
  postgres:
    'set DATABASE_URL to a Postgres where the user may CREATE DATABASE ' +
    '(default postgres://postgres@127.0.0.1:5432/postgres; infra/scripts/postgres.sh starts one)',
  'postgres-server':
    'install the Postgres server binaries (apt-get install postgresql-15, or set PG_BIN_DIR); ' +
    'as root, a `postgres` user must exist (infra/scripts/postgres.sh creates one)',
  nats: 'install nats-server (apt-get install nats-server) or set NATS_SERVER_BIN to its path',
  docker:
    'start Docker (infra/scripts/docker.sh), set DOCKER_HOST if it is not on /var/run/docker.sock, ' +
    'and build the test image with infra/scripts/test-images.sh (SHOAL_TEST_IMAGE)',
};

const probes: Record<ServiceName, () => Promise<string | undefined>> = {
  postgres: () => probePostgres(),
  'postgres-server': probePostgresServer,
  nats: probeNats,
  docker: probeDocker,
};

/** True when running in CI (CI=true or CI=1): missing services then fail instead of skipping. */
export function isCI(): boolean {
  const ci = (process.env.CI ?? '').toLowerCase();
  return ci !== '' && ci !== 'false' && ci !== '0';
}

const cache = new Map<ServiceName, Promise<ServiceStatus>>();

/** Probes a service once per process (env does not change during a run). Never throws. */
export function checkService(service: ServiceName): Promise<ServiceStatus> {
  let status = cache.get(service);
  if (!status) {
    const probe = probes[service];
    if (!probe)
      throw new TypeError(`unknown service '${service}' (postgres | postgres-server | nats | docker)`);
    status = probe().then(
      (reason) => ({ service, available: reason === undefined, reason: reason ?? '', hint: hints[service] }),
      (error: unknown) => ({ service, available: false, reason: String(error), hint: hints[service] }),
    );
    cache.set(service, status);
  }
  return status;
}

export class ServiceUnavailableError extends Error {
  override name = 'ServiceUnavailableError';
  constructor(readonly missing: readonly ServiceStatus[]) {
    const lines = missing.map((s) => `  - ${s.service}: ${s.reason}\n    fix: ${s.hint}`);
    const mode = isCI()
      ? 'CI=true, so tests needing them fail instead of being skipped'
      : 'not running in CI';
    super(`required service(s) unavailable (${mode}):\n${lines.join('\n')}`);
  }
}

/** The statuses of the given services that are unavailable. */
export async function missingServices(services: readonly ServiceName[]): Promise<ServiceStatus[]> {
  const statuses = await Promise.all(services.map(checkService));
  return statuses.filter((s) => !s.available);
}

/** Throws ServiceUnavailableError when the service is unavailable (in CI and locally). */
export async function requireService(...services: ServiceName[]): Promise<void> {
  const missing = await missingServices(services);
  if (missing.length > 0) throw new ServiceUnavailableError(missing);
}

/**
 * `describe(title, fn)` that needs real services: runs when they are available, fails under CI
 * when they are not, and is skipped locally (services in the title, reason on stderr).
 */
export function describeWithServices(services: readonly ServiceName[], title: string, fn: () => void): void {
  describe(title, async () => {
    const missing = await missingServices(services);
    if (missing.length === 0) return fn();
    if (isCI()) {
      beforeAll(() => {
        throw new ServiceUnavailableError(missing);
      });
      return fn();
    }
    const why = missing.map((s) => `${s.service}: ${s.reason}`).join('; ');
    console.warn(`[testkit] skipping "${title}": ${why} (CI=true would fail instead)`);
    describe.skip(`skipped: ${missing.map((s) => s.service).join(', ')} unavailable`, fn);
  });
}
