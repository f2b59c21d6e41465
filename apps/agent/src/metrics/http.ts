import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MetricsEndpoint } from './ports.js';

/**
 * GET /metrics on the agent's HTTP server (the results server, publisher/results-server.ts). The
 * page holds no secret, but it tells how much work this node does: with `token` set
 * (`--metrics-token`), only requests bearing it (`Authorization: Bearer <token>`, as Prometheus'
 * `authorization` setting sends it) are answered, others get 401. Compared as SHA-256 digests,
 * so the response time tells nothing of the token.
 */

export const METRICS_PATH = '/metrics';

export interface MetricsRoute {
  endpoint: MetricsEndpoint;
  token?: string | undefined;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
const BEARER = /^Bearer +(\S+) *$/i;

export function metricsHandler(route: MetricsRoute): (req: IncomingMessage, res: ServerResponse) => void {
  const expected = route.token === undefined ? undefined : digest(route.token);
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'only GET and HEAD are served');
    if (expected !== undefined) {
      const presented = BEARER.exec(req.headers.authorization ?? '')?.[1];
      if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="shoal-agent"');
        return reply(res, 401, 'send the metrics token: Authorization: Bearer <token>');
      }
    }
    route.endpoint.render().then(
      (body) => {
        res.writeHead(200, { 'content-type': route.endpoint.contentType });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => reply(res, 500, 'the metrics could not be collected'),
    );
  };
}

function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ Status: status, Message: message }));
}
