import { describeWithServices, waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DockerHarness, dockerHarness, dockerSpec } from './testing.js';

/** The head start while a bid awaits approval: a container created early, then started or thrown away. */

describeWithServices(['docker'], 'docker executor: preparing while a bid awaits approval', () => {
  let h: DockerHarness;
  beforeAll(async () => {
    h = await dockerHarness();
    expect((await h.executor.checkHealth()).healthy).toBe(true);
  });
  afterAll(() => h.cleanup());

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
