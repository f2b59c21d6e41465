import { describe, expect, it } from 'vitest';
import { prepareJobSubmission } from './prepare.js';

/** wasm tasks at submission: Bacalhau's names, defaults, and every refusal naming its field. */

const opts = { id: 'j-00000000-0000-4000-8000-000000000000', now: 1n };
const P = 'Job.Tasks[0].Engine.Params';
const MODULE = { Source: { Type: 'inline', Params: { URL: 'data:application/wasm;base64,AGFzbQEAAAA=' } } };

function submit(params: Record<string, unknown> | undefined) {
  return prepareJobSubmission(
    { Type: 'batch', Tasks: [{ Name: 't', Engine: { Type: 'wasm', Params: params } }] },
    opts,
  );
}

function problems(params: Record<string, unknown> | undefined): Array<[string, string]> {
  const result = submit(params);
  return result.ok ? [] : result.problems.map((p) => [p.path, p.message]);
}

describe('wasm engine params', () => {
  it('are normalised with Bacalhau defaults: Entrypoint _start, empty lists and map', () => {
    const result = submit({ EntryModule: MODULE });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.job.Tasks[0]?.Engine).toEqual({
      Type: 'wasm',
      Params: {
        EntryModule: MODULE,
        Entrypoint: '_start',
        Parameters: [],
        EnvironmentVariables: {},
        ImportModules: [],
      },
    });
  });

  it('read the JSON tag EntryPoint as Entrypoint, as Go decodes it', () => {
    const result = submit({ EntryModule: MODULE, EntryPoint: 'run', Parameters: ['a'] });
    expect(result.ok && result.job.Tasks[0]?.Engine.Params).toMatchObject({
      Entrypoint: 'run',
      Parameters: ['a'],
    });
  });

  it.each<[string, Record<string, unknown> | undefined, string, RegExp]>([
    ['no params', undefined, `${P}.EntryModule`, /is required/],
    ['no module', { Parameters: [] }, `${P}.EntryModule`, /is required/],
    [
      'a module from an unsupported source',
      { EntryModule: { Source: { Type: 'ipfs', Params: { CID: 'x' } } } },
      `${P}.EntryModule.Source.Type`,
      /inline or urlDownload, not "ipfs"/,
    ],
    [
      'an inline module that is not a data URI',
      { EntryModule: { Source: { Type: 'inline', Params: { URL: 'hello' } } } },
      `${P}.EntryModule.Source.Params.URL`,
      /data: URI/,
    ],
    [
      'a URL module that is not http(s)',
      { EntryModule: { Source: { Type: 'urlDownload', Params: { URL: 'file:///etc/passwd' } } } },
      `${P}.EntryModule.Source.Params.URL`,
      /http:\/\/ or https:\/\//,
    ],
    [
      'import modules',
      { EntryModule: MODULE, ImportModules: [MODULE] },
      `${P}.ImportModules`,
      /import modules are not supported/,
    ],
    ['an unknown key', { EntryModule: MODULE, Privileged: true }, `${P}.Privileged`, /unknown field/],
    [
      'a bad variable name',
      { EntryModule: MODULE, EnvironmentVariables: { '1X': 'y' } },
      `${P}.EnvironmentVariables["1X"]`,
      /invalid environment variable name/,
    ],
    [
      'a reserved variable',
      { EntryModule: MODULE, EnvironmentVariables: { SHOAL_X: 'y' } },
      `${P}.EnvironmentVariables.SHOAL_X`,
      /reserved prefix/,
    ],
    [
      'variables past the environment limit',
      { EntryModule: MODULE, EnvironmentVariables: { BIG: 'x'.repeat(70_000) } },
      'Job.Tasks[0].Env',
      /environment is \d+ bytes; the limit is/,
    ],
    ['a non-string parameter', { EntryModule: MODULE, Parameters: [1] }, `${P}.Parameters[0]`, /string/],
  ])('refuse %s', (_name, params, field, message) => {
    const found = problems(params);
    expect(found.map(([f]) => f)).toContain(field);
    expect(found.find(([f]) => f === field)?.[1]).toMatch(message);
  });
});
