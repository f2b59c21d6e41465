import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Task } from '@shoal/models';
import { dockerClient, makeTempDir, removeContainersByLabel, type TempDir } from '@shoal/testkit';
import type Docker from 'dockerode';
import { outputPath } from '../../execution/execution-files.js';
import { silentLogger } from '../../logger.js';
import type { ResourceRequest } from '../../node/capacity.js';
import { makeTask } from '../../testing/fixtures.js';
import type { RunSpec } from '../executor.js';
import { DockerExecutor } from './executor.js';
import { LABEL_EXECUTION, LABEL_NODE } from './labels.js';
import type { DockerExecutorOptions } from './options.js';

/**
 * Test-only: a DockerExecutor on the real daemon under a node id of its own (so cleanup never
 * touches anyone else's containers), and RunSpecs for the test image.
 */

export const SMALL: ResourceRequest = {
  cpuMillis: 500,
  memoryBytes: 256 * 1024 * 1024,
  diskBytes: 0,
  gpu: 0,
};

export interface DockerHarness {
  docker: Docker;
  nodeId: string;
  dir: TempDir;
  executor: DockerExecutor;
  /** Another executor on the same node and state directory (an agent restarted). */
  reopen(options?: Partial<DockerExecutorOptions>): DockerExecutor;
  /** Containers of this harness's node, or of one execution. */
  containers(executionId?: string): Promise<Docker.ContainerInfo[]>;
  file(executionId: string, stream: 'stdout' | 'stderr'): Promise<string>;
  cleanup(): Promise<void>;
}

export async function dockerHarness(options: Partial<DockerExecutorOptions> = {}): Promise<DockerHarness> {
  const docker = dockerClient();
  const nodeId = `n-test-${randomUUID().slice(0, 8)}`;
  const dir = await makeTempDir('shoal-docker-');
  const executors: DockerExecutor[] = [];
  const make = (extra: Partial<DockerExecutorOptions> = {}) => {
    const executor = new DockerExecutor({
      docker,
      nodeId,
      stateDir: dir.path,
      logger: silentLogger,
      timeoutGraceMs: 1_000,
      ...options,
      ...extra,
    });
    executors.push(executor);
    return executor;
  };
  const executor = make();
  return {
    docker,
    nodeId,
    dir,
    executor,
    reopen: make,
    containers: (executionId) =>
      docker.listContainers({
        all: true,
        filters: {
          label: [`${LABEL_NODE}=${nodeId}`, ...(executionId ? [`${LABEL_EXECUTION}=${executionId}`] : [])],
        },
      }),
    file: (executionId, stream) => readFile(outputPath(dir.path, executionId, stream), 'utf8'),
    async cleanup() {
      for (const e of executors) await e.close();
      await removeContainersByLabel(`${LABEL_NODE}=${nodeId}`, docker);
      await dir.cleanup();
    },
  };
}

export interface TestSpec extends RunSpec {
  controller: AbortController;
  progress: string[];
}

/** A RunSpec for `Params` (Image defaults to the test image) and task overrides. */
export function dockerSpec(
  params: Record<string, unknown>,
  task: Partial<Task> = {},
  resources: ResourceRequest = SMALL,
): TestSpec {
  const controller = new AbortController();
  const progress: string[] = [];
  const image = process.env.SHOAL_TEST_IMAGE || 'shoal-test/busybox:latest';
  return {
    executionId: `e-${randomUUID()}`,
    jobId: `j-${randomUUID()}`,
    task: makeTask({ Engine: { Type: 'docker', Params: { Image: image, ...params } }, ...task }),
    resources,
    signal: controller.signal,
    controller,
    progress,
    onProgress: (message) => progress.push(message),
  };
}

/** `sh -c script` as Entrypoint + Parameters. */
export function sh(script: string): Record<string, unknown> {
  return { Entrypoint: ['sh', '-c'], Parameters: [script] };
}
