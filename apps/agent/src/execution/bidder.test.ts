import { manualClock } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { NO_RESOURCES, type ResourceRequest } from '../node/capacity.js';
import { S3Publisher } from '../publisher/s3.js';
import { LocalDirectoryProvider } from '../storage/local-directory.js';
import { S3Access } from '../storage/s3-client.js';
import { makeJob, makeTask } from '../testing/fixtures.js';
import { type BidderContext, decideBid } from './bidder.js';

const total: ResourceRequest = { cpuMillis: 4000, memoryBytes: 8_000_000_000, diskBytes: 100e9, gpu: 0 };

function node(overrides: Partial<BidderContext> = {}): BidderContext {
  return {
    engines: [{ engine: 'noop', healthy: true }],
    publishers: ['noop', 'local'],
    storageSources: [],
    health: { healthy: true },
    total,
    allocated: NO_RESOURCES,
    overcommit: 1,
    queue: NO_RESOURCES,
    ...overrides,
  };
}

describe('decideBid', () => {
  it('accepts a job it can run, with the parsed request', () => {
    expect(decideBid(makeJob(), node())).toEqual({
      accept: true,
      request: { cpuMillis: 500, memoryBytes: 512_000_000, diskBytes: 0, gpu: 0 },
    });
  });

  it('applies the default CPU and memory to blank resources', () => {
    const job = makeJob({ Resources: { CPU: '', Memory: ' ', Disk: '', GPU: '' } });
    expect(decideBid(job, node())).toMatchObject({
      accept: true,
      request: { cpuMillis: 500, memoryBytes: 512e6 },
    });
  });

  it('refuses everything while the node is unhealthy', () => {
    expect(decideBid(makeJob(), node({ health: { healthy: false, reason: 'disk full' } }))).toEqual({
      accept: false,
      reason: 'node is unhealthy: disk full',
    });
  });

  it('refuses an engine it does not have, listing the ones it has', () => {
    const job = makeJob({ Engine: { Type: 'wasm', Params: {} } });
    expect(decideBid(job, node())).toEqual({
      accept: false,
      reason: 'engine wasm is not supported by this node (supported: noop)',
    });
  });

  it('refuses when the engine is unhealthy, with its reason', () => {
    const engines = [{ engine: 'noop', healthy: false, reason: 'docker daemon not responding' }];
    expect(decideBid(makeJob(), node({ engines }))).toEqual({
      accept: false,
      reason: 'node is unhealthy: docker daemon not responding',
    });
  });

  it('refuses a network its engine does not offer, and says how to allow it', () => {
    const docker = (networks: string[]) => node({ engines: [{ engine: 'docker', healthy: true, networks }] });
    const job = (type: string) =>
      makeJob({ Engine: { Type: 'docker', Params: { Image: 'x' } }, Network: { Type: type as 'None' } });
    expect(decideBid(job('None'), docker(['None'])).accept).toBe(true);
    expect(decideBid(job('Host'), docker(['None']))).toEqual({
      accept: false,
      reason:
        'network type Host is not allowed on this node (supported: None); networked jobs need --allow-networked-jobs',
    });
    expect(decideBid(job('Full'), docker(['None', 'Host', 'Full'])).accept).toBe(true);
    expect(decideBid(job('HTTP'), docker(['None', 'Host', 'Full']))).toEqual({
      accept: false,
      reason: 'network type HTTP is not allowed on this node (supported: Full, Host, None)',
    });
    // No flag gives a wasm module a network: the hint says so instead of naming docker's flag.
    const wasm = node({ engines: [{ engine: 'wasm', healthy: true, networks: ['None'] }] });
    expect(
      decideBid(makeJob({ Engine: { Type: 'wasm', Params: {} }, Network: { Type: 'Full' } }), wasm),
    ).toEqual({
      accept: false,
      reason:
        'network type Full is not allowed on this node (supported: None); the wasm engine gives its tasks no network',
    });
    // An engine that says nothing about networks (noop) runs nothing that could use one.
    expect(decideBid(makeJob({ Network: { Type: 'Full' } }), node()).accept).toBe(true);
  });

  it('refuses a publisher it does not have, and accepts the empty one', () => {
    expect(decideBid(makeJob({ Publisher: { Type: 's3', Params: {} } }), node())).toEqual({
      accept: false,
      reason: 'publisher s3 is not supported by this node (supported: local, noop)',
    });
    expect(
      decideBid(makeJob({ Publisher: { Type: '', Params: null } }), node({ publishers: [] })).accept,
    ).toBe(true);
  });

  it('refuses input sources it cannot mount', () => {
    const InputSources = [{ Source: { Type: 'localDirectory', Params: {} }, Alias: 'in', Target: '/in' }];
    expect(decideBid(makeJob({ InputSources }), node())).toEqual({
      accept: false,
      reason: 'input source localDirectory is not supported by this node (supported: none)',
    });
    expect(decideBid(makeJob({ InputSources }), node({ storageSources: ['localDirectory'] })).accept).toBe(
      true,
    );
  });

  it('refuses jobs without exactly one task', () => {
    const none = { ...makeJob(), Tasks: [] };
    const two = { ...makeJob(), Tasks: [makeTask(), makeTask()] };
    expect(decideBid(none, node())).toEqual({ accept: false, reason: 'job has no task' });
    expect(decideBid(two, node())).toEqual({
      accept: false,
      reason: 'job has 2 tasks; this node runs one task per job',
    });
  });

  it('refuses unparseable resources with the parser message', () => {
    const job = makeJob({ Resources: { CPU: 'lots', Memory: '1Gb', Disk: '', GPU: '' } });
    const decision = decideBid(job, node());
    expect(decision).toEqual({
      accept: false,
      reason: expect.stringMatching(/^invalid resources: invalid CPU "lots"/),
    });
  });

  it('refuses when memory does not fit what is left, saying waiting may help', () => {
    const allocated = { ...NO_RESOURCES, memoryBytes: total.memoryBytes - 200_000_000 };
    expect(decideBid(makeJob(), node({ allocated }))).toEqual({
      accept: false,
      reason: 'not enough memory: needs 512 MB, 200 MB available',
      outOfCapacity: true,
    });
  });

  it('names every resource a request exceeds the whole node in, and that waiting will not help', () => {
    const job = makeJob({ Resources: { CPU: '8', Memory: '64Gb', Disk: '', GPU: '' } });
    expect(decideBid(job, node())).toEqual({
      accept: false,
      reason:
        'not enough CPU: needs 8 cores, 4 cores available (this node has 4 cores in total); ' +
        'not enough memory: needs 64 GB, 8 GB available (this node has 8 GB in total)',
      outOfCapacity: false,
    });
  });

  it('books up to the overcommit factor the orchestrator gave, and says so when beyond it', () => {
    const halfFull = { ...NO_RESOURCES, cpuMillis: 5_500 };
    const half = makeJob({ Resources: { CPU: '500m', Memory: '1Gb', Disk: '', GPU: '' } });
    expect(decideBid(half, node({ allocated: halfFull, overcommit: 1.5 })).accept).toBe(true);
    expect(decideBid(half, node({ allocated: halfFull }))).toMatchObject({
      accept: false,
      outOfCapacity: true,
    });
    const big = makeJob({ Resources: { CPU: '7', Memory: '1Gb', Disk: '', GPU: '' } });
    expect(decideBid(big, node({ overcommit: 1.5 }))).toEqual({
      accept: false,
      reason:
        'not enough CPU: needs 7 cores, 6 cores available (this node has 4 cores in total, 6 cores with overcommit 1.5)',
      outOfCapacity: false,
    });
  });

  it('refuses GPUs and disk it does not have', () => {
    expect(
      decideBid(makeJob({ Resources: { CPU: '1', Memory: '1Gb', Disk: '', GPU: '1' } }), node()),
    ).toEqual({
      accept: false,
      reason: 'not enough GPU: needs 1 GPU, 0 GPUs available (this node has 0 GPUs in total)',
      outOfCapacity: false,
    });
    const disk = makeJob({ Resources: { CPU: '1', Memory: '1Gb', Disk: '200Gb', GPU: '' } });
    expect(decideBid(disk, node())).toMatchObject({
      accept: false,
      reason: expect.stringMatching(/^not enough disk/),
    });
  });

  it('refuses an input the node supports but will not take, naming the input and the rules', () => {
    const local = new LocalDirectoryProvider([{ path: '/data', readWrite: false }]);
    const ctx = node({ storageSources: ['localDirectory'], refuseInput: (s) => local.refuse(s) });
    const mount = (SourcePath: string) => ({
      Source: { Type: 'localDirectory', Params: { SourcePath, ReadWrite: false } },
      Alias: '',
      Target: `/in${SourcePath}`,
    });
    expect(decideBid(makeJob({ InputSources: [mount('/data/a'), mount('/srv')] }), ctx)).toEqual({
      accept: false,
      reason: 'input 1: local path /srv is not allowed on this node (allowed: /data:ro)',
    });
    expect(decideBid(makeJob({ InputSources: [mount('/data/a')] }), ctx)).toMatchObject({ accept: true });
  });

  it('refuses a publisher destination the node will not use, naming the publisher and the reason', () => {
    const publisher = new S3Publisher({
      access: new S3Access({ endpoints: ['http://minio:9000'] }),
      stateDir: '/unused',
      nodeId: 'n',
      clock: manualClock(),
    });
    const ctx = node({ publishers: ['noop', 's3'], refusePublisher: (p) => publisher.refuse(p) });
    const to = (Endpoint: string) =>
      makeJob({ Publisher: { Type: 's3', Params: { Bucket: 'out', Key: 'k/', Endpoint } } });
    expect(decideBid(to('http://collector.example'), ctx)).toEqual({
      accept: false,
      reason: expect.stringMatching(
        /^publisher s3: S3 endpoint http:\/\/collector\.example is not allowed on this node/,
      ),
    });
    expect(decideBid(to('http://minio:9000'), ctx)).toMatchObject({ accept: true });
  });
});
