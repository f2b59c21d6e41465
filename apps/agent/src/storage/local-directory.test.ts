import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@shoal/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRules, LocalDirectoryProvider } from './local-directory.js';

let tmp: TempDir;
let data: string;
let scratch: string;
const signal = new AbortController().signal;
const source = (SourcePath: string, ReadWrite?: boolean) => ({
  Type: 'localDirectory',
  Params: { SourcePath, ...(ReadWrite === undefined ? {} : { ReadWrite }) },
});

beforeAll(async () => {
  tmp = await makeTempDir('shoal-local-');
  data = join(tmp.path, 'data');
  scratch = join(tmp.path, 'scratch');
  await mkdir(join(data, 'set'), { recursive: true });
  await mkdir(scratch);
  await mkdir(join(tmp.path, 'secret'));
  await writeFile(join(data, 'set', 'a.csv'), 'x');
  await symlink(join(tmp.path, 'secret'), join(data, 'escape'));
});

afterAll(() => tmp?.cleanup());

describe('LocalDirectoryProvider', () => {
  const provider = () =>
    new LocalDirectoryProvider([
      { path: data, readWrite: false },
      { path: scratch, readWrite: true },
    ]);

  it('refuses at bid time any path outside the rules, naming them', () => {
    expect(provider().refuse(source('/srv'))).toBe(
      `local path /srv is not allowed on this node (allowed: ${data}:ro, ${scratch}:rw)`,
    );
    expect(new LocalDirectoryProvider([]).refuse(source('/data'))).toBe(
      'local path /data is not allowed on this node (allowed: none; see --allow-local-path)',
    );
    expect(provider().refuse(source(`${data}/set`))).toBeUndefined();
  });

  it('refuses read-write on a read-only rule, and system paths whatever the rules say', () => {
    expect(provider().refuse(source(`${data}/set`, true))).toContain('is allowed read-only on this node');
    const everything = new LocalDirectoryProvider([{ path: '/', readWrite: true }]);
    expect(everything.refuse(source('/proc/1'))).toContain('can never be mounted');
    expect(everything.refuse(source('/var/run'))).toContain('can never be mounted');
    expect(everything.refuse(source('/x:y'))).toContain('contains ":"');
    expect(provider().refuse(source('relative'))).toBe(
      'invalid source: Params.SourcePath: must be an absolute path',
    );
  });

  it('mounts the directory where it is, read-write only when rule and input both say so', async () => {
    await expect(provider().stage(source(`${data}/set`), '/unused', signal)).resolves.toEqual({
      hostPath: join(data, 'set'),
      readOnly: true,
    });
    await expect(provider().stage(source(scratch), '/unused', signal)).resolves.toEqual({
      hostPath: scratch,
      readOnly: true,
    });
    await expect(provider().stage(source(scratch, true), '/unused', signal)).resolves.toEqual({
      hostPath: scratch,
      readOnly: false,
    });
  });

  it('checks the real path: a symlink out of an allowed tree is refused', async () => {
    await expect(provider().stage(source(`${data}/escape`), '/unused', signal)).rejects.toThrow(
      `${data}/escape resolves to ${tmp.path}/secret: local path ${tmp.path}/secret is not allowed on this node`,
    );
  });

  it('says when the path does not exist', async () => {
    await expect(provider().stage(source(`${data}/missing`), '/unused', signal)).rejects.toThrow(
      `local path ${data}/missing does not exist`,
    );
  });

  it('describes rules in the flag syntax', () => {
    expect(describeRules([{ path: '/data', readWrite: false }])).toBe('/data:ro');
  });
});
