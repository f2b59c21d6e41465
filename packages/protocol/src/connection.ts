import { accessSync, constants, readFileSync } from 'node:fs';
import {
  connect,
  credsAuthenticator,
  type NatsConnection,
  type NodeConnectionOptions,
  nkeyAuthenticator,
} from '@nats-io/transport-node';
import { type FieldProblem, ShoalError } from '@shoal/models';
import { z } from 'zod';
import { errorMessage, type Logger, safeLog, silentLogger } from './logger.js';

/**
 * The one way Shoal connects to NATS. nats.js gives up after 10 reconnect attempts by default,
 * which would strand an agent after a long NATS outage; here reconnects never stop, are
 * jittered so a hundred agents do not stampede a restarted server, and a short ping
 * interval notices a dead TCP connection in seconds rather than minutes.
 */

const url = z
  .string()
  .regex(/^((nats|tls|ws|wss):\/\/)?[^\s/]+(:\d{1,5})?\/?$/, { error: 'must look like nats://host:4222' });

export const NatsOptionsSchema = z
  .object({
    servers: z.union([url, z.array(url).min(1, { error: 'must name at least one server' })]),
    /** Shown by the server (connz) and in its logs: `shoal-agent-n-1234`. */
    name: z.string().min(1),
    token: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** An nkey seed (`SU…`): the client proves it holds the key the server knows it by. */
    nkeySeed: z
      .string()
      .regex(/^SU[A-Z2-7]{50,}$/, { error: 'must be an nkey user seed (SU…)' })
      .optional(),
    /** A NATS credentials file (a user JWT and its seed), for servers set up with accounts. */
    credsFile: z.string().min(1).optional(),
    /**
     * Where replies to this client's requests go. A node may subscribe only to its own inbox
     * prefix, so it cannot read the replies meant for anyone else.
     */
    inboxPrefix: z
      .string()
      .regex(/^_INBOX_[A-Za-z0-9_-]+$/)
      .optional(),
    tls: z
      .object({ caFile: z.string().min(1), certFile: z.string().min(1), keyFile: z.string().min(1) })
      .partial()
      .optional(),
    /** Base wait between reconnect attempts, plus up to reconnectJitterMs at random. */
    reconnectTimeWaitMs: z.int().positive().default(1_000),
    reconnectJitterMs: z.int().nonnegative().default(1_000),
    pingIntervalMs: z.int().positive().default(5_000),
    /** Unanswered pings before the connection is declared stale and re-established. */
    maxPingOut: z.int().positive().default(2),
    /** Connect timeout per attempt. */
    timeoutMs: z.int().positive().default(5_000),
    /** Keep trying until a first connection succeeds (an agent started before its NATS). */
    waitOnFirstConnect: z.boolean().default(false),
  })
  .superRefine((o, ctx) => {
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    const ways = [
      o.token !== undefined && 'token',
      (o.user !== undefined || o.password !== undefined) && 'user/password',
      o.nkeySeed !== undefined && 'nkey',
      o.credsFile !== undefined && 'credentials file',
    ].filter((way) => way !== false);
    if (ways.length > 1) problem('token', `use one way to log in, not ${ways.join(' and ')}`);
    if (o.credsFile !== undefined && !isReadable(o.credsFile)) {
      problem('credsFile', `${o.credsFile} is not a readable file`);
    }
    if (o.user !== undefined && o.password === undefined) problem('password', 'required with user');
    if (o.password !== undefined && o.user === undefined) problem('user', 'required with password');
    if ((o.tls?.certFile === undefined) !== (o.tls?.keyFile === undefined)) {
      problem('tls', 'certFile and keyFile go together');
    }
    for (const key of ['caFile', 'certFile', 'keyFile'] as const) {
      const file = o.tls?.[key];
      if (file !== undefined && !isReadable(file)) problem('tls', `${key} ${file} is not a readable file`);
    }
  });

export type NatsOptions = z.input<typeof NatsOptionsSchema>;

/** The `tls` option from the three file flags both apps take (`--nats-tls-ca|cert|key`). */
export function natsTlsOption(files: {
  natsTlsCa?: string | undefined;
  natsTlsCert?: string | undefined;
  natsTlsKey?: string | undefined;
}): { tls?: { caFile?: string; certFile?: string; keyFile?: string } } {
  const tls = {
    ...(files.natsTlsCa === undefined ? {} : { caFile: files.natsTlsCa }),
    ...(files.natsTlsCert === undefined ? {} : { certFile: files.natsTlsCert }),
    ...(files.natsTlsKey === undefined ? {} : { keyFile: files.natsTlsKey }),
  };
  return Object.keys(tls).length === 0 ? {} : { tls };
}
/**
 * The login options from the flags both apps take for a NATS server they do not run: a token, a
 * user and password, an nkey seed file (`--nats-nkey`) or a credentials file (`--nats-creds`).
 */
export function natsLoginOption(flags: {
  natsToken?: string | undefined;
  natsUser?: string | undefined;
  natsPassword?: string | undefined;
  natsNkey?: string | undefined;
  natsCreds?: string | undefined;
}): Pick<NatsOptions, 'token' | 'user' | 'password' | 'nkeySeed' | 'credsFile'> {
  if (flags.natsToken !== undefined) return { token: flags.natsToken };
  if (flags.natsUser !== undefined) return { user: flags.natsUser, password: flags.natsPassword };
  if (flags.natsNkey !== undefined) return { nkeySeed: readSeedFile(flags.natsNkey) };
  if (flags.natsCreds !== undefined) return { credsFile: flags.natsCreds };
  return {};
}

/** The seed in an nkey file, or an error that names the flag and the file. */
function readSeedFile(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw ShoalError.validation(
      [
        {
          path: 'natsNkey',
          message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        },
      ],
      'NATS',
    );
  }
}

export type ResolvedNatsOptions = z.output<typeof NatsOptionsSchema>;

function isReadable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Validates options, reporting every problem at once (a ShoalError listing each field). */
export function resolveNatsOptions(options: NatsOptions): ResolvedNatsOptions {
  const parsed = NatsOptionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const problems: FieldProblem[] = parsed.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  throw ShoalError.validation(problems, 'NATS');
}

/** The nats.js options Shoal's settings translate to (pure, so it can be checked in tests). */
export function toConnectionOptions(o: ResolvedNatsOptions): NodeConnectionOptions {
  return {
    servers: o.servers,
    name: o.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: o.reconnectTimeWaitMs,
    reconnectJitter: o.reconnectJitterMs,
    reconnectJitterTLS: o.reconnectJitterMs,
    pingInterval: o.pingIntervalMs,
    maxPingOut: o.maxPingOut,
    timeout: o.timeoutMs,
    waitOnFirstConnect: o.waitOnFirstConnect,
    ...(o.token === undefined ? {} : { token: o.token }),
    ...(o.user === undefined ? {} : { user: o.user, pass: o.password }),
    ...(o.tls === undefined ? {} : { tls: { ...o.tls } }),
    ...(o.inboxPrefix === undefined ? {} : { inboxPrefix: o.inboxPrefix }),
    ...authenticator(o),
  };
}

function authenticator(o: ResolvedNatsOptions): Pick<NodeConnectionOptions, 'authenticator'> {
  const encoder = new TextEncoder();
  if (o.nkeySeed !== undefined) return { authenticator: nkeyAuthenticator(encoder.encode(o.nkeySeed)) };
  const file = o.credsFile;
  // Read at each (re)connect, so a rotated credentials file is picked up without a restart.
  if (file !== undefined) return { authenticator: credsAuthenticator(() => readFileSync(file)) };
  return {};
}

/** Connects, and logs every change of the connection's status until it closes. */
export async function connectNats(
  options: NatsOptions,
  logger: Logger = silentLogger,
): Promise<NatsConnection> {
  const resolved = resolveNatsOptions(options);
  const nc = await connect(toConnectionOptions(resolved));
  const fields = { name: resolved.name };
  safeLog(logger, 'info', { ...fields, server: nc.getServer() }, 'connected to NATS');
  void watchStatus(nc, logger, fields);
  void nc.closed().then((error) => {
    if (error)
      safeLog(logger, 'error', { ...fields, err: error.message }, 'NATS connection closed by an error');
  });
  return nc;
}

async function watchStatus(nc: NatsConnection, logger: Logger, fields: object): Promise<void> {
  try {
    for await (const status of nc.status()) {
      switch (status.type) {
        case 'disconnect':
          safeLog(
            logger,
            'warn',
            { ...fields, server: status.server },
            'disconnected from NATS: reconnecting',
          );
          break;
        case 'reconnect':
          safeLog(logger, 'info', { ...fields, server: status.server }, 'reconnected to NATS');
          break;
        case 'staleConnection':
          safeLog(logger, 'warn', fields, 'NATS connection is stale (pings unanswered): reconnecting');
          break;
        case 'ldm':
          safeLog(logger, 'warn', { ...fields, server: status.server }, 'NATS server entered lame duck mode');
          break;
        case 'error':
          safeLog(logger, 'error', { ...fields, err: status.error.message }, 'NATS connection error');
          break;
        case 'close':
          safeLog(logger, 'info', fields, 'NATS connection closed');
          break;
        default:
          safeLog(logger, 'debug', { ...fields, status: status.type }, 'NATS status');
      }
    }
  } catch (error) {
    safeLog(logger, 'error', { ...fields, err: errorMessage(error) }, 'watching the NATS connection failed');
  }
}
