import { DEFAULT_MAX_JOB_BYTES } from '@shoal/models';
import { Hono } from 'hono';
import { dashboard } from '../ui/routes.js';
import { UI_PREFIX } from '../ui/session.js';
import { accessLog } from './access-log.js';
import { apiAuth, authEnabled } from './auth.js';
import type { AppDeps, AppEnv } from './deps.js';
import { DEFAULT_MAX_BODY_BYTES } from './deps.js';
import { errorHandler, normaliseThrows, notFoundHandler } from './errors.js';
import { METRICS_PATH, metricsRoute } from './metrics-route.js';
import { OpenApiDocumentSchema } from './openapi/components.js';
import { buildOpenApiDocument } from './openapi/document.js';
import { requestId } from './request-id.js';
import { sendJson } from './respond.js';
import type { Route } from './route.js';
import { API_PREFIX } from './route.js';
import { agentRoutes } from './routes/agent.js';
import { authnRoutes } from './routes/authn.js';
import { jobListRoutes } from './routes/job-lists.js';
import { jobRoutes } from './routes/jobs.js';
import { logRoutes } from './routes/logs.js';
import { nodeRoutes } from './routes/nodes.js';

export type { AppConfig, AppDeps, AppEnv } from './deps.js';
export { DEFAULT_MAX_BODY_BYTES } from './deps.js';

/**
 * The HTTP API: Bacalhau's v1 routes under /api/v1. Middleware runs outermost first: the request
 * id (so everything after can use it), the access log, bearer-token auth (when configured), then
 * the guard that lets the one error handler see every failure. Routes are data (see route.ts) so
 * the OpenAPI document is generated from exactly what is served.
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { jobs, nodes, store, ids, logger, config } = deps;
  const maxBodyBytes = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const routes: Route[] = [
    ...jobRoutes({
      jobs,
      maxBodyBytes,
      maxJobBytes: config.maxJobBytes ?? DEFAULT_MAX_JOB_BYTES,
      requesterId: config.nodeInfo.NodeID,
    }),
    ...jobListRoutes(jobs),
    ...logRoutes({ store, logs: deps.logs }),
    ...nodeRoutes(nodes, maxBodyBytes),
    ...agentRoutes({ ...config, store }),
    ...authnRoutes(config.auth, maxBodyBytes),
  ];
  // Built on first request, then served from memory: it only depends on the routes.
  let document: Record<string, unknown> | undefined;
  routes.push({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This document',
    tag: 'Agent',
    response: OpenApiDocumentSchema,
    responseDescription: 'The OpenAPI 3.1 description of this API.',
    errors: [],
    handle: (c) => {
      document ??= buildOpenApiDocument(routes, config.version, { auth: authEnabled(config.auth) });
      return sendJson(c, OpenApiDocumentSchema, document);
    },
  });

  const app = new Hono<AppEnv>();
  // The dashboard checks the same tokens itself, from a cookie (ui/session.ts), not the header.
  const bearerAuth = apiAuth(config.auth);
  const isDashboard = (path: string) => path === UI_PREFIX || path.startsWith(`${UI_PREFIX}/`);
  app.use('*', requestId(ids), accessLog(logger), (c, next) =>
    isDashboard(c.req.path) ? next() : bearerAuth(c, next),
  );
  app.route(UI_PREFIX, dashboard({ jobs, nodes, store, logs: deps.logs, logger, auth: config.auth }));
  app.use('*', normaliseThrows);
  for (const route of routes) app.on(route.method.toUpperCase(), `${API_PREFIX}${route.path}`, route.handle);
  if (deps.metrics) app.get(METRICS_PATH, metricsRoute(deps.metrics));
  app.onError(errorHandler(logger));
  app.notFound(notFoundHandler);
  return app;
}
