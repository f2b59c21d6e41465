import { makeTempDir, type PostgresServer, startPostgresServer, type TempDir } from '@shoal/testkit';
import { pino } from 'pino';
import postgres from 'postgres';
import { type RunningOrchestrator, startOrchestrator } from '../main.js';

/**
 * An orchestrator over a Postgres server of its own, which the fault tests stop, freeze and
 * restart; and the HTTP calls they make, each timed from before it is sent to its last byte.
 */

export interface Rig {
  readonly pg: PostgresServer;
  readonly orchestrator: RunningOrchestrator;
  /** A connection of the test's own, for counting what was committed. */
  readonly sql: postgres.Sql;
  call(method: string, path: string, body?: unknown): Promise<Answer>;
  close(): Promise<void>;
}

export interface Answer {
  status: number;
  /** From before the request was sent until its body was read. */
  ms: number;
  retryAfter: string | null;
  body: Record<string, unknown>;
}

export async function startRig(): Promise<Rig> {
  const pg = await startPostgresServer();
  let dir: TempDir | undefined;
  let orchestrator: RunningOrchestrator | undefined;
  const sql = postgres(pg.url, { max: 2, onnotice: () => {}, connect_timeout: 5 });
  try {
    dir = await makeTempDir('shoal-faults-');
    orchestrator = await startOrchestrator(
      { apiHost: '127.0.0.1', apiPort: 0, dataDir: dir.path, db: pg.url, natsPort: 0 },
      { logger: pino({ level: process.env.SHOAL_TEST_LOG ?? 'silent' }) },
    );
  } catch (error) {
    await sql.end({ timeout: 1 });
    await dir?.cleanup();
    await pg.destroy();
    throw error;
  }
  const running = orchestrator;
  const workDir = dir;
  return {
    pg,
    orchestrator: running,
    sql,
    call: (method, path, body) => timedCall(`${running.url}${path}`, method, body),
    async close() {
      await pg.thaw();
      await sql.end({ timeout: 1 });
      await running.stop();
      await pg.destroy();
      await workDir.cleanup();
    },
  };
}

/** A call still unanswered after this long is given up on and reported with status 0. */
const GIVE_UP_MS = 15_000;

async function timedCall(url: string, method: string, body?: unknown): Promise<Answer> {
  const started = performance.now();
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method,
      signal: AbortSignal.timeout(GIVE_UP_MS),
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    });
    text = await response.text();
  } catch (error) {
    const ms = performance.now() - started;
    return { status: 0, ms, retryAfter: null, body: { Message: String(error) } };
  }
  return {
    status: response.status,
    ms: performance.now() - started,
    retryAfter: response.headers.get('Retry-After'),
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

export const JOBS = '/api/v1/orchestrator/jobs';

/** A PUT body: a job that needs no node, labelled so a test can count its own jobs. */
export function putBody(label: string, token?: string): Record<string, unknown> {
  return {
    Job: {
      Type: 'batch',
      Labels: { fault: label },
      Tasks: [{ Name: 't', Engine: { Type: 'noop' } }],
    },
    ...(token === undefined ? {} : { IdempotencyToken: token }),
  };
}

/** The ids of the committed jobs labelled `label`. */
export async function jobIdsLabelled(sql: postgres.Sql, label: string): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`select id from jobs where labels->>'fault' = ${label}`;
  return rows.map((r) => r.id).sort();
}
