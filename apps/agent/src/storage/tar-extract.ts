import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * Unpacks a gzipped tar archive held in memory (an `inline` input sent as `application/gzip`, as
 * Bacalhau's client sends a directory) into `dest`. Only directories and regular files are made:
 * links, devices and anything else are refused, as are names that are absolute or climb with `..`,
 * so nothing can land or point outside `dest`. The unpacked size is capped.
 */

const BLOCK = 512;

export async function extractTarGz(gz: Uint8Array, dest: string, maxBytes: number): Promise<number> {
  let tar: Buffer;
  try {
    tar = gunzipSync(gz, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new Error(`the archive unpacks to more than ${maxBytes} bytes`);
    throw new Error(`the archive is not valid gzip: ${(error as Error).message}`);
  }
  await mkdir(dest, { recursive: true });
  let files = 0;
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156] ?? 0);
    const body = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    if (body.length < size) throw new Error('the archive is truncated');
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      longName = paxPath(body) ?? longName;
      continue;
    }
    if (type === 'L') {
      longName = text(body);
      continue;
    }
    if (type === 'g') continue;
    const prefix = text(header.subarray(345, 500));
    const raw =
      longName ?? (prefix ? `${prefix}/${text(header.subarray(0, 100))}` : text(header.subarray(0, 100)));
    longName = undefined;
    const name = safeName(raw);
    if (type === '5') {
      if (name) await mkdir(join(dest, name), { recursive: true });
    } else if (type === '0' || type === '\0' || type === '7') {
      if (!name) throw new Error(`archive entry ${JSON.stringify(raw)} has no name`);
      await mkdir(join(dest, name, '..'), { recursive: true });
      await writeFile(join(dest, name), body, { mode: 0o644 });
      files++;
    } else {
      throw new Error(
        `archive entry ${JSON.stringify(raw)} is not a file or directory (type ${JSON.stringify(type)})`,
      );
    }
  }
  return files;
}

/** A relative path without `.` or `..` segments, or '' for the archive's root; throws otherwise. */
function safeName(raw: string): string {
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (raw.startsWith('/') || parts.includes('..') || raw.includes('\0'))
    throw new Error(`archive entry ${JSON.stringify(raw)} would land outside its directory`);
  return parts.join('/');
}

function text(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return Buffer.from(end < 0 ? bytes : bytes.subarray(0, end)).toString('utf8');
}

function octal(bytes: Uint8Array): number {
  const digits = text(bytes).trim();
  const n = digits === '' ? 0 : Number.parseInt(digits, 8);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error('the archive has a malformed header');
  return n;
}

/** `path=` of a PAX extended header (records `<len> <key>=<value>\n`). */
function paxPath(body: Uint8Array): string | undefined {
  for (const record of Buffer.from(body).toString('utf8').split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(record);
    if (match) return match[1];
  }
  return undefined;
}
