import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { makeTempDir, type TempDir } from '@shoal/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Demuxer, type OutputFiles } from './log-stream.js';
import { OutputFile } from './output-file.js';

/** Docker's frame: [stream, 0, 0, 0, size BE] + payload. */
function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('Demuxer', () => {
  let dir: TempDir;
  let files: OutputFiles;
  beforeEach(async () => {
    dir = await makeTempDir('shoal-demux-');
    files = {
      stdout: await OutputFile.open(join(dir.path, 'stdout'), 'stdout', 1_000, true),
      stderr: await OutputFile.open(join(dir.path, 'stderr'), 'stderr', 1_000, true),
    };
    files.stdout.beginReplay();
    files.stderr.beginReplay();
  });
  afterEach(async () => {
    await files.stdout.close();
    await files.stderr.close();
    await dir.cleanup();
  });

  it('splits the streams whatever the chunk boundaries, headers included', async () => {
    const bytes = Buffer.concat([
      frame(1, 'out one\n'),
      frame(2, 'err one\n'),
      frame(1, ''),
      frame(1, 'out two\n'),
      frame(2, 'err two\n'),
    ]);
    // Every possible cut size, down to one byte per chunk.
    for (const size of [1, 3, 7, 8, 9, bytes.length]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      files.stdout.beginReplay();
      files.stderr.beginReplay();
      await pipeline(Readable.from(chunks), new Demuxer(files));
    }
    // Each pass was a replay of the same log: the files hold it once.
    expect(await readFile(join(dir.path, 'stdout'), 'utf8')).toBe('out one\nout two\n');
    expect(await readFile(join(dir.path, 'stderr'), 'utf8')).toBe('err one\nerr two\n');
  });
});
