import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@shoal/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutputFile } from './output-file.js';

describe('OutputFile', () => {
  let dir: TempDir;
  let path: string;
  beforeEach(async () => {
    dir = await makeTempDir('shoal-output-');
    path = join(dir.path, 'stdout');
  });
  afterEach(() => dir.cleanup());

  async function fill(cap: number, chunks: string[], fresh = true): Promise<OutputFile> {
    const file = await OutputFile.open(path, 'stdout', cap, fresh);
    file.beginReplay();
    for (const chunk of chunks) await file.offer(Buffer.from(chunk));
    return file;
  }

  it('keeps up to the cap, then one marker line, and counts the rest', async () => {
    const file = await fill(10, ['hello ', 'world, ', 'and more']);
    expect(file.total).toBe(21);
    expect(await readFile(path, 'utf8')).toBe(
      'hello worl\n[shoal: stdout truncated at 10 B; the rest was not kept]\n',
    );
    expect(await file.head(5)).toEqual({ text: 'hello', truncated: true });
    expect(await file.head(100)).toEqual({ text: 'hello worl', truncated: true });
    await file.close();
  });

  it('empties the file for a fresh run', async () => {
    await writeFile(path, 'left over');
    const file = await fill(100, ['new']);
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await file.head(100)).toEqual({ text: 'new', truncated: false });
    await file.close();
  });

  it('resumes after a restart: a replay from the start writes only what is new', async () => {
    await (await fill(100, ['one\n', 'tw'])).close();
    const resumed = await fill(100, ['one\ntwo\n', 'three\n'], false);
    expect(await readFile(path, 'utf8')).toBe('one\ntwo\nthree\n');
    expect(resumed.total).toBe(14);
    // A second replay (the log stream broke and was re-opened) adds nothing twice either.
    resumed.beginReplay();
    for (const chunk of ['one\ntwo\nthree\n', 'four\n']) await resumed.offer(Buffer.from(chunk));
    expect(await readFile(path, 'utf8')).toBe('one\ntwo\nthree\nfour\n');
    await resumed.close();
  });

  it('resumes a capped file without a second marker, still counting', async () => {
    await (await fill(4, ['abcdef'])).close();
    const before = await readFile(path, 'utf8');
    const resumed = await fill(4, ['abcdefgh'], false);
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(resumed.total).toBe(8);
    expect(await resumed.head(4)).toEqual({ text: 'abcd', truncated: true });
    await resumed.close();
  });

  it('never cuts a UTF-8 character in the inline head', async () => {
    const file = await fill(100, ['aé€😀b']);
    // a(1) é(2) €(3) 😀(4) b(1): 4 bytes end inside €, 7 inside 😀.
    expect(await file.head(4)).toEqual({ text: 'aé', truncated: true });
    expect(await file.head(7)).toEqual({ text: 'aé€', truncated: true });
    expect(await file.head(10)).toEqual({ text: 'aé€😀', truncated: true });
    expect(await file.head(11)).toEqual({ text: 'aé€😀b', truncated: false });
    await file.close();
  });
});
