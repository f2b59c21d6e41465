import { ComputeStateType, type Execution, type NodeInfo, type NodeState } from '@shoal/models';
import {
  connectNats,
  createNkeySeed,
  ctrlSubject,
  encodeMessage,
  inSubject,
  JOIN_USER,
  joinWithToken,
  makeEnvelope,
  nkeyPublicKey,
  nodeInboxPrefix,
  outSubject,
  PROTOCOL_VERSION,
  requestControl,
} from '@shoal/protocol';
import { describeWithServices, waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';
import { getJson, submit, waitForJobState } from './cluster.js';

/**
 * The control plane as an attacker on the same network sees it: a real orchestrator running its
 * own nats-server, a real agent (`victim`), and clients that try to read, forge and take over.
 * One attacker, `mallory`, even holds the join token and has joined with a key of its own.
 */

type Connection = Awaited<ReturnType<typeof connectNats>>;

describeWithServices(['nats'], 'an attacker on the NATS plane', () => {
  let cluster: TestCluster;
  let url: string;
  let token: string;
  let mallory: Connection;
  const malloryErrors: string[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster({ agents: [{ name: 'victim', labels: { role: 'victim' } }] });
    url = cluster.orchestrator.natsUrl;
    token = cluster.orchestrator.joinToken ?? '';
    const seed = createNkeySeed();
    await join('mallory', seed);
    mallory = await connectNats({
      servers: url,
      name: 'mallory',
      nkeySeed: seed,
      inboxPrefix: nodeInboxPrefix('mallory'),
    });
    void (async () => {
      for await (const status of mallory.status()) {
        if (status.type === 'error') malloryErrors.push(status.error.message);
      }
    })();
  }, 60_000);
  afterAll(async () => {
    await mallory?.close();
    await cluster?.stop();
  });

  const join = (nodeId: string, seed: string) =>
    joinWithToken({ servers: url, name: `join-${nodeId}` }, token, nodeId, nkeyPublicKey(seed));
  const victim = async () =>
    (await getJson<{ Node: NodeState }>(`${cluster.api}/api/v1/orchestrator/nodes/victim`)).Node;
  const executionsOf = async (id: string) =>
    (await getJson<{ Executions: Execution[] }>(`${cluster.api}/api/v1/orchestrator/jobs/${id}/executions`))
      .Executions;

  it('refuses a client without credentials, and a wrong join token', async () => {
    expect(token).toMatch(/^shoal-join-/);
    await expect(connectNats({ servers: url, name: 'anonymous' })).rejects.toThrow(/authorization/i);
    await expect(
      connectNats({ servers: url, name: 'guess', user: JOIN_USER, password: 'shoal-join-guessed-token' }),
    ).rejects.toThrow(/authorization/i);
  });

  it('lets the join token do nothing but ask to join', async () => {
    const errors: string[] = [];
    const nc = await connectNats({ servers: url, name: 'joiner', user: JOIN_USER, password: token });
    void (async () => {
      for await (const status of nc.status()) if (status.type === 'error') errors.push(status.error.message);
    })();
    try {
      nc.subscribe('>');
      nc.publish(outSubject('victim'), new TextEncoder().encode('{}'));
      await nc.flush();
      await waitFor(() => errors.length >= 2, { message: 'the server to refuse both' });
      expect(errors.join('\n')).toMatch(/Permissions Violation for Subscription to ">"/);
      expect(errors.join('\n')).toMatch(/Permissions Violation for Publish to "shoal\.compute\.victim\.out"/);
    } finally {
      await nc.close();
    }
  });

  it("keeps a joined node out of another node's id, subjects and bids", async () => {
    await expect(join('victim', createNkeySeed())).rejects.toThrow(/already joined with another key/);
    const seen: string[] = [];
    for (const subject of ['>', 'shoal.compute.*.in', inSubject('victim')]) {
      mallory.subscribe(subject, {
        callback: (error, msg) => {
          if (!error) seen.push(msg.subject);
        },
      });
    }
    mallory.publish(outSubject('victim'), new TextEncoder().encode('{}'));
    mallory.publish(ctrlSubject('victim'), new TextEncoder().encode('{}'));
    await mallory.flush();
    await waitFor(() => malloryErrors.length >= 5, { message: 'five refusals' });
    const errors = malloryErrors.join('\n');
    expect(errors).toContain('Permissions Violation for Subscription to ">"');
    expect(errors).toContain('Permissions Violation for Subscription to "shoal.compute.*.in"');
    expect(errors).toContain('Permissions Violation for Subscription to "shoal.compute.victim.in"');
    expect(errors).toContain('Permissions Violation for Publish to "shoal.compute.victim.out"');
    expect(errors).toContain('Permissions Violation for Publish to "shoal.compute.victim.ctrl"');
    // The victim's bids flow while mallory listens: none reaches it.
    const id = await submit(cluster.api, noopJob('0s', 'bid'));
    await waitForJobState(cluster.api, id, ['Completed']);
    expect(seen).toEqual([]);
  });

  it('gives forged results and shutdown notices no effect', async () => {
    const id = await submit(cluster.api, noopJob('4s', 'real output'));
    const running = await waitFor(
      async () =>
        (await executionsOf(id)).find((e) => e.ComputeState.StateType === ComputeStateType.BidAccepted),
      { message: 'the job to run on the victim' },
    );
    expect(running.NodeID).toBe('victim');
    const time = BigInt(Date.now()) * 1_000_000n;
    const forged = {
      ExecutionID: running.ID,
      RunOutput: output('forged'),
      PublishedResult: { Type: 'noop', Params: null },
    };
    // Sent as itself, on its own stream: the execution is not mallory's.
    const own = makeEnvelope('RunResult', forged, { id: 'm-forged-1', nodeId: 'mallory', time, seq: 1n });
    await mallory.request(outSubject('mallory'), encodeMessage(own), { timeout: 5_000 });
    // Claiming to be the victim on its own subject: refused as the wrong node.
    const claimed = makeEnvelope('RunResult', forged, { id: 'm-forged-2', nodeId: 'victim', time, seq: 2n });
    const refusal = await mallory.request(outSubject('mallory'), encodeMessage(claimed), { timeout: 5_000 });
    expect(new TextDecoder().decode(refusal.data)).toMatch(/wrong_node/);
    const notice = makeEnvelope(
      'ShutdownNotice',
      { Reason: 'forged' },
      { id: 'm-forged-3', nodeId: 'victim', time, seq: 0n },
    );
    const noticeReply = await mallory.request(ctrlSubject('mallory'), encodeMessage(notice), {
      timeout: 5_000,
    });
    expect(new TextDecoder().decode(noticeReply.data)).toMatch(/wrong_node/);

    expect((await victim()).Connection).toBe('CONNECTED');
    await waitForJobState(cluster.api, id, ['Completed']);
    const [done] = await executionsOf(id);
    expect(done?.RunOutput?.stdout).toBe('real output');
    expect((await victim()).Connection).toBe('CONNECTED');
  });

  it('takes a deleted node off the plane: it is disconnected and its key no longer logs in', async () => {
    const seed = createNkeySeed();
    await join('leaver', seed);
    const login = { servers: url, name: 'leaver', nkeySeed: seed, inboxPrefix: nodeInboxPrefix('leaver') };
    const nc = await connectNats(login);
    const statuses: string[] = [];
    void (async () => {
      for await (const status of nc.status()) statuses.push(status.type);
    })();
    const time = BigInt(Date.now()) * 1_000_000n;
    const hello = makeEnvelope(
      'Handshake',
      { NodeInfo: nodeInfo('leaver'), ProtocolVersion: PROTOCOL_VERSION, LastSeqReceived: 0n },
      { id: 'm-leaver-1', nodeId: 'leaver', time, seq: 0n },
    );
    const reply = await requestControl(nc, ctrlSubject('leaver'), hello);
    expect(reply.ok && reply.envelope.payload.Accepted).toBe(true);
    const deleted = await cluster.cli(['node', 'delete', 'leaver']);
    expect(deleted.stderr).toBe('');
    expect(deleted.code).toBe(0);
    await waitFor(() => statuses.includes('disconnect'), { message: 'the deleted node to be disconnected' });
    await nc.close();
    await expect(connectNats(login)).rejects.toThrow(/authorization/i);
  });
});

function noopJob(delay: string, stdout: string) {
  return {
    Type: 'batch',
    Constraints: [{ Key: 'role', Operator: '=', Values: ['victim'] }],
    Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: { Delay: delay, Stdout: stdout } } }],
  };
}

function output(stdout: string) {
  return { stdout, stdouttruncated: false, stderr: '', stderrtruncated: false, exitCode: 0, runnerError: '' };
}

function nodeInfo(nodeId: string): NodeInfo {
  const capacity = { CPU: 1, Memory: 1024 ** 3, Disk: 1024 ** 3, GPU: 0 };
  return {
    NodeID: nodeId,
    NodeType: 'Compute',
    Labels: {},
    ComputeNodeInfo: {
      ExecutionEngines: ['noop'],
      Publishers: ['noop'],
      StorageSources: [],
      MaxCapacity: capacity,
      AvailableCapacity: capacity,
      MaxJobRequirements: capacity,
      RunningExecutions: 0,
      EnqueuedExecutions: 0,
    },
    Version: {
      Major: '0',
      Minor: '1',
      GitVersion: 'v0.1.0',
      GitCommit: 'x',
      BuildDate: '',
      GOOS: 'linux',
      GOARCH: 'amd64',
    },
  };
}
