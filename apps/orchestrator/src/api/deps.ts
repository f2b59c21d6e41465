import type { BuildVersionInfo, IdGenerator, NodeInfo } from '@shoal/models';
import type { Logger } from 'pino';
import type { LogRelay } from '../logs/relay.js';
import type { MetricsEndpoint } from '../metrics/ports.js';
import type { JobService } from '../service/job-service.js';
import type { NodeService } from '../service/node-service.js';
import type { Store } from '../store/types.js';
import type { ApiTokens } from './auth.js';

/** 10 MiB: large enough for any job spec, small enough that a flood cannot exhaust memory. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface AppConfig {
  /** Request bodies above this many bytes are refused with 413 before they are parsed. */
  maxBodyBytes?: number;
  /**
   * Job specs above this many bytes (compact JSON) are refused with 413: the job must fit one NATS
   * message to reach an agent. Default DEFAULT_MAX_JOB_BYTES (models' submission/limits.ts).
   */
  maxJobBytes?: number;
  /** This orchestrator's own node info, served at /api/v1/agent/node. */
  nodeInfo: NodeInfo;
  version: BuildVersionInfo;
  /** Configuration with secrets already masked, served as-is at /api/v1/agent/config. */
  publicConfig: Record<string, unknown>;
  /** Bearer tokens; without any, the API is open (see auth.ts). */
  auth?: ApiTokens;
}

/**
 * Everything the HTTP layer needs, built elsewhere (main.ts; tests build theirs over real stores
 * and fake clocks): the routes only translate between HTTP and these services.
 */
export interface AppDeps {
  jobs: JobService;
  nodes: NodeService;
  /** The logs route reads an execution's node and state from it. */
  store: Store;
  ids: IdGenerator;
  logger: Logger;
  config: AppConfig;
  /** Relays job logs from the agents over NATS; without it the logs route answers 503. */
  logs?: LogRelay;
  /** Served at GET /metrics (api/metrics-route.ts); without it there is no such route. */
  metrics?: MetricsEndpoint;
}

/** Per-request values that middleware hands to handlers and to the error handler. */
export interface AppEnv {
  Variables: {
    requestId: string;
  };
}
