import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@shoal/testkit';
import { list } from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRunOutput } from '../testing/fixtures.js';
import { archivePath, LocalPublisher } from './local.js';
import { noopPublisher, publisherFor } from './publisher.js';

const runOutput = makeRunOutput();
const task = (names: string[]) =>
  ({
    Publisher: { Type: 'local', Params: {} },
    ResultPaths: names.map((Name) => ({ Name, Path: `/${Name}` })),
  }) as never;

async function entries(
  file: string,
): Promise<Map<string, { type: string; size: number; linkpath?: string }>> {
  const out = new Map<string, { type: string; size: number; linkpath?: string }>();
  await list({
    file,
    onReadEntry: (e) =>
      out.set(e.path, { type: e.type, size: e.size, ...(e.linkpath ? { linkpath: e.linkpath } : {}) }),
  });
  return out;
}

describe('local publisher', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function setup() {
    const tmp = await makeTempDir('shoal-publish-');
    cleanups.push(tmp.cleanup);
    const stateDir = join(tmp.path, 'agent');
    const dir = join(stateDir, 'executions', 'e-1');
    await mkdir(join(dir, 'results', 'outputs', 'deep'), { recursive: true });
    await writeFile(join(dir, 'stdout'), 'the full stdout, longer than the inline copy\n');
    await writeFile(join(dir, 'results', 'outputs', 'deep', 'answer.txt'), '42\n');
    // A task may leave a link to a host file: it is archived as a link, never followed.
    await symlink('/etc/passwd', join(dir, 'results', 'outputs', 'passwd'));
    return { stateDir, publisher: new LocalPublisher({ stateDir, baseUrl: 'http://agent:6001/' }) };
  }

  it('packs stdout, stderr, exitCode and each result path, and names its URL', async () => {
    const { stateDir, publisher } = await setup();
    const request = { executionId: 'e-1', jobId: 'j-1', task: task(['outputs', 'empty']), runOutput };
    const published = await publisher.publish(request);
    expect(published).toEqual({ Type: 'local', Params: { URL: 'http://agent:6001/results/e-1.tar.gz' } });

    const archive = await entries(archivePath(stateDir, 'e-1'));
    expect([...archive.keys()].sort()).toEqual(
      [
        'empty/',
        'exitCode',
        'outputs/',
        'outputs/deep/',
        'outputs/deep/answer.txt',
        'outputs/passwd',
        'stderr',
        'stdout',
      ].sort(),
    );
    // The engine's full file wins over the inline copy; without one, the RunOutput text is used.
    expect(archive.get('stdout')?.size).toBe('the full stdout, longer than the inline copy\n'.length);
    expect(archive.get('stderr')?.size).toBe('oops\n'.length);
    expect(archive.get('outputs/passwd')).toMatchObject({ type: 'SymbolicLink', linkpath: '/etc/passwd' });

    // Publishing again (a restart between the run and its report) yields the same archive.
    await publisher.publish(request);
    expect([...(await entries(archivePath(stateDir, 'e-1'))).keys()].sort()).toEqual(
      [...archive.keys()].sort(),
    );
  });

  it('refuses result names that would collide with its own files or leave the directory', async () => {
    const { publisher } = await setup();
    for (const name of ['stdout', '../x', '.hidden']) {
      await expect(
        publisher.publish({ executionId: 'e-1', jobId: 'j-1', task: task([name]), runOutput }),
      ).rejects.toThrow(/cannot be published/);
    }
  });

  it('noop publishes nothing, and a task without a publisher gets noop', async () => {
    const publishers = new Map([[noopPublisher.type, noopPublisher]]);
    const none = publisherFor(publishers, { Publisher: { Type: '', Params: null } });
    expect(none).toBe(noopPublisher);
    expect(await none?.publish({ executionId: 'e-1', jobId: 'j', task: task([]), runOutput })).toEqual({
      Type: '',
      Params: null,
    });
    expect(publisherFor(publishers, { Publisher: { Type: 'local', Params: null } })).toBeUndefined();
  });
});
