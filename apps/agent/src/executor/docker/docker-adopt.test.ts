import { describeWithServices, waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ExecutorResult } from '../executor.js';
import type { DockerExecutorOptions } from './options.js';
import { type DockerHarness, dockerHarness, dockerSpec, sh } from './testing.js';

type Options = Partial<DockerExecutorOptions>;

/**
 * Restart safety. `close()` lets go of a run without touching its container, exactly what a
 * SIGKILLed agent does; a second executor on the same node and directory then adopts it.
 */

describeWithServices(['docker'], 'docker executor: adoption and the orphan sweep', () => {
  let h: DockerHarness;
  beforeAll(async () => {
    h = await dockerHarness();
  });
  afterAll(() => h.cleanup());

  /** Starts `script` on a first executor, and drops that executor once `ready` is in stdout. */
  async function startThenDrop(script: string, ready: string, timeout = 0, options: Options = {}) {
    const first = h.reopen(options);
    const spec = dockerSpec(sh(script), { Timeouts: { ExecutionTimeout: timeout } });
    const run = first.run(spec);
    await waitFor(async () => (await h.file(spec.executionId, 'stdout').catch(() => '')).includes(ready), {
      timeoutMs: 20_000,
      message: `${ready} in stdout`,
    });
    await first.close();
    expect(await run).toEqual({ kind: 'failed', error: 'the docker executor was closed' });
    expect(await h.containers(spec.executionId)).toHaveLength(1);
    return spec;
  }

  async function adopt(spec: ReturnType<typeof dockerSpec>, options: Options = {}): Promise<ExecutorResult> {
    const outcome = await h.reopen(options).adopt({ ...spec, signal: new AbortController().signal });
    if (!outcome.adopted) throw new Error(`not adopted: ${outcome.reason}`);
    return outcome.result;
  }

  // Docker's log follower can miss a last line without its newline: the capture reads it again.
  it.each([
    {
      ending: 'its lines ended',
      rest: 'echo two; echo err-two >&2',
      out: 'one\ntwo\n',
      err: 'err-one\nerr-two\n',
    },
    {
      ending: 'a last line with no newline',
      rest: 'printf two; printf err-two >&2',
      out: 'one\ntwo',
      err: 'err-one\nerr-two',
    },
  ])('adopts a running container and finishes with its whole output, once ($ending)', async (c) => {
    const spec = await startThenDrop(`echo one; echo err-one >&2; sleep 2; ${c.rest}`, 'one');
    expect(await adopt(spec)).toMatchObject({
      kind: 'completed',
      runOutput: { stdout: c.out, stderr: c.err, exitCode: 0 },
    });
    expect(await h.file(spec.executionId, 'stdout')).toBe(c.out);
    expect(await h.file(spec.executionId, 'stderr')).toBe(c.err);
    await waitFor(async () => (await h.containers(spec.executionId)).length === 0, {
      message: 'the adopted container to be removed',
    });
  });

  it('keeps an adopted output that passes the file cap capped, with one marker', async () => {
    const capped = { maxOutputFileBytes: 8, maxInlineOutputBytes: 8 };
    const spec = await startThenDrop('printf 0123; sleep 2; printf 456789', '0123', 0, capped);
    expect(await adopt(spec, capped)).toMatchObject({
      kind: 'completed',
      runOutput: { stdout: '01234567', stdouttruncated: true, exitCode: 0 },
    });
    expect(await h.file(spec.executionId, 'stdout')).toBe(
      '01234567\n[shoal: stdout truncated at 8 B; the rest was not kept]\n',
    );
  });

  it('adopts a container that exited while nobody watched: its exit code and the rest of its log', async () => {
    const spec = await startThenDrop('echo first; sleep 1; echo second; exit 7', 'first');
    await waitFor(async () => (await h.containers(spec.executionId))[0]?.State === 'exited', {
      message: 'the container to exit on its own',
    });
    expect(await adopt(spec)).toMatchObject({
      kind: 'completed',
      runOutput: { stdout: 'first\nsecond\n', exitCode: 7 },
    });
  });

  it('keeps the original deadline for an adopted run', async () => {
    const spec = await startThenDrop('echo up; sleep 600', 'up', 3);
    const started = Date.now();
    expect(await adopt(spec)).toMatchObject({ kind: 'failed', error: 'execution timed out after 3s' });
    // The 3 s counted from the container's start, not from the adoption (plus the 1 s grace).
    expect(Date.now() - started).toBeLessThan(4_500);
    expect(await h.containers(spec.executionId)).toEqual([]);
  });

  it('cannot adopt what is gone, or a container that never started (which it removes)', async () => {
    const gone = await h.reopen().adopt(dockerSpec(sh('true')));
    expect(gone).toEqual({ adopted: false, reason: 'its container is gone' });

    const spec = dockerSpec(sh('true'));
    const created = await h.docker.createContainer({
      name: `shoal-${spec.executionId}`,
      Image: process.env.SHOAL_TEST_IMAGE || 'shoal-test/busybox:latest',
      Labels: {
        'io.shoal.managed': 'true',
        'io.shoal.node-id': h.nodeId,
        'io.shoal.execution-id': spec.executionId,
      },
    });
    expect(await h.reopen().adopt(spec)).toEqual({
      adopted: false,
      reason: 'its container was created but never started',
    });
    await expect(created.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('recover() removes this node’s containers that no live execution owns, and only those', async () => {
    const live = await startThenDrop('echo live; sleep 600', 'live');
    const orphan = await startThenDrop('echo orphan; sleep 600', 'orphan');
    const other = await dockerHarness();
    const foreign = dockerSpec({ Parameters: ['sleep', '600'] });
    const foreignRun = other.executor.run(foreign);
    try {
      await waitFor(async () => (await other.containers(foreign.executionId)).length === 1);
      const executor = h.reopen({ sweepIntervalMs: 200 });
      await executor.recover(new Set([live.executionId]));
      expect(await h.containers(orphan.executionId)).toEqual([]);
      expect(await h.containers(live.executionId)).toHaveLength(1);
      // Another node's container on the same daemon is not ours to judge.
      expect(await other.containers(foreign.executionId)).toHaveLength(1);

      // The periodic sweep knows only what this process runs: `live` was never adopted here.
      await waitFor(async () => (await h.containers(live.executionId)).length === 0, {
        message: 'the periodic sweep to remove the unowned container',
      });
      const running = dockerSpec({ Parameters: ['sleep', '600'] });
      const run = executor.run(running);
      await waitFor(async () => (await h.containers(running.executionId)).length === 1);
      // A sweep now spares the container of a run in flight (and there is nothing else to take).
      expect(await executor.sweep(() => false)).toBe(0);
      expect(await h.containers(running.executionId)).toHaveLength(1);
      running.controller.abort();
      expect(await run).toMatchObject({ kind: 'cancelled', runOutput: { exitCode: 137 } });
    } finally {
      foreign.controller.abort();
      await foreignRun;
      await other.cleanup();
    }
  });
});
