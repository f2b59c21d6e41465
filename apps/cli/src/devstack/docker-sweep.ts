import { request } from 'node:http';
import { dockerTarget } from './docker-ping.js';

/**
 * Removes the containers the agents leave behind, run after they stopped: a graceful agent lets go
 * of its containers for its next start to re-adopt (and one that had to be SIGKILLed could not stop
 * them), but a devstack that stops stops its work, and no later start of it may sweep them. Only containers of that node id created since this devstack started are
 * removed: another devstack on this machine may use the same node names. The labels are the
 * agent's (apps/agent/src/executor/docker/labels.ts); the CLI talks to Docker's HTTP API directly.
 */

const LABEL_MANAGED = 'io.shoal.managed';
const LABEL_NODE = 'io.shoal.node-id';

interface ContainerSummary {
  Id: string;
  Created: number;
}

function dockerCall(dockerHost: string, method: string, path: string, timeoutMs: number): Promise<string> {
  const target = dockerTarget(dockerHost);
  if (typeof target === 'string') return Promise.reject(new Error(target));
  return new Promise((resolve, reject) => {
    const req = request({ ...target, method, path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        (res.statusCode ?? 500) < 300 || res.statusCode === 404
          ? resolve(body)
          : reject(new Error(`${method} ${path}: ${res.statusCode} ${body.slice(0, 200)}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Removes the node's Shoal containers created at or after `sinceSeconds`; returns how many. */
export async function sweepNodeContainers(
  dockerHost: string,
  nodeId: string,
  sinceSeconds: number,
  timeoutMs = 10_000,
): Promise<number> {
  const filters = encodeURIComponent(
    JSON.stringify({ label: [`${LABEL_MANAGED}=true`, `${LABEL_NODE}=${nodeId}`] }),
  );
  const listed: unknown = JSON.parse(
    await dockerCall(dockerHost, 'GET', `/containers/json?all=1&filters=${filters}`, timeoutMs),
  );
  const containers = (Array.isArray(listed) ? listed : []).filter(
    (c): c is ContainerSummary => typeof c?.Id === 'string' && typeof c?.Created === 'number',
  );
  const ours = containers.filter((c) => c.Created >= sinceSeconds);
  for (const c of ours) await dockerCall(dockerHost, 'DELETE', `/containers/${c.Id}?force=1&v=1`, timeoutMs);
  return ours.length;
}
