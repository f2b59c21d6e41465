import { request } from 'node:http';

/**
 * Is Docker reachable? `GET /_ping` on $DOCKER_HOST (unix:// or tcp://) or the default socket,
 * with a short deadline: a devstack on a machine without Docker should start at once with the
 * engines that work, not hang. TLS endpoints are not probed (their certificates live with the
 * docker client); they are reported as unreachable so the warning names the address.
 */

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

type Target = { socketPath: string } | { host: string; port: number };

export function dockerTarget(dockerHost: string): Target | string {
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  const tcp = /^tcp:\/\/([^:/]+|\[[^\]]+\]):(\d{1,5})\/?$/.exec(dockerHost);
  if (tcp) return { host: (tcp[1] ?? '').replace(/^\[|\]$/g, ''), port: Number(tcp[2]) };
  return `unsupported DOCKER_HOST ${dockerHost} (expected unix:///path or tcp://host:port)`;
}

/** Undefined when Docker answers its ping, else why not. */
export function pingDocker(dockerHost: string, timeoutMs = 1_500): Promise<string | undefined> {
  const target = dockerTarget(dockerHost);
  if (typeof target === 'string') return Promise.resolve(target);
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        resolve(
          res.statusCode === 200 ? undefined : `ping answered ${res.statusCode}: ${body.slice(0, 200)}`,
        ),
      );
      res.on('error', (error) => resolve(error.message));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(`no answer within ${timeoutMs} ms`);
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}
