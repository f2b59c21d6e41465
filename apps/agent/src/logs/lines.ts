/**
 * Bytes → lines as Bacalhau frames them: each line keeps its `\n`, and the last line of an output
 * that does not end with one gets one when the stream is flushed. A line longer than `maxLineBytes`
 * is cut into pieces (at a character boundary) so one endless line cannot hold the whole output
 * in memory; the pieces carry no newline, so printing frames back to back restores the line.
 */

const NEWLINE = 0x0a;

/** The largest prefix of `bytes` up to `max` bytes that does not end inside a UTF-8 character. */
function utf8Cut(bytes: Buffer, max: number): number {
  if (bytes.length <= max) return bytes.length;
  let end = max;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  // A "character" longer than max (only possible with a tiny max) is cut where it is.
  return end === 0 ? max : end;
}

export class LineSplitter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly maxLineBytes: number) {
    if (maxLineBytes < 4) throw new RangeError('maxLineBytes must be at least 4 (one UTF-8 character)');
  }

  /** Bytes held back: the start of a line whose end has not been read yet. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Complete lines in `chunk` (with what was pending before it). */
  push(chunk: Buffer): string[] {
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const lines: string[] = [];
    for (;;) {
      const newline = data.indexOf(NEWLINE);
      if (newline !== -1 && newline + 1 <= this.maxLineBytes) {
        lines.push(data.subarray(0, newline + 1).toString('utf8'));
        data = data.subarray(newline + 1);
        continue;
      }
      if (newline === -1 && data.length <= this.maxLineBytes) break;
      // Too long to be one frame: send a piece now, keep the rest.
      const cut = utf8Cut(data, this.maxLineBytes);
      lines.push(data.subarray(0, cut).toString('utf8'));
      data = data.subarray(cut);
    }
    // A copy, so the caller's read buffer can be reused.
    this.pending = Buffer.from(data);
    return lines;
  }

  /** The unfinished last line, newline added, or undefined when there is none. */
  flush(): string | undefined {
    if (this.pending.length === 0) return undefined;
    const line = `${this.pending.toString('utf8')}\n`;
    this.pending = Buffer.alloc(0);
    return line;
  }
}

/** Splits a whole text (a RunOutput stream) the same way. */
export function splitText(text: string, maxLineBytes: number): string[] {
  const splitter = new LineSplitter(maxLineBytes);
  const lines = splitter.push(Buffer.from(text, 'utf8'));
  const last = splitter.flush();
  return last === undefined ? lines : [...lines, last];
}
