import { writeFile } from 'node:fs/promises';
import { decodeDataUri, InlineParamsSchema, type SpecConfig, StorageSourceType } from '@shoal/models';
import { parseParams } from './params.js';
import type { StagedSource, StorageProvider } from './storage.js';

/**
 * `inline`: the data travels in the job spec as a `data:` URI (so the spec's size limit bounds it),
 * and lands as one file mounted at the input's Target, as Bacalhau mounts it.
 */
export class InlineProvider implements StorageProvider {
  readonly type = StorageSourceType.Inline;

  async stage(source: SpecConfig, dest: string, signal: AbortSignal): Promise<StagedSource> {
    const { URL } = parseParams(InlineParamsSchema, source.Params);
    const decoded = decodeDataUri(URL);
    if (!decoded.ok) throw new Error(decoded.error);
    await writeFile(dest, decoded.value.bytes, { signal, mode: 0o644 });
    return { hostPath: dest, readOnly: true };
  }
}
