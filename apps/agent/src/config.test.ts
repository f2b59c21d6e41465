import { describe, expect, it } from 'vitest';
import { AgentConfigSchema } from './config.js';

const NATS = { natsUrl: 'nats://127.0.0.1:4222' };

function problems(input: Record<string, unknown>): string[] {
  const parsed = AgentConfigSchema.safeParse({ ...NATS, ...input });
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('agent config', () => {
  it('has defaults that run a noop agent on a share of the host', () => {
    const config = AgentConfigSchema.parse(NATS);
    expect(config).toMatchObject({ labels: {}, engines: ['noop'], capacityFraction: 0.8, logLevel: 'info' });
    expect(config.dataDir).toMatch(/\.shoal$/);
  });

  it('parses labels as the flag gives them, prefixed keys and empty values included', () => {
    const config = AgentConfigSchema.parse({ ...NATS, labels: 'zone=eu-1, example.com/tier=gold,empty=' });
    expect(config.labels).toEqual({ zone: 'eu-1', 'example.com/tier': 'gold', empty: '' });
  });

  it('refuses bad labels, naming the offending one', () => {
    expect(problems({ labels: 'bad key=x' })).toEqual([
      `labels: label "bad key=x": the name must use letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
    ]);
    expect(problems({ labels: 'a=1,a=2' })).toEqual(['labels: label "a" is given twice']);
    expect(problems({ labels: 'zone=has space' })[0]).toMatch(
      /^labels: label "zone=has space": a value must/,
    );
  });

  it('accepts only engines this build has, and lists them', () => {
    expect(AgentConfigSchema.parse({ ...NATS, engines: 'noop,noop' }).engines).toEqual(['noop']);
    expect(AgentConfigSchema.parse({ ...NATS, engines: 'docker,noop' }).engines).toEqual(['docker', 'noop']);
    expect(AgentConfigSchema.parse({ ...NATS, engines: 'wasm,noop' }).engines).toEqual(['wasm', 'noop']);
    expect(problems({ engines: 'docker,firecracker' })).toEqual([
      'engines: unknown engine firecracker: available engines are noop,docker,wasm',
    ]);
    expect(problems({ engines: ' , ' })).toEqual([
      'engines: name at least one engine (available: noop,docker,wasm)',
    ]);
  });

  it('has safe docker defaults, and takes sizes and durations as people write them', () => {
    expect(AgentConfigSchema.parse(NATS)).toMatchObject({
      allowNetworkedJobs: false,
      maxInlineOutput: 64 * 1024,
      maxOutputFile: 100 * 1024 * 1024,
      timeoutGrace: 2_000,
      prepareTimeout: 600_000,
      dockerPidsLimit: 1024,
    });
    const config = AgentConfigSchema.parse({
      ...NATS,
      allowNetworkedJobs: true,
      maxInlineOutput: '1KiB',
      maxOutputFile: '10MB',
      timeoutGrace: '5s',
      prepareTimeout: '30m',
    });
    expect(config).toMatchObject({
      allowNetworkedJobs: true,
      maxInlineOutput: 1024,
      maxOutputFile: 10_000_000,
      timeoutGrace: 5_000,
      prepareTimeout: 1_800_000,
    });
    expect(
      problems({
        maxInlineOutput: 'lots',
        timeoutGrace: '2 parsecs',
        prepareTimeout: '10ms',
        dockerPidsLimit: 1,
      }),
    ).toEqual([
      'maxInlineOutput: invalid size "lots": expected a number, e.g. 512mb or 1.5gib',
      expect.stringMatching(/^timeoutGrace: invalid duration "2 parsecs"/),
      'prepareTimeout: must be from 1000 ms to 86400 s',
      'dockerPidsLimit: Too small: expected number to be >=16',
    ]);
  });

  it('checks capacity overrides with the core rules', () => {
    expect(problems({ cpu: '1500m', memory: '4Gi', disk: '20Gi', gpu: '1' })).toEqual([]);
    expect(problems({ cpu: '0' })).toEqual(['cpu: CPU capacity: invalid CPU "0": must be greater than zero']);
    expect(problems({ gpu: '2000' })).toEqual([
      'gpu: absurd capacity: GPU must be a whole number from 0 to 1024, got 2000',
    ]);
    expect(problems({ memory: 'plenty' })[0]).toMatch(/^memory: memory capacity: invalid memory "plenty"/);
    expect(problems({ capacityFraction: 0 })).toEqual(['capacityFraction: must be above 0']);
  });

  it('lets as much wait on the node as it offers by default, from none to 100 times it', () => {
    expect(AgentConfigSchema.parse({ natsUrl: 'nats://127.0.0.1:4222' }).queueFactor).toBe(1);
    expect(problems({ queueFactor: 0 })).toEqual([]);
    expect(problems({ queueFactor: -1 })).toEqual(['queueFactor: must be 0 or more']);
    expect(problems({ queueFactor: 101 })).toEqual(['queueFactor: must be at most 100']);
  });

  it('publishes locally by default on a free port of 127.0.0.1, and knows only its publishers', () => {
    expect(AgentConfigSchema.parse(NATS)).toMatchObject({
      publishers: ['noop', 'local'],
      resultsHost: '127.0.0.1',
      resultsPort: 0,
    });
    expect(AgentConfigSchema.parse({ ...NATS, publishers: 'noop' }).publishers).toEqual(['noop']);
    expect(problems({ publishers: 'local,ipfs', resultsPort: 70_000, resultsPublicUrl: 'ftp://x' })).toEqual([
      'publishers: unknown publisher ipfs: available publishers are noop,local,s3',
      'resultsPort: Too big: expected number to be <=65535',
      'resultsPublicUrl: must be an http(s) URL such as http://10.0.0.5:6001',
    ]);
  });

  it('sends result files of at most one part (8 MiB) in one PUT by default, never over 5 GiB', () => {
    expect(AgentConfigSchema.parse(NATS).s3UploadCutoff).toBe(8 * 1024 * 1024);
    expect(AgentConfigSchema.parse({ ...NATS, s3UploadCutoff: '256MiB' }).s3UploadCutoff).toBe(
      256 * 1024 ** 2,
    );
    expect(AgentConfigSchema.parse({ ...NATS, s3UploadCutoff: '5GiB' }).s3UploadCutoff).toBe(5 * 1024 ** 3);
    expect(problems({ s3UploadCutoff: '6GiB' })).toEqual([
      's3UploadCutoff: must be a size from 0 to 5368709120 bytes, e.g. 64KiB',
    ]);
  });

  it('keeps finished executions 24h by default, takes a duration, and 0 or off for forever', () => {
    expect(AgentConfigSchema.parse(NATS).retention).toBe(24 * 3_600_000);
    expect(AgentConfigSchema.parse({ ...NATS, retention: '168h' }).retention).toBe(168 * 3_600_000);
    expect(AgentConfigSchema.parse({ ...NATS, retention: '1m30s' }).retention).toBe(90_000);
    for (const off of ['0', 'off', '0s', 0]) {
      expect(AgentConfigSchema.parse({ ...NATS, retention: off }).retention).toBe(0);
    }
    expect(problems({ retention: 'soon' })).toEqual([
      'retention: invalid duration "soon": use a number and a unit (ns, us, ms, s, m, h), e.g. 500ms or 1m30s, or 0 / off to keep everything',
    ]);
    expect(problems({ retention: '10s' })).toEqual([
      'retention: must be at least 1m (or 0 / off to keep everything)',
    ]);
    expect(problems({ retention: -5 })).toEqual([
      'retention: must be at least 1m (or 0 / off to keep everything)',
    ]);
  });

  it('takes NATS TLS files, a client certificate only with its key', () => {
    expect(problems({ natsTlsCa: '/ca.pem' })).toEqual([]);
    expect(problems({ natsTlsCert: '/client.pem' })).toEqual([
      'natsTlsKey: natsTlsCert and natsTlsKey go together',
    ]);
  });

  it('refuses contradictory NATS credentials', () => {
    expect(problems({ natsToken: 't', natsUser: 'u', natsPassword: 'p' })).toEqual([
      'natsToken: use one way to log in to NATS, not natsToken and natsUser',
    ]);
    expect(problems({ joinToken: 'a-long-enough-join-token', natsCreds: '/x.creds' })).toEqual([
      'joinToken: use one way to log in to NATS, not joinToken and natsCreds',
    ]);
    expect(problems({ natsUser: 'u' })).toEqual(['natsPassword: natsUser and natsPassword go together']);
  });
});
