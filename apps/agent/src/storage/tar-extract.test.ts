import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeDataUri } from '@shoal/models';
import { makeTempDir, type TempDir } from '@shoal/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InlineProvider } from './inline.js';
import { extractTarGz } from './tar-extract.js';

let tmp: TempDir;
let n = 0;
const dest = () => join(tmp.path, `out${n++}`);

/** One ustar entry, built by hand so that a test can write what `tar` would refuse to. */
function entry(name: string, type: string, body = ''): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100);
  header.write('0000644\0', 100);
  header.write(`${Buffer.byteLength(body).toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write(type, 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  header.fill(' ', 148, 156);
  const sum = header.reduce((a, b) => a + b, 0);
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const data = Buffer.from(body);
  return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}
const archive = (...entries: Buffer[]) => gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));

beforeAll(async () => {
  tmp = await makeTempDir('shoal-tar-');
});
afterAll(() => tmp?.cleanup());

describe('extractTarGz', () => {
  it('unpacks what tar packs, long names included, in both of its formats', async () => {
    const src = join(tmp.path, 'src', 'dataset');
    const deep = join(src, 'a'.repeat(60), 'b'.repeat(60));
    await mkdir(deep, { recursive: true });
    await writeFile(join(src, 'top.txt'), 'top\n');
    await writeFile(join(deep, 'c'.repeat(40)), 'deep\n');
    for (const format of ['gnu', 'pax']) {
      const gz = execFileSync('tar', [
        `--format=${format}`,
        '-czf',
        '-',
        '-C',
        join(tmp.path, 'src'),
        'dataset',
      ]);
      const out = dest();
      expect(await extractTarGz(gz, out, 1024 * 1024)).toBe(2);
      expect(await readdir(out)).toEqual(['dataset']);
      expect(await readFile(join(out, 'dataset', 'top.txt'), 'utf8')).toBe('top\n');
      const inner = join(out, 'dataset', 'a'.repeat(60), 'b'.repeat(60), 'c'.repeat(40));
      expect(await readFile(inner, 'utf8')).toBe('deep\n');
    }
  });

  it('refuses links, names that climb out, and absolute names', async () => {
    await expect(extractTarGz(archive(entry('../evil', '0', 'x')), dest(), 1e6)).rejects.toThrow(
      'archive entry "../evil" would land outside its directory',
    );
    await expect(extractTarGz(archive(entry('/etc/evil', '0', 'x')), dest(), 1e6)).rejects.toThrow(
      'would land outside its directory',
    );
    await expect(extractTarGz(archive(entry('link', '2')), dest(), 1e6)).rejects.toThrow(
      'archive entry "link" is not a file or directory (type "2")',
    );
    const src = join(tmp.path, 'withlink');
    await mkdir(src);
    await symlink('/etc/passwd', join(src, 'passwd'));
    const gz = execFileSync('tar', ['-czf', '-', '-C', tmp.path, 'withlink']);
    await expect(extractTarGz(gz, dest(), 1e6)).rejects.toThrow('is not a file or directory');
  });

  it('caps the unpacked size and says when the data is not gzip', async () => {
    const bomb = archive(entry('zeros', '0', '\0'.repeat(2_000_000)));
    await expect(extractTarGz(bomb, dest(), 1_000_000)).rejects.toThrow('unpacks to more than 1000000 bytes');
    await expect(extractTarGz(Buffer.from('plain'), dest(), 1e6)).rejects.toThrow('not valid gzip');
  });

  it('is what an inline input of type application/gzip becomes: a directory at the target', async () => {
    const gz = archive(entry('dir/', '5'), entry('dir/f.txt', '0', 'inside\n'));
    const out = dest();
    const staged = await new InlineProvider().stage(
      { Type: 'inline', Params: { URL: encodeDataUri(gz, 'application/gzip') } },
      out,
      new AbortController().signal,
    );
    expect(staged).toEqual({ hostPath: out, readOnly: true });
    expect(await readFile(join(out, 'dir', 'f.txt'), 'utf8')).toBe('inside\n');
  });
});
