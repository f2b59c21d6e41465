import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeWithServices, waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DockerHarness, dockerHarness, dockerSpec, sh } from './testing.js';

/** The head start while a bid awaits approval: a container created early, then started or thrown away. */

describeWithServices(['docker'], 'docker executor: preparing while a bid awaits approval', () => {
  let h: DockerHarness;
  beforeAll(async () => {
    h = await dockerHarness();
    expect((await h.executor.checkHealth()).healthy).toBe(true);
  });
  afterAll(() => h.cleanup());

  /** The ids of the containers the daemon creates for the execution, as it reports them. */
  async function watchCreates(executionId: string) {
    const ids: string[] = [];
    const events = (await h.docker.getEvents({
      filters: { type: ['container'], event: ['create'], label: [`io.shoal.execution-id=${executionId}`] },
    })) as NodeJS.ReadableStream & { destroy(): void };
    events.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) ids.push(JSON.parse(line).id);
    });
    return { ids, stop: () => events.destroy() };
  }

  it('creates the container early, and the run starts that same container', async () => {
    const spec = dockerSpec({ Parameters: ['echo', 'prepared'] });
    const creates: string[] = [];
    const events = (await h.docker.getEvents({
      filters: {
        type: ['container'],
        event: ['create'],
        label: [`io.shoal.execution-id=${spec.executionId}`],
      },
    })) as NodeJS.ReadableStream & { destroy(): void };
    events.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) creates.push(JSON.parse(line).id);
    });
    try {
      const { signal: _s, onProgress: _p, ...early } = spec;
      h.executor.prepare(early);
      const created = await waitFor(async () => (await h.containers(spec.executionId))[0], {
        message: 'the prepared container',
      });
      expect(created.State).toBe('created');
      expect(await h.executor.sweep(() => false)).toBe(0); // a prepared container is not an orphan

      const result = await h.executor.run(spec);
      expect(result).toMatchObject({ kind: 'completed', runOutput: { stdout: 'prepared\n', exitCode: 0 } });
      // The run started the prepared container: the daemon saw one create for the execution.
      await waitFor(() => creates.length >= 1, { message: 'the create event' });
      expect(creates).toEqual([created.Id]);
    } finally {
      events.destroy();
    }
  });

  it('prepares a task with inputs with their mounts before they are fetched', async () => {
    const spec = dockerSpec(sh('cat /in/blob.txt'));
    const staged = join(h.dir.path, 'staging', spec.executionId);
    const inputs = [{ hostPath: staged, target: '/in', readOnly: true }];
    const { signal: _s, onProgress: _p, ...early } = spec;
    const creates = await watchCreates(spec.executionId);
    h.executor.prepare({ ...early, inputs });
    const created = await waitFor(async () => (await h.containers(spec.executionId))[0], {
      message: 'the prepared container',
    });
    expect(created.State).toBe('created');
    // Fetched after the container was made: the bind mount shows the directory as it is at start.
    await mkdir(staged, { recursive: true });
    await writeFile(join(staged, 'blob.txt'), 'fetched later\n');
    const result = await h.executor.run({ ...spec, inputs });
    expect(result).toMatchObject({
      kind: 'completed',
      runOutput: { stdout: 'fetched later\n', exitCode: 0 },
    });
    await waitFor(() => creates.ids.length >= 1, { message: 'the create event' });
    creates.stop();
    expect(creates.ids).toEqual([created.Id]);
  });

  it('does not start a container prepared with other mounts than the run has', async () => {
    const spec = dockerSpec(sh('ls /in'));
    const { signal: _s, onProgress: _p, ...early } = spec;
    const expected = join(h.dir.path, 'expected', spec.executionId);
    const creates = await watchCreates(spec.executionId);
    h.executor.prepare({ ...early, inputs: [{ hostPath: expected, target: '/in', readOnly: true }] });
    const first = await waitFor(async () => (await h.containers(spec.executionId))[0], {
      message: 'the prepared container',
    });
    const actual = join(h.dir.path, 'actual', spec.executionId);
    await mkdir(actual, { recursive: true });
    await writeFile(join(actual, 'other.txt'), '');
    const result = await h.executor.run({
      ...spec,
      inputs: [{ hostPath: actual, target: '/in', readOnly: true }],
    });
    expect(result).toMatchObject({ kind: 'completed', runOutput: { stdout: 'other.txt\n', exitCode: 0 } });
    // The prepared one was thrown away and another made with the run's own mounts.
    await waitFor(() => creates.ids.length >= 2, { message: 'both create events' });
    creates.stop();
    expect(creates.ids[0]).toBe(first.Id);
    await waitFor(async () => !(await h.containers(spec.executionId)).some((c) => c.Id === first.Id), {
      message: 'the prepared container to be removed',
    });
  });

  it('throws the container away when the bid is not taken', async () => {
    const spec = dockerSpec({ Parameters: ['echo', 'never'] });
    const { signal: _s, onProgress: _p, ...early } = spec;
    h.executor.prepare(early);
    await waitFor(async () => (await h.containers(spec.executionId)).length === 1, {
      message: 'the prepared container',
    });
    h.executor.discard(spec.executionId);
    await waitFor(async () => (await h.containers(spec.executionId)).length === 0, {
      message: 'the discarded container to be removed',
    });
  });

  it('prepares nothing for an image that is not here: the run pulls it and fails as before', async () => {
    const spec = dockerSpec({ Image: 'shoal-test/absent:never', Parameters: ['true'] });
    const { signal: _s, onProgress: _p, ...early } = spec;
    h.executor.prepare(early);
    const result = await h.executor.run(spec);
    expect(result).toMatchObject({
      kind: 'failed',
      error: expect.stringContaining('shoal-test/absent:never'),
    });
    expect(await h.containers(spec.executionId)).toEqual([]);
  });
});
