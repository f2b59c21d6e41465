import { writeFile } from 'node:fs/promises';
import { decodeDataUri, InlineParamsSchema, type SpecConfig, StorageSourceType } from '@shoal/models';
import { parseParams } from './params.js';
import type { StagedSource, StorageProvider } from './storage.js';
import { extractTarGz } from './tar-extract.js';

/**
 * `inline`: the data travels in the job spec as a `data:` URI (so the spec's size limit bounds it),
 * and lands as one file mounted at the input's Target, as Bacalhau mounts it. A gzipped tar
 * (`application/gzip`, how Bacalhau's client sends a directory) is unpacked into a directory instead.
 */

export const GZIP_MEDIA_TYPE = 'application/gzip';
/** What an inline archive may unpack to: the spec holds at most 768 KiB of it, compressed. */
export const MAX_INLINE_UNPACKED_BYTES = 64 * 1024 * 1024;

export class InlineProvider implements StorageProvider {
  readonly type = StorageSourceType.Inline;

  constructor(private readonly o: { maxUnpackedBytes?: number } = {}) {}

  async stage(source: SpecConfig, dest: string, signal: AbortSignal): Promise<StagedSource> {
    const { URL } = parseParams(InlineParamsSchema, source.Params);
    const decoded = decodeDataUri(URL);
    if (!decoded.ok) throw new Error(decoded.error);
    const { mediaType, bytes } = decoded.value;
    if (mediaType.split(';')[0]?.trim().toLowerCase() === GZIP_MEDIA_TYPE) {
      await extractTarGz(bytes, dest, this.o.maxUnpackedBytes ?? MAX_INLINE_UNPACKED_BYTES);
    } else {
      await writeFile(dest, bytes, { signal, mode: 0o644 });
    }
    return { hostPath: dest, readOnly: true };
  }
}
