import { expect, it } from 'vitest';
import { demuxDockerLogs, removeContainersByLabel, watchNextExit } from './docker.js';
import { useDocker } from './fixtures.js';
import { describeWithServices } from './services.js';

describeWithServices(['docker'], 'docker smoke test', () => {
  const fixture = useDocker(); // a handle: do not destructure `image` at collection time
  const { docker, labels } = fixture;

  it('pings the engine', async () => {
    expect((await docker.ping()).toString()).toBe('OK');
  });

  it('runs the test image: exit code, separate stdout/stderr, container removed', async () => {
    const container = await docker.createContainer({
      Image: fixture.image,
      Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'],
      Labels: labels,
      HostConfig: { NetworkMode: 'none' },
    });
    const { exited } = await watchNextExit(container, 'next-exit'); // before start: no race
    await container.start();
    const result = await exited;
    expect(result.StatusCode).toBe(3);

    const logs = await container.logs({ stdout: true, stderr: true, follow: false });
    expect(demuxDockerLogs(logs)).toEqual({ stdout: 'out\n', stderr: 'err\n' });

    await container.remove({ force: true });
    await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('runs as nobody (the image has /etc/passwd)', async () => {
    const container = await docker.createContainer({
      Image: fixture.image,
      Cmd: ['sh', '-c', 'id -u; touch /tmp/x && echo tmp-writable'],
      User: 'nobody',
      Labels: labels,
      HostConfig: { NetworkMode: 'none' },
    });
    const { exited } = await watchNextExit(container);
    await container.start();
    expect((await exited).StatusCode).toBe(0);
    const { stdout } = demuxDockerLogs(await container.logs({ stdout: true, stderr: true }));
    expect(stdout).toBe('65534\ntmp-writable\n');
  });

  it('removeContainersByLabel removes running containers of this suite only', async () => {
    const container = await docker.createContainer({
      Image: fixture.image,
      Cmd: ['sleep', '300'],
      Labels: labels,
      HostConfig: { NetworkMode: 'none' },
    });
    await container.start();
    const removed = await removeContainersByLabel(`shoal.test.run=${labels['shoal.test.run']}`, docker);
    expect(removed).toBeGreaterThanOrEqual(1); // also the previous test's stopped container
    await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
