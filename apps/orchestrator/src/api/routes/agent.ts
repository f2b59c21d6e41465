import type { BuildVersionInfo, NodeInfo } from '@shoal/models';
import {
  AgentDebugResponseSchema,
  AgentNodeResponseSchema,
  AgentVersionResponseSchema,
  AliveResponseSchema,
  ErrorCode,
  goBuildVersion,
  isShoalError,
  ShoalError,
  wireNodeInfo,
} from '@shoal/models';
import { z } from 'zod';
import type { Store } from '../../store/types.js';
import { sendJson } from '../respond.js';
import type { Route } from '../route.js';

/** Masked configuration: a free-form object, documented as such. */
export const AgentConfigResponseSchema = z.record(z.string(), z.unknown());
/** Not ready is a 503 whose message says why. */
export const ReadyResponseSchema = z.object({ Ready: z.literal(true) });

export interface AgentRouteDeps {
  nodeInfo: NodeInfo;
  version: BuildVersionInfo;
  publicConfig: Record<string, unknown>;
  /** What readiness asks; the store the API uses, with its deadline. */
  store: Pick<Store, 'ping'>;
}

/**
 * This orchestrator's own endpoints. `alive` does not touch the store on purpose: it says the
 * process serves HTTP, so a database outage shows as 503s on the data routes, not as a dead process.
 * `ready` says whether the API can serve: the store answers, within the API's deadline.
 */
export function agentRoutes({ nodeInfo, version, publicConfig, store }: AgentRouteDeps): Route[] {
  const startedAt = Date.now();
  return [
    {
      method: 'get',
      path: '/agent/ready',
      operationId: 'agentReady',
      summary: 'Readiness',
      description:
        'Whether this orchestrator can serve the API now: its store answers. When not, a 503 whose Message says why (`not ready: store: connection refused`, `not ready: store: no answer within 2s`).',
      tag: 'Agent',
      response: ReadyResponseSchema,
      responseDescription: '{"Ready":true}',
      errors: [503],
      handle: async (c) => {
        await store.ping().catch((error: unknown) => {
          throw notReady(error);
        });
        return sendJson(c, ReadyResponseSchema, { Ready: true });
      },
    },
    {
      method: 'get',
      path: '/agent/alive',
      operationId: 'agentAlive',
      summary: 'Liveness',
      tag: 'Agent',
      response: AliveResponseSchema,
      responseDescription: 'Always {"Status":"OK"} while the process serves HTTP.',
      errors: [],
      handle: (c) => sendJson(c, AliveResponseSchema, { Status: 'OK' }),
    },
    {
      method: 'get',
      path: '/agent/version',
      operationId: 'agentVersion',
      summary: 'Build version',
      tag: 'Agent',
      response: AgentVersionResponseSchema,
      description:
        'Bacalhau’s GetVersionResponse: the BuildVersionInfo fields at the top level. BuildDate is always RFC 3339 (Go’s zero time when the build did not record one), which Go clients need to read it.',
      responseDescription: 'The build this orchestrator runs.',
      errors: [],
      handle: (c) => sendJson(c, AgentVersionResponseSchema, goBuildVersion(version)),
    },
    {
      method: 'get',
      path: '/agent/node',
      operationId: 'agentNode',
      summary: 'This node’s info',
      tag: 'Agent',
      response: AgentNodeResponseSchema,
      description:
        'Its build info is written twice: as BacalhauVersion, which Go clients read, and as Version.',
      responseDescription: 'The orchestrator’s own node info.',
      errors: [],
      handle: (c) => sendJson(c, AgentNodeResponseSchema, wireNodeInfo(nodeInfo)),
    },
    {
      method: 'get',
      path: '/agent/debug',
      operationId: 'agentDebug',
      summary: 'What this node is doing',
      description:
        'Bacalhau’s map of component to debug info. It reads nothing from the store, so it answers even when the store does not.',
      tag: 'Agent',
      response: AgentDebugResponseSchema,
      responseDescription: '`{Requester: {NodeID, Version, UptimeSeconds}}`.',
      errors: [],
      handle: (c) =>
        sendJson(c, AgentDebugResponseSchema, {
          Requester: {
            NodeID: nodeInfo.NodeID,
            Version: version.GitVersion,
            UptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
          },
        }),
    },
    {
      method: 'get',
      path: '/agent/config',
      operationId: 'agentConfig',
      summary: 'Configuration (secrets masked)',
      tag: 'Agent',
      response: AgentConfigResponseSchema,
      responseDescription: 'The running configuration with secrets masked.',
      errors: [],
      handle: (c) => sendJson(c, AgentConfigResponseSchema, publicConfig),
    },
  ];
}

/** A store error as readiness reports it: `not ready: store: <why>`. */
function notReady(error: unknown): ShoalError {
  const unavailable = isShoalError(error) && error.code === ErrorCode.Unavailable;
  const message = error instanceof Error ? error.message : String(error);
  const reason = `store: ${unavailable ? message.replace(/^store unavailable: /, '') : message}`;
  return new ShoalError(ErrorCode.Unavailable, `not ready: ${reason}`, {
    component: 'API',
    hint: 'the orchestrator serves again once this is resolved; /api/v1/agent/alive says the process runs',
    details: { Reasons: [reason] },
    cause: error,
  });
}
