import { join, resolve } from 'node:path';
import { connectNats, type NatsOptions, natsLoginOption, natsTlsOption } from '@shoal/protocol';
import type { Logger } from 'pino';
import type { OrchestratorConfig } from '../config.js';
import { NatsCredentials } from './nats-credentials.js';
import { type SupervisedNats, startNatsServer } from './nats-server.js';

/**
 * The orchestrator's NATS: the server named by --nats-url, or a nats-server it supervises itself,
 * and one client connection to it (unlimited jittered reconnects: see connectNats).
 */

export type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

/** Every orchestrator joins these queue groups, so each request is handled by exactly one of them. */
export const ORCHESTRATOR_QUEUE = 'shoal-orchestrators';

export interface NatsLink {
  /** What agents on this machine connect to. */
  readonly url: string;
  readonly nc: NatsConnection;
  /** The supervised server, when there is one. */
  readonly server: SupervisedNats | undefined;
  /** The supervised server's users (the orchestrator, `join`, each joined node). */
  readonly credentials: NatsCredentials | undefined;
  close(): Promise<void>;
}

/** The `tls` block of the server started here, and how its own client checks it. */
function serverTls(config: OrchestratorConfig): {
  server?: Record<string, unknown>;
  client: Partial<NatsOptions>;
} {
  if (config.natsTlsCert === undefined || config.natsTlsKey === undefined) return { client: {} };
  return {
    server: { cert_file: resolve(config.natsTlsCert), key_file: resolve(config.natsTlsKey) },
    client: { tls: { caFile: config.natsTlsCa ?? config.natsTlsCert } },
  };
}

export async function openNats(
  config: OrchestratorConfig,
  options: { workDir: string; logger: Logger; name: string },
): Promise<NatsLink> {
  if (config.natsUrl) {
    const nc = await connectNats(
      { servers: config.natsUrl, name: options.name, ...natsLoginOption(config), ...natsTlsOption(config) },
      options.logger.child({ component: 'nats' }),
    );
    return { url: config.natsUrl, nc, server: undefined, credentials: undefined, close: () => nc.close() };
  }
  const credentials = new NatsCredentials(join(options.workDir, 'nats'), { joinToken: config.joinToken });
  const tls = serverTls(config);
  const server = await startNatsServer({
    host: config.natsHost,
    port: config.natsPort,
    settings: () => ({
      authorization: credentials.authorization(),
      ...(tls.server ? { tls: tls.server } : {}),
    }),
    workDir: options.workDir,
    logger: options.logger.child({ component: 'nats-server' }),
  });
  const url = tls.server ? server.url.replace(/^nats:/, 'tls:') : server.url;
  try {
    const nc = await connectNats(
      { servers: url, name: options.name, nkeySeed: credentials.orchestratorSeed, ...tls.client },
      options.logger.child({ component: 'nats' }),
    );
    return {
      url,
      nc,
      server,
      credentials,
      async close() {
        await nc.close();
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
