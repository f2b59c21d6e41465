import { randomUUID } from 'node:crypto';
import {
  describeWithServices,
  dockerClient,
  dockerHost,
  ensureTestImage,
  removeContainersByLabel,
} from '@shoal/testkit';
import { afterAll, expect, it } from 'vitest';
import { sweepNodeContainers } from './docker-sweep.js';

describeWithServices(['docker'], 'sweepNodeContainers', () => {
  const run = randomUUID();
  const docker = dockerClient();
  const create = async (nodeId: string) =>
    docker.createContainer({
      Image: await ensureTestImage(docker),
      Cmd: ['true'],
      Labels: { 'io.shoal.managed': 'true', 'io.shoal.node-id': nodeId, 'shoal.test.run': run },
    });

  afterAll(async () => {
    await removeContainersByLabel(`shoal.test.run=${run}`);
  });

  it('removes the containers of one node created since a time, and no others', async () => {
    const victim = `devstack-test-${run}`;
    await create(victim);
    await create(victim);
    const bystander = await create(`other-${run}`);
    expect(await sweepNodeContainers(dockerHost(), victim, Math.floor(Date.now() / 1000) + 3600)).toBe(0);
    expect(await sweepNodeContainers(dockerHost(), victim, 0)).toBe(2);
    const left = await docker.listContainers({ all: true, filters: { label: [`shoal.test.run=${run}`] } });
    expect(left.map((c) => c.Id)).toEqual([bystander.id]);
  });

  it('fails with the reason when Docker is not there', async () => {
    await expect(sweepNodeContainers('unix:///nonexistent.sock', 'x', 0)).rejects.toThrow(/ENOENT/);
  });
});
