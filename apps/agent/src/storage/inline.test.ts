import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeDataUri } from '@shoal/models';
import { makeTempDir, type TempDir } from '@shoal/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InlineProvider } from './inline.js';

let tmp: TempDir;
const signal = new AbortController().signal;
const source = (URL: string) => ({ Type: 'inline', Params: { URL } });

beforeAll(async () => {
  tmp = await makeTempDir('shoal-inline-');
});
afterAll(() => tmp?.cleanup());

describe('InlineProvider', () => {
  it('writes the decoded bytes to one read-only file, base64 or percent-encoded', async () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 13) % 256);
    const a = await new InlineProvider().stage(source(encodeDataUri(bytes)), join(tmp.path, 'a'), signal);
    expect(a).toEqual({ hostPath: join(tmp.path, 'a'), readOnly: true });
    expect((await readFile(a.hostPath)).equals(Buffer.from(bytes))).toBe(true);
    expect((await stat(a.hostPath)).isFile()).toBe(true);
    const b = await new InlineProvider().stage(source('data:,hello%20world%0A'), join(tmp.path, 'b'), signal);
    expect(await readFile(b.hostPath, 'utf8')).toBe('hello world\n');
  });

  it('refuses what is not a data: URI, naming the field', async () => {
    await expect(
      new InlineProvider().stage(source('http://x/y'), join(tmp.path, 'c'), signal),
    ).rejects.toThrow('invalid source: Params.URL: must be a data: URI');
  });
});
