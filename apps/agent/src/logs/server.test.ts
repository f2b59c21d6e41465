import { appendFile, mkdir } from 'node:fs/promises';
import { ComputeStateType as C, encodeJson, manualClock, type RunOutput } from '@shoal/models';
import {
  connectNats,
  decodeMessage,
  decodeReply,
  encodeMessage,
  type LogChunk,
  logStreamSubject,
  logsSubject,
  makeEnvelope,
  type Payload,
  requestLogs,
} from '@shoal/protocol';
import { describeWithServices, makeTempDir, type TempDir, useNatsServer, waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { executionDir, outputPath } from '../execution/execution-files.js';
import { type AgentStore, openAgentStore } from '../store/index.js';
import { recordingLogger } from '../testing/agents.js';
import { runningExecution, testUuid } from '../testing/fixtures.js';
import { type LogServer, startLogServer } from './server.js';

type Nats = Awaited<ReturnType<typeof connectNats>>;

const NODE = 'n-logs-test';
const SAMPLE_OPEN = {
  StreamID: 'ls-x',
  ExecutionID: 'e-x',
  Follow: false,
  Tail: null,
  Window: 8,
  MaxChunkBytes: 64 * 1024,
  IdleTimeoutMs: 10_000,
};
const clock = manualClock(1_695_883_778_909_107_178n);

describeWithServices(['nats'], 'the agent’s log server over real NATS', () => {
  const nats = useNatsServer();
  const log = recordingLogger();
  let dir: TempDir;
  let store: AgentStore;
  let agentNc: Nats;
  let readerNc: Nats;
  let server: LogServer;

  beforeAll(async () => {
    dir = await makeTempDir('shoal-log-server-');
    store = openAgentStore({ dataDir: dir.path, clock, logger: log, newId: testUuid });
    agentNc = await connectNats({ servers: nats.url, name: 'agent' });
    readerNc = await connectNats({ servers: nats.url, name: 'reader' });
    server = startLogServer({
      nc: agentNc,
      nodeId: NODE,
      stateDir: dir.path,
      store,
      clock,
      newId: testUuid,
      logger: log,
      pollMs: 20,
      retransmitMs: 150,
    });
    await agentNc.flush();
  });
  afterAll(async () => {
    await server?.stop('test over');
    await agentNc?.close();
    await readerNc?.close();
    await store?.close();
    await dir?.cleanup();
  });

  /** An execution in the agent's store: running, or completed with `output`. */
  async function execution(output?: RunOutput): Promise<string> {
    const id = `e-${testUuid()}`;
    await store.transaction((tx) => {
      const record = store.executions.insert(tx, runningExecution(id));
      if (output) store.executions.update(tx, record, { localState: C.Completed, runOutput: output });
    });
    return id;
  }

  async function writeOutput(id: string, stream: 'stdout' | 'stderr', text: string) {
    await mkdir(executionDir(dir.path, id), { recursive: true });
    await appendFile(outputPath(dir.path, id, stream), text);
  }

  /** What the orchestrator does: subscribe to the chunks, then ask; ack and cancel on demand. */
  async function reader(open: Partial<Payload<'LogStreamOpen'>> & { ExecutionID: string }, nodeId = NODE) {
    const streamId = `ls-${testUuid()}`;
    const chunks: LogChunk[] = [];
    const sub = readerNc.subscribe(logStreamSubject(nodeId, streamId), {
      callback: (_error, msg) => {
        const decoded = decodeMessage(msg.data, { expectedNodeId: nodeId, channel: 'logs-data' });
        if (decoded.ok && decoded.envelope.type === 'LogChunk') chunks.push(decoded.envelope.payload);
      },
    });
    await readerNc.flush();
    const fields = () => ({ id: testUuid(), nodeId, time: clock.now() });
    const payload = {
      StreamID: streamId,
      Follow: false,
      Tail: null,
      Window: 8,
      MaxChunkBytes: 64 * 1024,
      IdleTimeoutMs: 10_000,
      ...open,
    };
    const reply = await requestLogs(readerNc, makeEnvelope('LogStreamOpen', payload, fields()), {
      timeoutMs: 2_000,
    });
    const ack = async (Received: number, Until: number) => {
      const answer = await requestLogs(
        readerNc,
        makeEnvelope('LogStreamAck', { StreamID: streamId, Received, Until }, fields()),
        { timeoutMs: 2_000 },
      );
      return answer.ok && answer.envelope.payload.Active;
    };
    const cancel = () =>
      readerNc.publish(
        logsSubject(nodeId),
        encodeMessage(makeEnvelope('LogStreamCancel', { StreamID: streamId, Reason: 'bye' }, fields())),
      );
    const lines = () => chunks.flatMap((c) => c.Frames.map((f) => `${f.Type}:${f.Line}`));
    return { streamId, reply, chunks, ack, cancel, lines, close: () => sub.unsubscribe() };
  }

  it('refuses an execution it does not have', async () => {
    const r = await reader({ ExecutionID: 'e-nobody' });
    expect(r.reply.ok && r.reply.envelope.payload).toEqual({
      Accepted: false,
      Code: 'unknown_execution',
      Reason: `node ${NODE} has no execution e-nobody`,
    });
    expect(server.active).toBe(0);
    r.close();
  });

  it('answers a malformed request with an error reply and keeps serving', async () => {
    const garbage = await readerNc.request(logsSubject(NODE), new TextEncoder().encode('{"v":1,"type":'), {
      timeout: 2_000,
    });
    expect(decodeReply(garbage.data)).toMatchObject({ ok: true, reply: { Error: { Code: 'bad_json' } } });
    const open = makeEnvelope(
      'LogStreamOpen',
      { ...SAMPLE_OPEN, ExecutionID: '../../etc/passwd' },
      { id: 'm-bad', nodeId: NODE, time: 1n },
    );
    const bad = await readerNc.request(logsSubject(NODE), new TextEncoder().encode(encodeJson(open)), {
      timeout: 2_000,
    });
    const refused = decodeReply(bad.data);
    expect(refused).toMatchObject({ ok: true, reply: { Error: { Code: 'bad_payload' } } });
    expect(refused.ok && 'Error' in refused.reply && refused.reply.Error.Message).toContain('ExecutionID');
    const alive = await reader({ ExecutionID: 'e-still-nobody' });
    expect(alive.reply.ok && alive.reply.envelope.payload.Code).toBe('unknown_execution');
    expect(server.active).toBe(0);
    alive.close();
  });

  it('streams a finished run, and ends once its last chunk is acknowledged', async () => {
    const id = await execution({
      stdout: 'hello\nworld',
      stdouttruncated: false,
      stderr: 'oops\n',
      stderrtruncated: false,
      exitCode: 0,
      runnerError: '',
    });
    const r = await reader({ ExecutionID: id });
    expect(r.reply.ok && r.reply.envelope.payload.Accepted).toBe(true);
    await waitFor(() => r.chunks.some((c) => c.Done), { message: 'the last chunk' });
    expect(r.lines()).toEqual(['1:hello\n', '1:world\n', '2:oops\n']);
    expect(server.active).toBe(1);
    const last = r.chunks.at(-1)?.Seq ?? 0;
    expect(await r.ack(last, last + 8)).toBe(true);
    await waitFor(() => server.active === 0, { message: 'the stream to end' });
    expect(await r.ack(last, last + 8)).toBe(false);
    r.close();
  });

  it('never has more chunks in flight than the credit it was given', async () => {
    const id = await execution();
    await writeOutput(
      id,
      'stdout',
      Array.from({ length: 200 }, (_, i) => `line ${i} ${'x'.repeat(40)}\n`).join(''),
    );
    const r = await reader({ ExecutionID: id, Window: 2, MaxChunkBytes: 1024 });
    await waitFor(() => r.chunks.length >= 2);
    // Held back: no ack, no more credit (a resend repeats seq 1-2, never goes beyond).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(Math.max(...r.chunks.map((c) => c.Seq))).toBe(2);
    await r.ack(2, 4);
    await waitFor(() => r.chunks.some((c) => c.Seq === 4));
    expect(Math.max(...r.chunks.map((c) => c.Seq))).toBe(4);
    r.cancel();
    await waitFor(() => server.active === 0);
    r.close();
  });

  it('sends again what was not acknowledged', async () => {
    const id = await execution();
    await writeOutput(id, 'stderr', 'only line\n');
    const r = await reader({ ExecutionID: id, Follow: true });
    // Keepalives that acknowledge nothing: as if chunk 1 had been lost on the way.
    await waitFor(async () => {
      await r.ack(0, 8);
      return r.chunks.filter((c) => c.Seq === 1).length >= 2;
    });
    expect(r.chunks.filter((c) => c.Seq === 1).map((c) => c.Frames)).toEqual([
      [{ Type: 2, Line: 'only line\n' }],
      [{ Type: 2, Line: 'only line\n' }],
    ]);
    r.cancel();
    await waitFor(() => server.active === 0);
    r.close();
  });

  it('stops a stream whose reader stopped sending keepalives', async () => {
    const id = await execution();
    const r = await reader({ ExecutionID: id, Follow: true, IdleTimeoutMs: 300 });
    expect(r.reply.ok && r.reply.envelope.payload.Accepted).toBe(true);
    await waitFor(() => server.active === 0, { message: 'the abandoned stream to stop' });
    expect(log.has('log stream abandoned: no ack or keepalive')).toBe(true);
    expect(log.lines.some((l) => l.msg === 'log stream closed' && l.obj.reason === 'abandoned')).toBe(true);
    r.close();
  });

  it('stops following at once when the reader cancels, and says it no longer has the stream', async () => {
    const id = await execution();
    await writeOutput(id, 'stdout', 'tick\n');
    const r = await reader({ ExecutionID: id, Follow: true });
    await waitFor(() => r.chunks.length > 0);
    expect(server.active).toBe(1);
    r.cancel();
    await waitFor(() => server.active === 0);
    expect(await r.ack(1, 9)).toBe(false);
    r.close();
  });

  it('does not start a stream whose reader cancelled while it was being opened', async () => {
    const id = await execution();
    const streamId = `ls-${testUuid()}`;
    const fields = () => ({ id: testUuid(), nodeId: NODE, time: clock.now() });
    const open = { ...SAMPLE_OPEN, StreamID: streamId, ExecutionID: id, Follow: true };
    const reply = requestLogs(readerNc, makeEnvelope('LogStreamOpen', open, fields()), { timeoutMs: 2_000 });
    readerNc.publish(
      logsSubject(NODE),
      encodeMessage(makeEnvelope('LogStreamCancel', { StreamID: streamId, Reason: 'gone' }, fields())),
    );
    const answer = await reply;
    // Refused (the cancel came first) or accepted and then cancelled: either way nothing runs on.
    expect(answer.ok).toBe(true);
    await waitFor(() => server.active === 0, { timeoutMs: 2_000, message: 'no stream left running' });
  });

  it('follows a running execution until it completes and its files are drained', async () => {
    const id = await execution();
    await writeOutput(id, 'stdout', 'one\n');
    const r = await reader({ ExecutionID: id, Follow: true });
    const keepalive = setInterval(() => void r.ack(r.chunks.length, r.chunks.length + 8), 50);
    try {
      await waitFor(() => r.lines().includes('1:one\n'));
      await writeOutput(id, 'stderr', 'two\n');
      await waitFor(() => r.lines().includes('2:two\n'));
      await writeOutput(id, 'stdout', 'three');
      await store.transaction((tx) => {
        const current = store.executions.get(tx, id);
        if (current) store.executions.update(tx, current, { localState: C.Completed });
      });
      await waitFor(() => r.chunks.some((c) => c.Done), { message: 'the end of the stream' });
      expect(r.lines()).toEqual(['1:one\n', '2:two\n', '1:three\n']);
      await waitFor(() => server.active === 0);
    } finally {
      clearInterval(keepalive);
      r.close();
    }
  });

  it('refuses streams beyond its limit, and tells open streams why when it stops', async () => {
    const node = 'n-logs-small';
    const small = startLogServer({
      nc: agentNc,
      nodeId: node,
      stateDir: dir.path,
      store,
      clock,
      newId: testUuid,
      logger: log,
      maxStreams: 1,
      pollMs: 20,
    });
    await agentNc.flush();
    const id = await execution();
    const first = await reader({ ExecutionID: id, Follow: true }, node);
    const second = await reader({ ExecutionID: id, Follow: true }, node);
    expect(first.reply.ok && first.reply.envelope.payload.Accepted).toBe(true);
    expect(second.reply.ok && second.reply.envelope.payload).toMatchObject({
      Accepted: false,
      Code: 'too_many_streams',
    });
    await small.stop('agent shutting down');
    expect(small.active).toBe(0);
    await waitFor(() => first.chunks.some((c) => c.Done));
    expect(first.chunks.at(-1)?.Error).toEqual({ Code: 'stopping', Message: 'agent shutting down' });
    first.close();
    second.close();
  });
});
