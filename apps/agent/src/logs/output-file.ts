import { type FileHandle, open } from 'node:fs/promises';
import type { LogFrame, LogStreamType } from '@shoal/protocol';
import { LineSplitter } from './lines.js';
import { tailOffset } from './tail.js';

/**
 * One output file read as it grows: from a start offset (0, or where the last N lines begin),
 * in bounded reads, lines held back until their newline arrives. A file that does not exist yet
 * reads as empty, since an engine creates it only once the run starts writing.
 */
export class OutputFile {
  private handle: FileHandle | undefined;
  private offset: number | undefined;
  private readonly splitter: LineSplitter;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly type: LogStreamType,
    private readonly tail: number | null,
    maxLineBytes: number,
  ) {
    this.splitter = new LineSplitter(maxLineBytes);
  }

  /** Opens the file if it exists now; the tail is measured against what it holds at that moment. */
  private async ensureOpen(): Promise<FileHandle | undefined> {
    if (this.handle || this.closed) return this.handle;
    try {
      this.handle = await open(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const { size } = await this.handle.stat();
    this.offset = this.tail === null ? 0 : await tailOffset(this.handle, size, this.tail);
    return this.handle;
  }

  /** Whether the file exists (opening it if so). */
  async exists(): Promise<boolean> {
    return (await this.ensureOpen()) !== undefined;
  }

  /**
   * Frames for the complete lines among the next (at most) `maxBytes` bytes; `bytes` is how much
   * was read, 0 at the end of what is written so far.
   */
  async read(maxBytes: number): Promise<{ frames: LogFrame[]; bytes: number }> {
    const handle = await this.ensureOpen();
    if (!handle || this.offset === undefined || maxBytes <= 0) return { frames: [], bytes: 0 };
    const buffer = Buffer.alloc(maxBytes);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes, this.offset);
    this.offset += bytesRead;
    const lines = this.splitter.push(buffer.subarray(0, bytesRead));
    return { frames: lines.map((Line) => ({ Type: this.type, Line })), bytes: bytesRead };
  }

  /** The unfinished last line, once nothing more will be written. */
  flush(): LogFrame[] {
    const line = this.splitter.flush();
    return line === undefined ? [] : [{ Type: this.type, Line: line }];
  }

  async close(): Promise<void> {
    this.closed = true;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
  }
}
