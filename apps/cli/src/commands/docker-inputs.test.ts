import { decodeJson } from '@shoal/models';
import { getFreePort } from '@shoal/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { runShoal } from '../testing/test-cluster.js';

/** `shoal docker run -i`: the InputSources it builds (through --dry-run) and the flag's errors. */

describe('shoal docker run -i/--input', () => {
  const offline = { env: { SHOAL_API: '' } };
  beforeAll(async () => {
    offline.env.SHOAL_API = `http://127.0.0.1:${await getFreePort()}`;
  });

  it('puts each input on the task, in order, checked by the server’s rules', async () => {
    const run = await runShoal(
      undefined,
      [
        'docker',
        'run',
        '--dry-run',
        '-o',
        'json',
        '-i',
        'https://example.com/data.csv',
        '--input',
        'file:///data/set:/data',
        '-i',
        'data:,hello,dst=/inputs/hello.txt',
        'busybox',
        '--',
        'ls',
      ],
      offline,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const job = decodeJson(run.stdout) as { Tasks: Array<{ InputSources: unknown[] }> };
    expect(job.Tasks[0]?.InputSources).toEqual([
      {
        Source: { Type: 'urlDownload', Params: { URL: 'https://example.com/data.csv' } },
        Alias: '',
        Target: '/inputs',
      },
      {
        Source: { Type: 'localDirectory', Params: { SourcePath: '/data/set', ReadWrite: false } },
        Alias: '',
        Target: '/data',
      },
      { Source: { Type: 'inline', Params: { URL: 'data:,hello' } }, Alias: '', Target: '/inputs/hello.txt' },
    ]);
  });

  it.each([
    [
      ['-i', 'ftp://example.com/x'],
      /option '-i, --input <source>' argument 'ftp:\/\/example.com\/x' is invalid\. unsupported source/,
    ],
    [
      ['-i', 'https://x/y,dst=in'],
      /--input <source>' argument .* is invalid\. the target "in" must be an absolute path/,
    ],
    [['-i', 'file:///etc:/x'], /InputSources\[0\]\.Source\.Params\.SourcePath: \/etc can never be mounted/],
  ])('refuses %j with exit code 2, naming the flag or the field', async (args, message) => {
    const run = await runShoal(undefined, ['docker', 'run', '--dry-run', ...args, 'busybox'], offline);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatch(message);
  });
});
