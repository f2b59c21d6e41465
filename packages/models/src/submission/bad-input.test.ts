import { describe, expect, it } from 'vitest';
import type { FieldProblem } from '../errors.js';
import type { PrepareJobOptions } from './prepare.js';
import { prepareJobSubmission } from './prepare.js';

/** Malformed or disallowed job submissions: each is refused with the offending field named. */

const opts: PrepareJobOptions = { id: 'j-00000000-0000-4000-8000-000000000000', now: 1n };
const T = 'Job.Tasks[0]';
const P = `${T}.Engine.Params`;

function job(
  params: Record<string, unknown> = {},
  task: Record<string, unknown> = {},
  top: Record<string, unknown> = {},
) {
  return {
    Type: 'batch',
    Tasks: [
      { Name: 't', Engine: { Type: 'docker', Params: { Image: 'ubuntu:latest', ...params } }, ...task },
    ],
    ...top,
  };
}

function problemsOf(input: unknown, options: PrepareJobOptions = opts): FieldProblem[] {
  const result = prepareJobSubmission(input, options);
  return result.ok ? [] : result.problems;
}

type Case = [name: string, input: unknown, path: string, message: RegExp, options?: PrepareJobOptions];
const mount = (SourcePath: unknown, ReadWrite?: boolean) =>
  job(
    {},
    {
      InputSources: [
        { Source: { Type: 'localDirectory', Params: { SourcePath, ReadWrite } }, Target: '/in' },
      ],
    },
  );
const dataRo = {
  ...opts,
  policy: {
    allowedHostPaths: [
      { path: '/data', readWrite: false },
      { path: '/', readWrite: true },
    ],
  },
};
const dataOnly = { ...opts, policy: { allowedHostPaths: [{ path: '/data', readWrite: false }] } };

const CASES: Case[] = [
  // missing or empty image
  ['missing image', job({ Image: undefined }), `${P}.Image`, /is required/],
  ['empty image', job({ Image: '' }), `${P}.Image`, /must not be empty/],
  // malformed image reference
  ['image with a space', job({ Image: 'ubuntu latest' }), `${P}.Image`, /invalid image reference/],
  ['image with ;', job({ Image: 'ubuntu;rm -rf /' }), `${P}.Image`, /invalid image reference/],
  ['image too long', job({ Image: `a${'b'.repeat(300)}` }), `${P}.Image`, /at most 255/],
  // image outside the allow-list
  [
    'image not allow-listed',
    job(),
    `${P}.Image`,
    /not allowed on this cluster \(allowed: shoal-test\/\*\)/,
    { ...opts, policy: { allowedImages: ['shoal-test/*'] } },
  ],
  // host path where the cluster's policy allows none
  [
    'host path, nothing allowed',
    mount('/data'),
    `${T}.InputSources[0].Source.Params.SourcePath`,
    /host mounts are disabled/,
    { ...opts, policy: { allowedHostPaths: [] } },
  ],
  [
    'host path outside the allow-list',
    mount('/srv/x'),
    `${T}.InputSources[0].Source.Params.SourcePath`,
    /not an allowed host path \(allowed: \/data\)/,
    dataOnly,
  ],
  // traversal
  [
    'path traversal',
    mount('/data/../etc'),
    `${T}.InputSources[0].Source.Params.SourcePath`,
    /"\.\."/,
    dataOnly,
  ],
  [
    'relative source path',
    mount('data'),
    `${T}.InputSources[0].Source.Params.SourcePath`,
    /absolute/,
    dataOnly,
  ],
  // read-write on a read-only path
  [
    'read-write on read-only',
    mount('/data/x', true),
    `${T}.InputSources[0].Source.Params.ReadWrite`,
    /allowed read-only/,
    dataOnly,
  ],
  // always forbidden, whatever the allow-list says
  ['mount /', mount('/'), `${T}.InputSources[0].Source.Params.SourcePath`, /can never be mounted/, dataRo],
  [
    'mount /proc',
    mount('/proc/1'),
    `${T}.InputSources[0].Source.Params.SourcePath`,
    /can never be mounted/,
    dataRo,
  ],
  [
    'mount /etc',
    mount('/etc'),
    `${T}.InputSources[0].Source.Params.SourcePath`,
    /can never be mounted/,
    dataRo,
  ],
  [
    'mount /sys',
    mount('/sys'),
    `${T}.InputSources[0].Source.Params.SourcePath`,
    /can never be mounted/,
    dataRo,
  ],
  [
    'mount the docker socket',
    mount('/var/run/docker.sock'),
    `${T}.InputSources[0].Source.Params.SourcePath`,
    /can never be mounted/,
    dataRo,
  ],
  [
    'mount a parent of the socket',
    mount('/run'),
    `${T}.InputSources[0].Source.Params.SourcePath`,
    /can never be mounted/,
    dataRo,
  ],
  // docker options smuggled into Params
  ['Privileged', job({ Privileged: true }), `${P}.Privileged`, /unknown field/],
  ['CapAdd', job({ CapAdd: ['SYS_ADMIN'] }), `${P}.CapAdd`, /unknown field/],
  ['NetworkMode', job({ NetworkMode: 'host' }), `${P}.NetworkMode`, /unknown field/],
  ['Devices', job({ Devices: ['/dev/sda'] }), `${P}.Devices`, /unknown field/],
  ['PidMode', job({ PidMode: 'host' }), `${P}.PidMode`, /unknown field/],
  // env names and size
  ['empty env name', job({}, { Env: { '': 'x' } }), `${T}.Env[""]`, /must not be empty/],
  [
    'env name with =',
    job({}, { Env: { 'A=B': 'x' } }),
    `${T}.Env["A=B"]`,
    /invalid environment variable name/,
  ],
  ['env value with NUL', job({}, { Env: { A: 'x\u0000y' } }), `${T}.Env.A`, /NUL/],
  [
    'env name starting with a digit',
    job({}, { Env: { '1A': 'x' } }),
    `${T}.Env["1A"]`,
    /invalid environment variable name/,
  ],
  [
    'reserved env prefix',
    job({}, { Env: { SHOAL_NODE: 'x' } }),
    `${T}.Env.SHOAL_NODE`,
    /reserved prefix SHOAL_/,
  ],
  [
    'docker env without =',
    job({ EnvironmentVariables: ['NOPE'] }),
    `${P}.EnvironmentVariables[0]`,
    /KEY=VALUE/,
  ],
  ['env over 64 KB', job({}, { Env: { BIG: 'x'.repeat(70_000) } }), `${T}.Env`, /limit is 65536/],
  // CPU and memory
  ...(['0', '-1', 'NaN', 'abc', '1e309'] as const).map(
    (cpu): Case => [`CPU ${cpu}`, job({}, { Resources: { CPU: cpu } }), `${T}.Resources.CPU`, /./],
  ),
  ...(['0', '-5Mb', 'NaN', 'lots', '1e309', '12XB'] as const).map(
    (mem): Case => [`Memory ${mem}`, job({}, { Resources: { Memory: mem } }), `${T}.Resources.Memory`, /./],
  ),
  // Count
  ['negative count', job({}, {}, { Count: -1 }), 'Job.Count', /must not be negative/],
  ['fractional count', job({}, {}, { Count: 1.5 }), 'Job.Count', /expected int/],
  ['absurd count', job({}, {}, { Count: 1e9 }), 'Job.Count', /at most 10000/],
  // A Count for ops or daemon is ignored, not refused: see bacalhau-defaults.test.ts.
  ['zero count for batch', job({}, {}, { Count: 0 }), 'Job.Count', /at least 1/],
  // timeouts
  [
    'negative timeout',
    job({}, { Timeouts: { ExecutionTimeout: -1 } }),
    `${T}.Timeouts.ExecutionTimeout`,
    /must not be negative/,
  ],
  [
    'fractional timeout',
    job({}, { Timeouts: { QueueTimeout: 0.5 } }),
    `${T}.Timeouts.QueueTimeout`,
    /expected int/,
  ],
  [
    'timeout as string',
    job({}, { Timeouts: { TotalTimeout: '10' } }),
    `${T}.Timeouts.TotalTimeout`,
    /expected number, got string/,
  ],
  [
    'execution + queue > total',
    job({}, { Timeouts: { ExecutionTimeout: 60, QueueTimeout: 60, TotalTimeout: 100 } }),
    `${T}.Timeouts`,
    /\(120s\) must not exceed TotalTimeout \(100s\)/,
  ],
  // entrypoint and parameters
  [
    'entrypoint as a string',
    job({ Entrypoint: 'echo hello' }),
    `${P}.Entrypoint`,
    /expected array, got string/,
  ],
  [
    'parameters with a number',
    job({ Parameters: ['-c', 3] }),
    `${P}.Parameters[1]`,
    /expected string, got number/,
  ],
  // names with control characters or too long
  ['name with NUL', job({}, {}, { Name: 'a\u0000b' }), 'Job.Name', /control characters/],
  ['name with newline', job({}, {}, { Name: 'a\nb' }), 'Job.Name', /control characters/],
  ['name too long', job({}, {}, { Name: 'x'.repeat(256) }), 'Job.Name', /at most 255/],
  ['task name with control chars', job({}, { Name: 'x\u0007' }), `${T}.Name`, /control characters/],
  ['bad namespace', job({}, {}, { Namespace: 'a b' }), 'Job.Namespace', /letters, digits/],
  // unknown enums list the allowed values
  [
    'missing type',
    job({}, {}, { Type: undefined }),
    'Job.Type',
    /missing job type: allowed are batch, ops, daemon, service/,
  ],
  [
    'unknown type',
    job({}, {}, { Type: 'cron' }),
    'Job.Type',
    /invalid job type: "cron": allowed are batch, ops, daemon, service/,
  ],
  [
    'unknown engine',
    { Type: 'batch', Tasks: [{ Name: 't', Engine: { Type: 'wasmtime' } }] },
    `${T}.Engine.Type`,
    /unknown engine "wasmtime": allowed are docker, noop/,
  ],
  [
    'unknown publisher',
    job({}, { Publisher: { Type: 'ipfs' } }),
    `${T}.Publisher.Type`,
    /unknown publisher "ipfs": allowed are noop, local/,
  ],
  [
    'unknown network',
    job({}, { Network: { Type: 'Bridge' } }),
    `${T}.Network.Type`,
    /unknown network type "Bridge": allowed are None, Host, Full, HTTP/,
  ],
  // and a few more shapes
  // An unknown job or task field is a warning, not a problem: see go-decoding.test.ts.
  ['two tasks', { Type: 'batch', Tasks: [{}, {}] }, 'Job.Tasks', /exactly one task/],
  ['no tasks', { Type: 'batch', Tasks: [] }, 'Job.Tasks', /needs one task/],
  [
    'result paths without a publisher',
    job({}, { ResultPaths: [{ Name: 'o', Path: '/out' }] }),
    `${T}.Publisher.Type`,
    /publisher is required/,
  ],
  [
    'duplicate result path',
    job(
      {},
      {
        Publisher: { Type: 'local' },
        ResultPaths: [
          { Name: 'a', Path: '/o' },
          { Name: 'b', Path: '/o/' },
        ],
      },
    ),
    `${T}.ResultPaths[1].Path`,
    /already used/,
  ],
  [
    'result path name that leaves its directory',
    job({}, { Publisher: { Type: 'local' }, ResultPaths: [{ Name: '../etc', Path: '/o' }] }),
    `${T}.ResultPaths[0].Name`,
    /names a directory/,
  ],
  [
    'result path name the archive uses itself',
    job({}, { Publisher: { Type: 'local' }, ResultPaths: [{ Name: 'stdout', Path: '/o' }] }),
    `${T}.ResultPaths[0].Name`,
    /must not be one of stdout/,
  ],
  [
    'bad constraint operator',
    job({}, {}, { Constraints: [{ Key: 'zone', Operator: '~', Values: ['a'] }] }),
    'Job.Constraints[0].Operator',
    /allowed are/,
  ],
  [
    'reserved meta key',
    job({}, {}, { Meta: { 'shoal.io/owner': 'x' } }),
    'Job.Meta["shoal.io/owner"]',
    /reserved/,
  ],
  ['bad label key', job({}, {}, { Labels: { 'bad key': 'x' } }), 'Job.Labels["bad key"]', /./],
  ['not an object', 'hello', 'Job', /expected object, got string/],
  [
    'noop delay without a unit',
    { Type: 'batch', Tasks: [{ Name: 't', Engine: { Type: 'noop', Params: { Delay: '10' } } }] },
    `${P}.Delay`,
    /invalid duration "10"/,
  ],
  [
    'noop delay too long',
    { Type: 'batch', Tasks: [{ Name: 't', Engine: { Type: 'noop', Params: { Delay: '2h' } } }] },
    `${P}.Delay`,
    /at most 1h/,
  ],
];

describe('prepareJobSubmission: bad input', () => {
  for (const [name, input, path, message, options] of CASES) {
    it(`refuses ${name} at ${path}`, () => {
      const found = problemsOf(input, options);
      const hit = found.find((p) => p.path === path);
      expect(hit, `problems were ${JSON.stringify(found)}`).toBeDefined();
      expect(hit?.message).toMatch(message);
    });
  }

  it('reports every problem in one answer', () => {
    const found = problemsOf({
      Type: 'cron',
      Count: -2,
      Name: 'x\u0000',
      Tasks: [
        {
          Name: '',
          Engine: { Type: 'docker', Params: { Image: '', Privileged: true } },
          Resources: { CPU: '0', Memory: 'lots' },
        },
      ],
    });
    expect(found.map((p) => p.path).sort()).toEqual(
      [
        'Job.Count',
        'Job.Name',
        'Job.Type',
        `${T}.Name`,
        `${P}.Image`,
        `${P}.Privileged`,
        `${T}.Resources.CPU`,
        `${T}.Resources.Memory`,
      ].sort(),
    );
  });
});
