import { type FileHandle, open } from 'node:fs/promises';
import { formatBytes } from '@shoal/models';

/**
 * One captured stream (stdout or stderr) as an append-only file `<executionDir>/<stream>`, capped:
 * past the cap the rest is counted but not kept, after one marker line. The file's length is the
 * checkpoint: a restarted agent re-reads Docker's log from the start and skips what the file
 * already holds, so nothing is written twice and nothing needs saving elsewhere.
 */
export class OutputFile {
  /** Stream bytes accounted for (written or, past the cap, counted), over every replay. */
  private seen: number;
  /** Bytes of the stream in the file (at most the cap; the marker is not counted). */
  private kept: number;
  private capped: boolean;
  /** Position in the current replay of Docker's log, from 0. */
  private replayed = 0;

  private constructor(
    readonly name: string,
    private readonly handle: FileHandle,
    private readonly cap: number,
    existing: number,
  ) {
    this.kept = Math.min(existing, cap);
    this.seen = this.kept;
    this.capped = existing > cap;
  }

  /** Opens for appending; `fresh` empties it first (a new run), otherwise it resumes (adoption). */
  static async open(path: string, name: string, cap: number, fresh: boolean): Promise<OutputFile> {
    // Appending, and readable for head(); writes go to the end whatever the read position.
    const handle = await open(path, 'a+');
    let { size } = await handle.stat();
    if (fresh && size > 0) {
      await handle.truncate(0);
      size = 0;
    }
    return new OutputFile(name, handle, cap, size);
  }

  /** The stream's length so far (a lower bound while a replay has not passed the old checkpoint). */
  get total(): number {
    return this.seen;
  }

  /** A new read of Docker's log starts: its first bytes are those the file already has. */
  beginReplay(): void {
    this.replayed = 0;
  }

  /** The next bytes of the stream in the current replay; bytes already accounted for are skipped. */
  async offer(chunk: Buffer): Promise<void> {
    const start = this.replayed;
    this.replayed += chunk.length;
    if (this.replayed <= this.seen) return;
    const fresh = start >= this.seen ? chunk : chunk.subarray(this.seen - start);
    this.seen += fresh.length;
    if (this.capped) return;
    const room = this.cap - this.kept;
    const keep = fresh.length <= room ? fresh : fresh.subarray(0, room);
    if (keep.length > 0) {
      await this.write(keep);
      this.kept += keep.length;
    }
    if (fresh.length > room) {
      this.capped = true;
      await this.write(
        Buffer.from(`\n[shoal: ${this.name} truncated at ${formatBytes(this.cap)}; the rest was not kept]\n`),
      );
    }
  }

  /** All of it (a short write only happens near a full disk), or an OutputWriteError. */
  private async write(bytes: Buffer): Promise<void> {
    try {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await this.handle.write(bytes, done);
        done += bytesWritten;
      }
    } catch (error) {
      throw new OutputWriteError(this.name, error);
    }
  }

  /** The first `max` bytes as text, cut before a partial UTF-8 character, and whether more exist. */
  async head(max: number): Promise<{ text: string; truncated: boolean }> {
    const length = Math.min(this.kept, max);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, 0);
    let end = bytesRead;
    if (this.seen > end) {
      // Back off over continuation bytes (10xxxxxx) and the lead byte of a character cut short.
      let i = end;
      while (i > 0 && ((buffer[i - 1] ?? 0) & 0xc0) === 0x80) i--;
      if (i > 0 && ((buffer[i - 1] ?? 0) & 0xc0) === 0xc0 && !complete(buffer, i - 1, end)) end = i - 1;
    }
    return { text: buffer.subarray(0, end).toString('utf8'), truncated: this.seen > end };
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The agent could not keep the output (disk full): the run fails, it is not retried here. */
export class OutputWriteError extends Error {
  override name = 'OutputWriteError';
  constructor(stream: string, cause: unknown) {
    super(`cannot write the ${stream} file: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

/** Whether the UTF-8 character starting at `lead` ends by `end`. */
function complete(buffer: Buffer, lead: number, end: number): boolean {
  const byte = buffer[lead] ?? 0;
  const size = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
  return lead + size <= end;
}
