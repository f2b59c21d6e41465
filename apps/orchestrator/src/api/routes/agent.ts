import type { BuildVersionInfo, NodeInfo } from '@shoal/models';
import { AgentNodeResponseSchema, AgentVersionResponseSchema, AliveResponseSchema } from '@shoal/models';
import { z } from 'zod';
import { sendJson } from '../respond.js';
import type { Route } from '../route.js';

/** Masked configuration: a free-form object, documented as such. */
export const AgentConfigResponseSchema = z.record(z.string(), z.unknown());

export interface AgentRouteDeps {
  nodeInfo: NodeInfo;
  version: BuildVersionInfo;
  publicConfig: Record<string, unknown>;
}

/**
 * This orchestrator's own endpoints. `alive` does not touch the store on purpose: it says the
 * process serves HTTP, so a database outage shows as 503s on the data routes, not as a dead process.
 */
export function agentRoutes({ nodeInfo, version, publicConfig }: AgentRouteDeps): Route[] {
  return [
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
      responseDescription: 'The build this orchestrator runs.',
      errors: [],
      handle: (c) => sendJson(c, AgentVersionResponseSchema, { BuildVersionInfo: version }),
    },
    {
      method: 'get',
      path: '/agent/node',
      operationId: 'agentNode',
      summary: 'This node’s info',
      tag: 'Agent',
      response: AgentNodeResponseSchema,
      responseDescription: 'The orchestrator’s own node info.',
      errors: [],
      handle: (c) => sendJson(c, AgentNodeResponseSchema, nodeInfo),
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
