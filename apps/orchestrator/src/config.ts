import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DEFAULT_MAX_JOB_BYTES,
  MAX_JOB_BYTES_CEILING,
  parseBytes,
  parseDurationMs,
  ResourceParseError,
} from '@shoal/models';
import { z } from 'zod';

/** A value with a unit (`60s`, `512KiB`) or a plain number, parsed, then checked by `fits`. */
function quantitySchema(parse: (text: string) => number, fits: (n: number) => boolean, problem: string) {
  return z.union([z.string(), z.number()]).transform((value, ctx): number => {
    try {
      const n = typeof value === 'number' ? value : parse(value);
      if (fits(n)) return n;
      ctx.addIssue({ code: 'custom', message: problem });
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
    return z.NEVER;
  });
}

/** A Go-style duration (`60s`, `1m30s`) or a number of milliseconds; milliseconds once parsed. */
function durationSchema(allowZero: boolean) {
  return quantitySchema(
    (text) => (text.trim() === '0' ? 0 : parseDurationMs(text)),
    (ms) => Number.isFinite(ms) && (ms > 0 || (allowZero && ms === 0)),
    allowZero ? 'must be a duration, or 0 to turn it off' : 'must be a positive duration',
  );
}
const duration = durationSchema(false);

/** parseBytes, whose errors speak of memory, with an error that speaks of a size. */
function parseSize(text: string): number {
  try {
    return parseBytes(text);
  } catch (error) {
    if (!(error instanceof ResourceParseError)) throw error;
    throw new Error(`invalid size ${JSON.stringify(text)}: ${error.reason}`);
  }
}

/** A size (`512KiB`, `1MB`) or a number of bytes; bytes once parsed. */
const sizeSchema = (min: number, max: number) =>
  quantitySchema(
    parseSize,
    (bytes) => Number.isSafeInteger(bytes) && bytes >= min && bytes <= max,
    `must be a size from ${min} to ${max} bytes, e.g. 512KiB`,
  );

/** RFC 6750's token characters: a token outside them could never be sent in a Bearer header. */
const apiToken = z.string().regex(/^[A-Za-z0-9\-._~+/]+=*$/, {
  error: 'use letters, digits and - . _ ~ + / (e.g. the output of `openssl rand -hex 32`)',
});

/** The orchestrator's settings, as flags give them. Validated once, at the edge. */
export const OrchestratorConfigSchema = z
  .strictObject({
    apiHost: z.string().min(1).default('0.0.0.0'),
    apiPort: z.int().min(0).max(65535).default(1234),
    dataDir: z.string().min(1).default(join(homedir(), '.shoal')),
    /** `postgres://…` or `pglite:<dir>`; empty means PGlite under the data directory. */
    db: z
      .string()
      .refine((v) => v === '' || /^postgres(ql)?:\/\//.test(v) || v.startsWith('pglite:'), {
        message: 'must be postgres://… or pglite:<dir>',
      })
      .default(''),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    /** How long shutdown waits for requests in flight before closing connections. */
    shutdownGraceMs: z.int().min(0).max(600_000).default(10_000),
    evaluationPollMs: z.int().min(10).max(60_000).default(200),
    /**
     * Evaluation batches in flight. Placement is serialized by one lock whichever worker holds it,
     * so a second worker in the same process only waits for it: with four, the wait for the lock
     * was most of a placement's latency and freed slots sat idle for half a second. One worker
     * takes everything that gathered while it was busy as its next batch. Claims are leased rows,
     * so more workers (or orchestrators) stay correct.
     */
    evaluationWorkers: z.int().min(1).max(64).default(1),
    /** An external NATS server (`nats://host:4222`); empty means spawn and supervise nats-server. */
    natsUrl: z.string().default(''),
    /** Where the spawned nats-server listens; 0 (or a port already taken) picks a free one. */
    natsHost: z.string().min(1).default('127.0.0.1'),
    natsPort: z.int().min(0).max(65535).default(4222),
    /**
     * How the orchestrator logs in to a NATS server given by natsUrl: a token, a user and
     * password, an nkey seed file or a credentials file. The server started here needs none of
     * them: it knows the orchestrator by an nkey of its own and nodes by the keys they joined with.
     */
    natsToken: z.string().min(1).optional(),
    natsUser: z.string().min(1).optional(),
    natsPassword: z.string().min(1).optional(),
    natsNkey: z.string().min(1).optional(),
    natsCreds: z.string().min(1).optional(),
    /** The password of the `join` user on the server started here; default: made at first start. */
    joinToken: z.string().min(16).optional(),
    /**
     * TLS. With natsUrl: the CA that signed that server, and a client cert and key. For the server
     * started here: its certificate and key, and the CA its own client checks it with (default:
     * the certificate itself, when it is self-signed).
     */
    natsTlsCa: z.string().min(1).optional(),
    natsTlsCert: z.string().min(1).optional(),
    natsTlsKey: z.string().min(1).optional(),
    /** A node that has not been heard from for this long is DISCONNECTED (Go duration or ms). */
    nodeDisconnectTimeout: duration.default(60_000),
    /** After start, nodes are not judged for this long; default: the disconnect timeout. */
    nodeGracePeriod: duration.optional(),
    /** Executions a job's partition may use on infrastructure failures before the job fails. */
    maxAttempts: z.int().min(1).max(100).default(3),
    /** How long a job that sets no QueueTimeout waits for room (Go duration or ms); 0: it fails at once. */
    defaultQueueTimeout: durationSchema(true).default(3_600_000),
    /**
     * `token`: a node that joined with the join token is APPROVED at its first handshake.
     * `manual`: it stays PENDING until an operator approves it. Either way a node needs
     * credentials (the join token, or its own on an external NATS) to reach the orchestrator.
     */
    nodeApproval: z.enum(['token', 'manual']).default('token'),
    /** API bearer token with full access; with either token set, the API requires one. */
    apiToken: apiToken.optional(),
    /** API bearer token for GET routes only. */
    apiReadToken: apiToken.optional(),
    /**
     * The largest job spec the API accepts (413 above it). Bounded above because an accepted job
     * must fit the one NATS message that carries it to an agent (see models' submission/limits.ts).
     */
    maxJobBytes: sizeSchema(1024, MAX_JOB_BYTES_CEILING).default(DEFAULT_MAX_JOB_BYTES),
  })
  .superRefine((c, ctx) => {
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    const logins = (['natsToken', 'natsUser', 'natsNkey', 'natsCreds'] as const).filter(
      (key) => c[key] !== undefined,
    );
    if (logins.length > 1)
      problem(logins[0] ?? '', `use one way to log in to NATS, not ${logins.join(' and ')}`);
    if (c.natsUrl === '' && logins.length > 0) {
      problem(
        logins[0] ?? '',
        'is for a NATS server given with natsUrl; the one started here uses nkeys and the join token',
      );
    }
    if (c.natsUrl !== '' && c.joinToken !== undefined) {
      problem('joinToken', 'nodes join with a token only on the NATS server started here (no natsUrl)');
    }
    if (c.natsUrl === '' && c.natsTlsCa !== undefined && c.natsTlsCert === undefined) {
      problem('natsTlsCa', 'the NATS server started here needs natsTlsCert and natsTlsKey to serve TLS');
    }
    if ((c.natsTlsCert === undefined) !== (c.natsTlsKey === undefined)) {
      problem(
        c.natsTlsCert === undefined ? 'natsTlsCert' : 'natsTlsKey',
        'natsTlsCert and natsTlsKey go together',
      );
    }
    if ((c.natsUser === undefined) !== (c.natsPassword === undefined)) {
      problem(
        c.natsUser === undefined ? 'natsUser' : 'natsPassword',
        'natsUser and natsPassword go together',
      );
    }
    if (c.apiToken !== undefined && c.apiToken === c.apiReadToken) {
      problem('apiReadToken', 'must differ from apiToken, or the read-only token grants full access');
    }
  });
export type OrchestratorConfig = z.output<typeof OrchestratorConfigSchema>;
export type OrchestratorConfigInput = z.input<typeof OrchestratorConfigSchema>;

export function storeUrl(config: OrchestratorConfig): string {
  return config.db || `pglite:${join(resolve(config.dataDir), 'orchestrator', 'db')}`;
}

/** The config as /api/v1/agent/config shows it: passwords in URLs are masked. */
export function publicConfig(config: OrchestratorConfig): Record<string, unknown> {
  return {
    API: {
      Host: config.apiHost,
      Port: config.apiPort,
      Token: config.apiToken === undefined ? '' : MASK,
      ReadToken: config.apiReadToken === undefined ? '' : MASK,
      MaxJobBytes: config.maxJobBytes,
    },
    DataDir: config.dataDir,
    Store: maskUrl(storeUrl(config)),
    LogLevel: config.logLevel,
    NATS: {
      URL: maskUrl(config.natsUrl),
      Host: config.natsHost,
      Port: config.natsPort,
      Token: config.natsToken === undefined ? '' : MASK,
      User: config.natsUser ?? '',
      Password: config.natsPassword === undefined ? '' : MASK,
      NkeyFile: config.natsNkey ?? '',
      CredsFile: config.natsCreds ?? '',
      TLS: config.natsTlsCert !== undefined || config.natsTlsCa !== undefined,
    },
    Scheduler: {
      MaxAttempts: config.maxAttempts,
      DefaultQueueTimeoutMs: config.defaultQueueTimeout,
    },
    Nodes: {
      DisconnectTimeoutMs: config.nodeDisconnectTimeout,
      GracePeriodMs: config.nodeGracePeriod ?? config.nodeDisconnectTimeout,
      Approval: config.nodeApproval,
    },
  };
}

const MASK = '*****';

export function maskUrl(url: string): string {
  // user:password@ keeps the user; a lone token@ (nats://s3cret@host) is all secret.
  return url
    .replace(/^([a-z]+:\/\/[^:/@]+:)[^@]*@/i, '$1*****@')
    .replace(/^([a-z]+:\/\/)[^:/@]+@/i, '$1*****@');
}
