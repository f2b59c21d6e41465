import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  DurationParseError,
  isValidNodeId,
  labelKeyProblem,
  labelValueProblem,
  parseDurationMs,
} from '@shoal/models';
import { z } from 'zod';
import { DOCKER_CONFIG_FIELDS } from './executor/docker/config.js';
import { CapacityConfigError } from './node/capacity.js';
import { resolveCapacity } from './node/host-capacity.js';
import { STORAGE_CONFIG_FIELDS } from './storage/config.js';
import { S3_CONFIG_FIELDS } from './storage/s3-config.js';

/**
 * The agent's settings, as `shoal serve --compute` flags give them. Validated once, at the edge:
 * every problem comes back with the field it belongs to, so the CLI can name the flag and exit 2
 * instead of the agent failing later with a less helpful error.
 */

/** Engines this build can run; a name not listed here is refused at start. */
export const AVAILABLE_ENGINES = ['noop', 'docker', 'wasm'] as const;
export type EngineName = (typeof AVAILABLE_ENGINES)[number];

const isEngine = (name: string): name is EngineName =>
  (AVAILABLE_ENGINES as readonly string[]).includes(name);

const problem = (ctx: z.RefinementCtx, message: string) => {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
};

/** `zone=a,gpu=yes` (the flag) or an object (programmatic use) → a checked label map. */
const labels = z
  .union([z.string(), z.record(z.string(), z.string())])
  .transform((value, ctx): Record<string, string> => {
    const pairs =
      typeof value === 'string'
        ? value
            .split(',')
            // `zone=a, tier=b` as people type it; a space inside a key or value stays an error.
            .map((part) => part.trim())
            .filter((part) => part !== '')
            .map((part) => {
              const eq = part.indexOf('=');
              return eq === -1 ? [part, undefined] : [part.slice(0, eq), part.slice(eq + 1)];
            })
        : Object.entries(value);
    const out: Record<string, string> = {};
    for (const [key = '', val] of pairs) {
      if (val === undefined) return problem(ctx, `${JSON.stringify(key)} is not key=value`);
      const why = labelKeyProblem(key) ?? labelValueProblem(val);
      if (why !== undefined) return problem(ctx, `label ${JSON.stringify(`${key}=${val}`)}: ${why}`);
      if (Object.hasOwn(out, key)) return problem(ctx, `label ${JSON.stringify(key)} is given twice`);
      out[key] = val;
    }
    return out;
  });

/** `noop` or `noop,docker` → the list, each one an engine this build has. */
const engines = z.union([z.string(), z.array(z.string())]).transform((value, ctx): EngineName[] => {
  const list = (typeof value === 'string' ? value.split(',') : value).map((e) => e.trim()).filter(Boolean);
  if (list.length === 0) return problem(ctx, `name at least one engine (available: ${AVAILABLE_ENGINES})`);
  const unknown = list.filter((e) => !isEngine(e));
  if (unknown.length > 0) {
    return problem(ctx, `unknown engine ${unknown.join(', ')}: available engines are ${AVAILABLE_ENGINES}`);
  }
  return [...new Set(list.filter(isEngine))];
});

/** Publisher types this build has. */
export const AVAILABLE_PUBLISHERS = ['noop', 'local', 's3'] as const;
export type PublisherName = (typeof AVAILABLE_PUBLISHERS)[number];

/** `noop,local` → the list, each one a publisher this build has; noop is always there. */
const publishers = z.union([z.string(), z.array(z.string())]).transform((value, ctx): PublisherName[] => {
  const list = (typeof value === 'string' ? value.split(',') : value).map((p) => p.trim()).filter(Boolean);
  const unknown = list.filter((p) => !(AVAILABLE_PUBLISHERS as readonly string[]).includes(p));
  if (unknown.length > 0) {
    return problem(
      ctx,
      `unknown publisher ${unknown.join(', ')}: available publishers are ${AVAILABLE_PUBLISHERS}`,
    );
  }
  return [...new Set(['noop', ...list] as PublisherName[])];
});

/**
 * One capacity override, checked with the agent core's own rules (resolveCapacity) by pairing it
 * with harmless values for the other dimensions, so the flag and the core can never disagree.
 */
function capacityOverride(dimension: 'cpu' | 'memory' | 'disk' | 'gpu') {
  return z.string().superRefine((value, ctx) => {
    const plain = { dataDir: '.', cpu: '1', memory: '1', disk: '1', gpu: '0' };
    try {
      resolveCapacity({ ...plain, [dimension]: value });
    } catch (error) {
      if (!(error instanceof CapacityConfigError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  });
}

/** Shorter is a slip, not a policy: results would be gone before anyone could fetch them. */
export const MIN_RETENTION_MS = 60_000;
export const DEFAULT_RETENTION_MS = 24 * 3_600_000;

/**
 * A Go duration (`24h`, `168h`) or `0` / `off` (keep forever) → milliseconds, 0 meaning off. A
 * number is milliseconds, as for the other durations given programmatically.
 */
const retention = z.union([z.string(), z.number()]).transform((value, ctx): number => {
  const text = typeof value === 'string' ? value.trim() : undefined;
  if (text === 'off' || text === '0') return 0;
  let ms: number;
  try {
    ms = text === undefined ? (value as number) : parseDurationMs(text);
  } catch (error) {
    if (!(error instanceof DurationParseError)) throw error;
    return problem(ctx, `${error.message}, or 0 / off to keep everything`);
  }
  if (ms === 0) return 0;
  if (!Number.isFinite(ms) || ms < MIN_RETENTION_MS) {
    return problem(ctx, 'must be at least 1m (or 0 / off to keep everything)');
  }
  return Math.round(ms);
});

export const AgentConfigSchema = z
  .strictObject({
    /** The NATS server the orchestrator listens on. */
    natsUrl: z.string().regex(/^((nats|tls|ws|wss):\/\/)?[^\s/]+(:\d{1,5})?\/?$/, {
      error: 'must look like nats://host:4222',
    }),
    /**
     * The cluster's join token (`shoal node token`): the node makes itself known with it once, then
     * logs in with a key of its own, kept in its state dir.
     */
    joinToken: z.string().min(16).optional(),
    /** Credentials for an external NATS: a token, a user and password, an nkey seed file or a creds file. */
    natsToken: z.string().min(1).optional(),
    natsUser: z.string().min(1).optional(),
    natsPassword: z.string().min(1).optional(),
    natsNkey: z.string().min(1).optional(),
    natsCreds: z.string().min(1).optional(),
    /** TLS to NATS: the CA that signed the server's certificate, and a client cert and key. */
    natsTlsCa: z.string().min(1).optional(),
    natsTlsCert: z.string().min(1).optional(),
    natsTlsKey: z.string().min(1).optional(),
    /** The node id on first start; later starts must use the stored one (or none). */
    name: z
      .string()
      .refine(isValidNodeId, { error: 'use 1-255 letters, digits, "-" or "_" (no dots or spaces)' })
      .optional(),
    /** State lives in `<dataDir>/agent`, beside the orchestrator's `<dataDir>/orchestrator`. */
    dataDir: z.string().min(1).default(join(homedir(), '.shoal')),
    labels: labels.default({}),
    engines: engines.default(['noop']),
    cpu: capacityOverride('cpu').optional(),
    memory: capacityOverride('memory').optional(),
    disk: capacityOverride('disk').optional(),
    gpu: capacityOverride('gpu').optional(),
    /** Share of the detected host offered when no override is given. */
    capacityFraction: z.number().gt(0, { error: 'must be above 0' }).max(1).default(0.8),
    /**
     * How much accepted work may wait on this node for room, as a multiple of what it offers (0:
     * none, so all waiting happens in the orchestrator's queue). Work that waits here starts the
     * moment running work ends, without a round trip to the orchestrator.
     */
    queueFactor: z
      .number()
      .min(0, { error: 'must be 0 or more' })
      .max(100, { error: 'must be at most 100' })
      .default(1),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    /** Per control request (handshake, heartbeat). */
    controlTimeoutMs: z.int().min(10).max(60_000).default(5_000),
    /** Cap of the backoff between refused or unanswered handshakes. */
    handshakeRetryMaxMs: z.int().min(10).max(300_000).default(15_000),
    /** Budget of a graceful stop for flushing reports, then for the shutdown notice. */
    shutdownTimeoutMs: z.int().min(0).max(60_000).default(3_000),
    /**
     * Where completed runs' results may go: `noop` (nowhere), `local` (served by this agent), `s3`
     * (a bucket the job names, with this agent's credentials; not by default).
     */
    publishers: publishers.default(['noop', 'local']),
    /** The local publisher's HTTP server: its address, port (0: any free one) and public URL. */
    resultsHost: z.string().min(1).default('127.0.0.1'),
    resultsPort: z.int().min(0).max(65_535).default(0),
    resultsPublicUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://10.0.0.5:6001' })
      .optional(),
    /**
     * Bearer token for GET /metrics on the results server; without it the page is open to whoever
     * reaches that server (it tells job counts, no secret). See docs/observability.md.
     */
    metricsToken: z.string().min(16).optional(),
    /** How long a finished execution's files and record are kept (ms; 0: forever). See retention.ts. */
    retention: retention.default(DEFAULT_RETENTION_MS),
    /** Docker engine, output capture and run phases: networking, output caps, timeout grace, pids… */
    ...DOCKER_CONFIG_FIELDS,
    /** Input sources: local paths tasks may mount, download cap and timeout. */
    ...STORAGE_CONFIG_FIELDS,
    /** S3 inputs and results: the endpoints jobs may name besides AWS's, the default region. */
    ...S3_CONFIG_FIELDS,
  })
  .superRefine((c, ctx) => {
    const at = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const logins = (['joinToken', 'natsToken', 'natsUser', 'natsNkey', 'natsCreds'] as const).filter(
      (key) => c[key] !== undefined,
    );
    if (logins.length > 1) at(logins[0] ?? '', `use one way to log in to NATS, not ${logins.join(' and ')}`);
    if ((c.natsTlsCert === undefined) !== (c.natsTlsKey === undefined)) {
      at(
        c.natsTlsCert === undefined ? 'natsTlsCert' : 'natsTlsKey',
        'natsTlsCert and natsTlsKey go together',
      );
    }
    if ((c.natsUser === undefined) !== (c.natsPassword === undefined)) {
      at(c.natsUser === undefined ? 'natsUser' : 'natsPassword', 'natsUser and natsPassword go together');
    }
  });

export type AgentConfig = z.output<typeof AgentConfigSchema>;
export type AgentConfigInput = z.input<typeof AgentConfigSchema>;

/** The agent's own directory under the shared data directory. */
export function agentStateDir(config: Pick<AgentConfig, 'dataDir'>): string {
  return join(config.dataDir, 'agent');
}
