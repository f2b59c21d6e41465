/**
 * Benchmark: data through S3. A job reads a BENCH_DATA_MB (default 200) object from one bucket as
 * its s3 input, copies it to its outputs, and the s3 publisher uploads it to another bucket (one
 * object per file); its time is submit → Completed, so it holds placement, staging, the container
 * and the upload. Against it, the same bytes moved by the AWS SDK alone: a GetObject streamed to a
 * file, then a PutObject of that file. Both move the size twice (in and out); each prints MB/s of
 * that, medians over BENCH_DATA_ROUNDS (default 3) interleaved rounds, and the ratio (goal ≥ 0.8).
 *
 * The S3 API is s3rver, in this process, and so is the agent: both sides share one event loop and
 * one disk, as the plain copy does. The agent's s3UploadCutoff is at least the object's size, so it
 * publishes the file in one PUT, as the plain copy uploads it: s3rver writes every part of a
 * multipart upload to disk and then copies them all again into the object on completion (S3 does
 * not), which would time s3rver's copy rather than the agent.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @shoal/bench bench:data
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type RunningAgent, startAgent } from '@shoal/agent';
import { decodeJson } from '@shoal/models';
import {
  createTestDatabase,
  ensureTestImage,
  makeTempDir,
  startNatsServer,
  startS3Server,
  testImageName,
  waitFor,
} from '@shoal/testkit';
import { waitForConnectedNode } from './bench-cluster.js';
import { positiveIntEnv } from './env.js';
import { startOrchestratorProcess } from './orchestrator-process.js';

const MB = 1024 * 1024;
const SIZE = positiveIntEnv('BENCH_DATA_MB', 200) * MB;
const ROUNDS = positiveIntEnv('BENCH_DATA_ROUNDS', 3);
const INPUT = { Bucket: 'bench-in', Key: 'data/blob.bin' };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const rate = (ms: number) => (2 * SIZE) / MB / (ms / 1000);

/** Submit → Completed of the copy job; checks the published object's size. */
async function jobPath(api: string, endpoint: string, client: S3Client, round: number): Promise<number> {
  const task = {
    Name: 'main',
    Engine: {
      Type: 'docker',
      Params: { Image: testImageName(), Parameters: ['cp', '/inputs/blob.bin', '/outputs/'] },
    },
    InputSources: [{ Target: '/inputs', Source: { Type: 's3', Params: { ...INPUT, Endpoint: endpoint } } }],
    ResultPaths: [{ Name: 'outputs', Path: '/outputs' }],
    Publisher: { Type: 's3', Params: { Bucket: 'bench-out', Key: `job/${round}/`, Endpoint: endpoint } },
  };
  const started = performance.now();
  const res = await fetch(`${api}/api/v1/orchestrator/jobs`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ Job: { Type: 'batch', Labels: { bench: 'data' }, Tasks: [task] } }),
  });
  if (res.status !== 200) throw new Error(`submit: ${res.status} ${await res.text()}`);
  const { JobID } = (await res.json()) as { JobID: string };
  const state = await waitFor(
    async () => {
      const view = decodeJson(await (await fetch(`${api}/api/v1/orchestrator/jobs/${JobID}`)).text()) as {
        Job: { State: { StateType: string; Message: string } };
      };
      return ['Completed', 'Failed', 'Stopped'].includes(view.Job.State.StateType)
        ? view.Job.State
        : undefined;
    },
    { timeoutMs: 600_000, intervalMs: 20, message: `job ${JobID} to end` },
  );
  const took = performance.now() - started;
  if (state.StateType !== 'Completed') throw new Error(`job ${JobID}: ${state.StateType} ${state.Message}`);
  const head = await client.send(
    new HeadObjectCommand({ Bucket: 'bench-out', Key: `job/${round}/outputs/blob.bin` }),
  );
  if (head.ContentLength !== SIZE) throw new Error(`job ${JobID} published ${head.ContentLength} bytes`);
  return took;
}

/** The same bytes with the SDK alone: download to a file, upload that file. */
async function plainCopy(client: S3Client, file: string, round: number): Promise<number> {
  const started = performance.now();
  const got = await client.send(new GetObjectCommand(INPUT));
  await pipeline(got.Body as Readable, createWriteStream(file));
  await client.send(
    new PutObjectCommand({
      Bucket: 'bench-out',
      Key: `plain/${round}/blob.bin`,
      Body: createReadStream(file),
      ContentLength: (await stat(file)).size,
    }),
  );
  const took = performance.now() - started;
  await rm(file);
  return took;
}

async function main(): Promise<void> {
  await ensureTestImage(undefined, testImageName());
  const s3 = await startS3Server();
  const db = await createTestDatabase({ prefix: 'shoal_bench_data' });
  const nats = await startNatsServer();
  const dir = await makeTempDir('shoal-bench-data-');
  let agent: RunningAgent | undefined;
  const orchestrator = await startOrchestratorProcess({
    dbUrl: db.url,
    dataDir: `${dir.path}/o`,
    natsUrl: nats.url,
  });
  try {
    await s3.createBucket('bench-in', 'bench-out');
    const client = s3.client();
    const chunk = Buffer.alloc(MB);
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < SIZE / MB; i++) yield chunk.fill(i % 251);
      })(),
    );
    await client.send(new PutObjectCommand({ ...INPUT, Body: body, ContentLength: SIZE }));
    // The agent signs with its own credentials, from the SDK's default chain.
    Object.assign(process.env, s3.env);
    agent = await startAgent({
      natsUrl: nats.url,
      name: `bench-data-${process.pid}`,
      dataDir: `${dir.path}/a`,
      engines: 'docker',
      publishers: 's3',
      s3Endpoints: [s3.endpoint],
      s3UploadCutoff: SIZE,
      cpu: '2',
      memory: '4Gi',
      disk: '20Gi',
      logLevel: 'warn',
      // Each round's files go as soon as allowed, so the disk holds one round at a time.
      retention: '1m',
    });
    const api = orchestrator.url;
    await waitForConnectedNode(api, 'the docker agent to connect');
    const job: number[] = [];
    const plain: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate who goes first, so neither always runs on a warmer machine.
      if (round % 2 === 0) {
        job.push(await jobPath(api, s3.endpoint, client, round));
        plain.push(await plainCopy(client, `${dir.path}/plain.bin`, round));
      } else {
        plain.push(await plainCopy(client, `${dir.path}/plain.bin`, round));
        job.push(await jobPath(api, s3.endpoint, client, round));
      }
    }
    const j = median(job);
    const p = median(plain);
    console.log(
      `${SIZE / MB} MB in and ${SIZE / MB} MB out through S3 (s3rver), ${ROUNDS} interleaved rounds`,
    );
    console.log(
      `job path (submit → Completed): median ${(j / 1000).toFixed(2)} s, ${rate(j).toFixed(1)} MB/s`,
    );
    console.log(
      `plain SDK copy (get + put):    median ${(p / 1000).toFixed(2)} s, ${rate(p).toFixed(1)} MB/s`,
    );
    const ratio = rate(j) / rate(p);
    console.log(`ratio job / plain: ${ratio.toFixed(3)} (goal >= 0.8: ${ratio >= 0.8 ? 'met' : 'NOT met'})`);
  } finally {
    await agent?.stop();
    await orchestrator.stop();
    await nats.stop();
    await db.drop();
    await s3.stop();
    await dir.cleanup();
  }
}

await main();
