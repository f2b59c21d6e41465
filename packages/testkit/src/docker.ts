/**
 * Docker for tests: a dockerode client on $DOCKER_HOST, the locally built test image
 * ($SHOAL_TEST_IMAGE, default shoal-test/busybox:latest, built by infra/scripts/test-images.sh;
 * nothing is ever pulled), label-based cleanup, race-free exit waiting and log demultiplexing.
 *
 *   const docker = dockerClient();
 *   const image = await ensureTestImage(docker);
 *   const c = await docker.createContainer({ Image: image, Cmd: ['sh', '-c', 'exit 3'], Labels });
 *   const { exited } = await watchNextExit(c);   // registered with the daemon before start
 *   await c.start();
 *   (await exited).StatusCode;                   // 3
 *   demuxDockerLogs(await c.logs({ stdout: true, stderr: true }));  // { stdout, stderr }
 *   await removeContainersByLabel('shoal.test.run=...');
 */
import type { IncomingMessage } from 'node:http';
import Docker from 'dockerode';

export const DEFAULT_TEST_IMAGE = 'shoal-test/busybox:latest';

/** $SHOAL_TEST_IMAGE or the default. */
export function testImageName(): string {
  return process.env.SHOAL_TEST_IMAGE || DEFAULT_TEST_IMAGE;
}

/** $DOCKER_HOST, or the default socket, for messages. */
export function dockerHost(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/** A dockerode client. docker-modem reads DOCKER_HOST (unix://, tcp://, DOCKER_TLS_VERIFY...). */
export function dockerClient(options?: Docker.DockerOptions): Docker {
  return new Docker(options);
}

function statusCode(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** Resolves to the test image's name; fails with what to run when it is missing. */
export async function ensureTestImage(docker = dockerClient(), image = testImageName()): Promise<string> {
  try {
    await docker.getImage(image).inspect();
    return image;
  } catch (error) {
    if (statusCode(error) === 404) {
      throw new Error(`Docker test image ${image} not found: run infra/scripts/test-images.sh`);
    }
    throw error;
  }
}

/** Force-removes every container (running or not) carrying `label` ("key" or "key=value"). */
export async function removeContainersByLabel(label: string, docker = dockerClient()): Promise<number> {
  const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(
    containers.map(async (info) => {
      try {
        await docker.getContainer(info.Id).remove({ force: true, v: true });
      } catch (error) {
        // Already gone, or removal already in progress.
        if (statusCode(error) !== 404 && statusCode(error) !== 409) throw error;
      }
    }),
  );
  return containers.length;
}

export interface ContainerWaitResult {
  StatusCode: number;
  Error?: { Message?: string } | null;
}

/**
 * Starts `POST /containers/{id}/wait?condition=…` (the API behind container.wait()) and resolves
 * once the daemon has registered the wait (it sends the response headers at that point), so a
 * start() issued afterwards cannot win the race. `exited` resolves with the exit status.
 */
export function watchNextExit(
  container: Docker.Container,
  condition: 'next-exit' | 'not-running' | 'removed' = 'next-exit',
): Promise<{ exited: Promise<ContainerWaitResult> }> {
  const modem = (container as { modem: Docker['modem'] }).modem;
  return new Promise((registered, failed) => {
    modem.dial(
      {
        path: `/containers/${container.id}/wait?`,
        method: 'POST',
        options: { condition },
        isStream: true,
        statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such container', 500: 'server error' },
      },
      (error: unknown, response: unknown) => {
        if (error) return failed(error);
        const body = response as IncomingMessage;
        const exited = new Promise<ContainerWaitResult>((resolve, reject) => {
          const chunks: Buffer[] = [];
          body.on('data', (chunk: Buffer) => chunks.push(chunk));
          body.once('error', reject);
          body.once('end', () => {
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ContainerWaitResult);
            } catch (parseError) {
              reject(parseError);
            }
          });
        });
        registered({ exited });
      },
    );
  });
}

/**
 * Splits a multiplexed (non-TTY) log buffer: frames of [stream, 0, 0, 0, size(uint32 BE)] + payload,
 * stream 1 = stdout, 2 = stderr.
 */
export function demuxDockerLogs(buffer: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const stream = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    const payload = buffer.subarray(offset + 8, offset + 8 + size);
    if (stream === 2) err.push(payload);
    else out.push(payload);
    offset += 8 + size;
  }
  if (offset !== buffer.length) throw new Error('truncated Docker log frame (is the container a TTY?)');
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** Why Docker cannot be used by tests (engine or test image missing), or undefined when it can. */
export async function probeDocker(): Promise<string | undefined> {
  const docker = dockerClient({ timeout: 5_000 });
  try {
    await docker.ping();
  } catch (error) {
    return `cannot reach the Docker engine at DOCKER_HOST=${dockerHost()} (${(error as Error).message})`;
  }
  try {
    await ensureTestImage(docker);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
