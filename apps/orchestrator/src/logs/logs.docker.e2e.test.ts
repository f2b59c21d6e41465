import type { Execution } from '@shoal/models';
import {
  describeWithServices,
  ensureTestImage,
  removeContainersByLabel,
  testImageName,
  waitFor,
} from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type LogsCluster, startLogsCluster } from './testing/logs-cluster.js';

/**
 * The contract between the docker engine and the log streamer, end to end: the engine writes
 * `executions/<id>/stdout|stderr` while the container runs, and a follower gets each line as it
 * is written, then the socket closes once the container has exited and its output is drained.
 */

const NODE = 'n-logs-docker';

describeWithServices(['postgres', 'nats', 'docker'], 'docker job logs over a WebSocket', () => {
  let c: LogsCluster;

  beforeAll(async () => {
    await ensureTestImage();
    c = await startLogsCluster({ nodeId: NODE, engines: 'docker' });
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
    await removeContainersByLabel(`io.shoal.node-id=${NODE}`);
  });

  it('follows a container’s stdout and stderr while it runs, and ends when it exits', async () => {
    const jobId = await c.submit({
      Type: 'docker',
      Params: {
        Image: testImageName(),
        Entrypoint: ['sh', '-c', 'echo first; echo oops >&2; sleep 5; printf last'],
      },
    });
    await c.executionIn(jobId, 5);
    const reading = c.read(jobId, '?follow=true');
    await waitFor(() => reading.frames.length >= 2, { timeoutMs: 30_000, message: 'the first two lines' });
    const { Executions } = (await (await fetch(c.api(`/jobs/${jobId}/executions`))).json()) as {
      Executions: Execution[];
    };
    // Still running: the lines came from the files as the container wrote them.
    expect(Executions[0]?.ComputeState.StateType).toBe(5);
    expect(await reading.closed).toEqual({ code: 1000, reason: '' });
    expect(reading.frames.slice(0, 2)).toEqual(
      expect.arrayContaining([
        { Type: 1, Line: 'first\n' },
        { Type: 2, Line: 'oops\n' },
      ]),
    );
    // The last line had no newline: it gets one, as Bacalhau's streamers give it.
    expect(reading.frames.slice(2)).toEqual([{ Type: 1, Line: 'last\n' }]);

    const again = c.read(jobId, '?tail=1');
    expect(await again.closed).toMatchObject({ code: 1000 });
    // Between the two streams, the order is the order they were read in.
    expect(again.frames).toHaveLength(2);
    expect(again.frames).toEqual(
      expect.arrayContaining([
        { Type: 1, Line: 'last\n' },
        { Type: 2, Line: 'oops\n' },
      ]),
    );
  }, 60_000);
});
