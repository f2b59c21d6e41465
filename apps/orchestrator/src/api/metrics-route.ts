import type { Handler } from 'hono';
import type { MetricsEndpoint } from '../metrics/ports.js';
import type { AppEnv } from './deps.js';

/**
 * `GET /metrics`: the Prometheus text format, outside /api/v1 where scrapers look for it. It sits
 * behind the API's bearer-token auth like every route (the read token is enough): the page holds
 * no secret, but it does tell job counts and node counts to whoever can read it.
 */
export const METRICS_PATH = '/metrics';

export function metricsRoute(metrics: MetricsEndpoint): Handler<AppEnv> {
  return async (c) => {
    const body = await metrics.render();
    return c.body(body, 200, { 'Content-Type': metrics.contentType });
  };
}
