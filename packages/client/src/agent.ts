import type { AgentNodeResponse, BuildVersionInfo } from '@shoal/models';
import { AgentNodeResponseSchema, AgentVersionResponseSchema, AliveResponseSchema } from '@shoal/models';
import type { HttpTransport, Schema } from './http.js';

/** The serving node's own routes: liveness, version, node info and masked configuration. */

/** `/agent/config` is free-form (secrets masked); all the client checks is that it is an object. */
const ConfigSchema: Schema<Record<string, unknown>> = {
  safeParse: (value) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? { success: true, data: value as Record<string, unknown> }
      : { success: false, error: { issues: [{ path: [], message: 'expected an object' }] } },
};

export class AgentApi {
  constructor(private readonly http: HttpTransport) {}

  async alive(): Promise<{ Status: 'OK' }> {
    return this.http.request({ method: 'GET', path: '/agent/alive', schema: AliveResponseSchema });
  }

  /** Bacalhau's GetVersionResponse: the build info's fields at the top level. */
  async version(): Promise<BuildVersionInfo> {
    return this.http.request({ method: 'GET', path: '/agent/version', schema: AgentVersionResponseSchema });
  }

  async node(): Promise<AgentNodeResponse> {
    return this.http.request({ method: 'GET', path: '/agent/node', schema: AgentNodeResponseSchema });
  }

  async config(): Promise<Record<string, unknown>> {
    return this.http.request({ method: 'GET', path: '/agent/config', schema: ConfigSchema });
  }
}
