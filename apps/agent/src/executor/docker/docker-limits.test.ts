import { mkdir, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describeWithServices } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { executionDir, outputPath } from '../../execution/execution-files.js';
import { type DockerHarness, dockerHarness, dockerSpec, SMALL, sh } from './testing.js';

/** The bad tasks: floods, memory hogs, sleepers, fork bombs, images that do not exist. */

const FILE_CAP = 1024 * 1024;

describeWithServices(['docker'], 'docker executor: limits', () => {
  let h: DockerHarness;
  beforeAll(async () => {
    h = await dockerHarness({ maxOutputFileBytes: FILE_CAP, pidsLimit: 64, timeoutGraceMs: 1_000 });
  });
  afterAll(() => h.cleanup());

  it('caps a 10 MB flood: 64 KiB inline, flagged, the file capped with a marker', async () => {
    const spec = dockerSpec(sh("head -c 10000000 /dev/zero | tr '\\0' a; echo tail >&2"));
    const result = await h.executor.run(spec);
    expect(result.kind).toBe('completed');
    if (result.kind !== 'completed') return;
    expect(result.runOutput.stdout).toBe('a'.repeat(64 * 1024));
    expect(result.runOutput.stdouttruncated).toBe(true);
    expect(result.runOutput).toMatchObject({ stderr: 'tail\n', stderrtruncated: false, exitCode: 0 });
    const file = await h.file(spec.executionId, 'stdout');
    expect(file.startsWith('a'.repeat(FILE_CAP))).toBe(true);
    expect(file.slice(FILE_CAP)).toBe('\n[shoal: stdout truncated at 1 MiB; the rest was not kept]\n');
    expect((await stat(outputPath(h.dir.path, spec.executionId, 'stdout'))).size).toBeLessThan(
      FILE_CAP + 100,
    );
  });

  it('streams a 300 MB flood through with flat memory', async () => {
    const spec = dockerSpec(sh("head -c 300000000 /dev/zero | tr '\\0' a; echo tail >&2"));
    const rssBefore = process.memoryUsage().rss;
    const result = await h.executor.run(spec);
    const grown = process.memoryUsage().rss - rssBefore;
    expect(result).toMatchObject({
      kind: 'completed',
      runOutput: { stdouttruncated: true, stderr: 'tail\n', exitCode: 0 },
    });
    // Streamed, not buffered: a small fraction of what the task wrote.
    expect(grown).toBeLessThan(100 * 1024 * 1024);
  }, 120_000);

  it('fails a task killed for memory, naming OOMKilled and the limit', async () => {
    const spec = dockerSpec(
      sh("x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived"),
      {},
      { ...SMALL, memoryBytes: 32 * 1024 * 1024 },
    );
    const result = await h.executor.run(spec);
    expect(result).toMatchObject({
      kind: 'failed',
      error: 'the container ran out of memory and was killed (OOMKilled; memory limit 32 MiB)',
      runOutput: { exitCode: 137, stdout: '' },
    });
  });

  it('times out a sleeper: SIGTERM, SIGKILL after the grace, failed, container gone', async () => {
    const spec = dockerSpec(sh('echo started; sleep 600'), { Timeouts: { ExecutionTimeout: 2 } });
    const started = Date.now();
    const result = await h.executor.run(spec);
    const took = Date.now() - started;
    expect(result).toMatchObject({
      kind: 'failed',
      error: 'execution timed out after 2s',
      final: true,
      runOutput: { stdout: 'started\n', exitCode: 137, runnerError: 'execution timed out after 2s' },
    });
    // 2 s of run + 1 s of grace (sh as PID 1 ignores SIGTERM), plus Docker's own time.
    expect(took).toBeGreaterThanOrEqual(2_900);
    expect(took).toBeLessThan(6_000);
    expect(await h.containers(spec.executionId)).toEqual([]);
  });

  it('stops at SIGTERM when the task honours it, without waiting for the grace', async () => {
    // A long grace, so that waiting it out (11 s and more) cannot pass for a slow Docker: on a
    // loaded 2-core machine creating, starting and removing a container alone can take a second.
    const patient = await dockerHarness({ pidsLimit: 64, timeoutGraceMs: 10_000 });
    try {
      const spec = dockerSpec(sh("trap 'echo bye; exit 143' TERM; sleep 600 & wait"), {
        Timeouts: { TotalTimeout: 1 },
      });
      const started = Date.now();
      const result = await patient.executor.run(spec);
      expect(result).toMatchObject({ kind: 'failed', error: 'execution timed out after 1s', final: true });
      expect(result.kind === 'failed' && result.runOutput).toMatchObject({ stdout: 'bye\n', exitCode: 143 });
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      await patient.cleanup();
    }
  });

  it('contains a fork bomb with the pids limit: the run ends and the host is fine', async () => {
    // Each process forks two more forever; with 64 pids the forks fail and the shell gives up.
    const bomb = "b() { b | b & }; b; sleep 2; ps -o pid | wc -l; echo 'still here'";
    const spec = dockerSpec(sh(bomb), { Timeouts: { ExecutionTimeout: 20 } });
    const result = await h.executor.run(spec);
    expect(result.kind === 'completed' || result.kind === 'failed').toBe(true);
    const out = await h.file(spec.executionId, 'stderr');
    expect(out).toMatch(/can't fork|Resource temporarily unavailable/);
    // The host can still start processes and containers.
    const after = await h.executor.run(dockerSpec({ Parameters: ['echo', 'ok'] }));
    expect(after).toMatchObject({ kind: 'completed', runOutput: { stdout: 'ok\n' } });
  });

  it('stops and fails a run whose output cannot be written (disk full), saying why', async () => {
    const spec = dockerSpec(sh('while true; do echo spam; sleep 0.1; done'));
    // /dev/full answers every write with ENOSPC: a disk that is full from the first byte.
    const dir = executionDir(h.dir.path, spec.executionId);
    await mkdir(dir, { recursive: true });
    await symlink('/dev/full', join(dir, 'stdout'));
    const started = Date.now();
    expect(await h.executor.run(spec)).toMatchObject({
      kind: 'failed',
      error: expect.stringMatching(/^the output could not be kept: cannot write the stdout file: ENOSPC/),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await h.containers(spec.executionId)).toEqual([]);
  });

  it('fails at once on an image that is neither local nor pullable, naming it', async () => {
    const spec = dockerSpec({ Image: 'shoal-test/does-not-exist:1.0', Parameters: ['true'] });
    const started = Date.now();
    const result = await h.executor.run(spec);
    expect(result).toMatchObject({
      kind: 'failed',
      error: expect.stringMatching(
        /^image shoal-test\/does-not-exist:1\.0 is not available on this node and could not be pulled: /,
      ),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(spec.progress[0]).toBe('pulling image shoal-test/does-not-exist:1.0');
    expect(await h.containers(spec.executionId)).toEqual([]);
  });
});
