import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  describeWithServices,
  dockerClient,
  killOnExit,
  makeTempDir,
  removeContainersByLabel,
  type TempDir,
  testImageName,
  useNatsServer,
  waitFor,
} from '@shoal/testkit';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { agentStateDir } from './config.js';
import { outputPath } from './execution/execution-files.js';
import { LABEL_EXECUTION, LABEL_NODE } from './executor/docker/labels.js';
import { type FakeOrchestrator, startFakeOrchestrator } from './testing/fake-orchestrator.js';
import { makeAsk, makeJob } from './testing/fixtures.js';

/**
 * The docker engine on the real `./shoal serve --compute` process: SIGKILLed, or stopped gracefully
 * (SIGTERM: it lets go of its containers rather than stopping them), while its container runs, then
 * restarted on the same data directory, the agent adopts the container and reports the run
 * completed, with its whole output, once. Docker's event stream proves there was never a second
 * container.
 */

const shoal = fileURLToPath(new URL('../../../shoal', import.meta.url));

interface Agent {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
}

describeWithServices(['nats', 'docker'], 'shoal serve --compute --engines docker, restarted mid-run', () => {
  const nats = useNatsServer();
  const docker = dockerClient();
  let fake: FakeOrchestrator;
  let dir: TempDir;
  let nodeId: string;

  beforeEach(async () => {
    fake = await startFakeOrchestrator(nats.url, { heartbeatIntervalMs: 500 });
    dir = await makeTempDir('shoal-agent-dkill-');
    nodeId = `n-dkill-${randomUUID().slice(0, 8)}`;
  });
  afterEach(async () => {
    await fake.stop();
    await removeContainersByLabel(`${LABEL_NODE}=${nodeId}`, docker);
    await dir.cleanup();
  });

  function serve(): Agent {
    const args = ['serve', '--compute', '--engines', 'docker', '--nats-url', nats.url];
    const node = ['--data-dir', dir.path, '--name', nodeId, '--cpu', '2', '--memory', '4Gi', '--disk', '1Gi'];
    const child = killOnExit(
      spawn(shoal, [...args, ...node, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] }),
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    return { child, exited, stderr: () => stderr };
  }

  it.each(['SIGKILL', 'SIGTERM'] as const)(
    'after %s, adopts the running container and reports it completed, once',
    async (signal) => {
      const creates: string[] = [];
      const events = (await docker.getEvents({
        filters: { type: ['container'], event: ['create'], label: [`${LABEL_NODE}=${nodeId}`] },
      })) as NodeJS.ReadableStream & { destroy(): void };
      events.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n').filter(Boolean)) creates.push(JSON.parse(line).id);
      });

      try {
        const first = serve();
        await waitFor(() => fake.handshakes.length === 1, {
          timeoutMs: 60_000,
          message: () => `the first handshake; agent said: ${first.stderr()}`,
        });
        const script = 'sleep 5; echo done';
        const job = makeJob({
          Engine: {
            Type: 'docker',
            Params: { Image: testImageName(), Entrypoint: ['sh', '-c'], Parameters: [script] },
          },
        });
        const ask = makeAsk({}, { Job: job, JobID: job.ID, WaitForApproval: false });
        const running = async () =>
          (await docker.listContainers({ filters: { label: [`${LABEL_EXECUTION}=${ask.ExecutionID}`] } }))
            .length === 1;
        fake.send(nodeId, 'AskForBid', ask);
        await waitFor(running, {
          timeoutMs: 20_000,
          message: () => `the container; agent said: ${first.stderr()}`,
        });

        first.child.kill(signal);
        expect(await first.exited).toBe(signal === 'SIGTERM' ? 0 : null);
        expect(await running()).toBe(true);

        const second = serve();
        try {
          await waitFor(() => fake.reportsOf(ask.ExecutionID).length === 2, {
            timeoutMs: 60_000,
            message: () => `the run result; agent said: ${second.stderr()}`,
          });
          // Give a duplicate every chance to show up before asserting there is none.
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          const reports = fake.reportsOf(ask.ExecutionID);
          expect(reports.map((r) => r.type)).toEqual(['BidResult', 'RunResult']);
          expect(reports[1]?.payload).toMatchObject({
            RunOutput: { stdout: 'done\n', stdouttruncated: false, stderr: '', exitCode: 0 },
          });
          const stdout = outputPath(agentStateDir({ dataDir: dir.path }), ask.ExecutionID, 'stdout');
          expect(await readFile(stdout, 'utf8')).toBe('done\n');
          expect(creates).toHaveLength(1);
          await waitFor(
            async () =>
              (await docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE}=${nodeId}`] } }))
                .length === 0,
            {
              message: 'the finished container to be removed',
            },
          );
        } finally {
          second.child.kill('SIGTERM');
          expect(await second.exited).toBe(0);
        }
      } finally {
        events.destroy();
      }
    },
    120_000,
  );
});
