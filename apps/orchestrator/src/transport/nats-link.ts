import { connectNats, natsTlsOption } from '@shoal/protocol';
import type { Logger } from 'pino';
import type { OrchestratorConfig } from '../config.js';
import { type NatsAuth, type SupervisedNats, startNatsServer } from './nats-server.js';

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
  close(): Promise<void>;
}

export function natsAuth(config: OrchestratorConfig): NatsAuth | undefined {
  if (config.natsToken !== undefined) return { token: config.natsToken };
  if (config.natsUser !== undefined && config.natsPassword !== undefined) {
    return { user: config.natsUser, password: config.natsPassword };
  }
  return undefined;
}

export async function openNats(
  config: OrchestratorConfig,
  options: { workDir: string; logger: Logger; name: string },
): Promise<NatsLink> {
  const auth = natsAuth(config);
  const server = config.natsUrl
    ? undefined
    : await startNatsServer({
        host: config.natsHost,
        port: config.natsPort,
        ...(auth ? { auth } : {}),
        workDir: options.workDir,
        logger: options.logger.child({ component: 'nats-server' }),
      });
  const url = server?.url ?? config.natsUrl;
  try {
    const credentials = auth === undefined ? {} : 'token' in auth ? { token: auth.token } : auth;
    const nc = await connectNats(
      { servers: url, name: options.name, ...credentials, ...natsTlsOption(config) },
      options.logger.child({ component: 'nats' }),
    );
    return {
      url,
      nc,
      server,
      async close() {
        await nc.close();
        await server?.stop();
      },
    };
  } catch (error) {
    await server?.stop();
    throw error;
  }
}
