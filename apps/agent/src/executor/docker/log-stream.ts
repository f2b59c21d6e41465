import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { asCallError } from './calls.js';
import { type OutputFile, OutputWriteError } from './output-file.js';

/**
 * A container's output, from Docker into its two OutputFiles. A new run ATTACHES before start:
 * the bytes come straight from the container's stdio, every one of them, and a slow reader slows
 * the writer instead of losing data. A re-read (adoption, a broken attach) follows the LOG from its
 * first byte (`logs?follow=1`), which ends by itself when the container stops and returns what
 * there is on a stopped one; the files skip what they already hold. Streamed with backpressure:
 * memory stays flat whatever the output's size.
 */

export interface OutputFiles {
  stdout: OutputFile;
  stderr: OutputFile;
}

type Open = (abortSignal: AbortSignal) => Promise<NodeJS.ReadableStream>;

/** An open output stream, and how to stop it. */
export interface OutputStream {
  stream: NodeJS.ReadableStream;
  signal: AbortSignal;
}

/** Opens a stream; only the answer is bounded, the body flows for as long as the container runs. */
async function openStream(call: string, open: Open, o: { callTimeoutMs: number; signal: AbortSignal }) {
  const controller = new AbortController();
  const stop = () => controller.abort(o.signal.reason);
  if (o.signal.aborted) stop();
  o.signal.addEventListener('abort', stop, { once: true });
  const timer = setTimeout(() => controller.abort(new Error('timeout')), o.callTimeoutMs);
  try {
    return { stream: await open(controller.signal), signal: controller.signal };
  } catch (error) {
    o.signal.removeEventListener('abort', stop);
    throw asCallError(call, o.callTimeoutMs, error, controller.signal.aborted && !o.signal.aborted);
  } finally {
    clearTimeout(timer);
  }
}

/** Attaches to stdout and stderr of a container that has not started yet. */
export function attachOutput(
  container: Docker.Container,
  o: { callTimeoutMs: number; signal: AbortSignal },
): Promise<OutputStream> {
  const open: Open = async (abortSignal) =>
    (await container.attach({
      stream: true,
      stdout: true,
      stderr: true,
      abortSignal,
    })) as NodeJS.ReadableStream;
  return openStream('attach', open, o);
}

/** The container's log from its first byte, following it until the container stops. */
export function followLogs(
  container: Docker.Container,
  o: { callTimeoutMs: number; signal: AbortSignal },
): Promise<OutputStream> {
  const open: Open = async (abortSignal) =>
    (await container.logs({
      follow: true,
      stdout: true,
      stderr: true,
      abortSignal,
    })) as NodeJS.ReadableStream;
  return openStream('logs', open, o);
}

/** Copies a stream, from the container's first byte, into the files; resolves at its end. */
export async function drain(output: OutputStream, files: OutputFiles): Promise<void> {
  files.stdout.beginReplay();
  files.stderr.beginReplay();
  try {
    await pipeline(output.stream, new Demuxer(files), { signal: output.signal });
  } catch (error) {
    if (error instanceof OutputWriteError) throw error;
    throw asCallError('output stream', 0, error, false);
  }
}

/**
 * Docker's multiplexed (non-TTY) format: frames of [stream, 0, 0, 0, size (uint32 BE)] + payload,
 * stream 1 = stdout, 2 = stderr. Frames and headers may straddle chunks. A chunk's payloads are
 * gathered per stream and written once, so a flood of tiny lines does not become tiny writes.
 */
export class Demuxer extends Writable {
  private header = Buffer.alloc(0);
  private remaining = 0;
  private target: 'stdout' | 'stderr' = 'stdout';

  constructor(private readonly files: OutputFiles) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.consume(chunk).then(() => done(), done);
  }

  private async consume(chunk: Buffer): Promise<void> {
    const parts: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining === 0) {
        const need = 8 - this.header.length;
        this.header = Buffer.concat([this.header, chunk.subarray(at, at + need)]);
        at += Math.min(need, chunk.length - at);
        if (this.header.length < 8) break;
        this.target = this.header[0] === 2 ? 'stderr' : 'stdout';
        this.remaining = this.header.readUInt32BE(4);
        this.header = Buffer.alloc(0);
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - at);
      parts[this.target].push(chunk.subarray(at, at + take));
      this.remaining -= take;
      at += take;
    }
    if (parts.stdout.length > 0) await this.files.stdout.offer(Buffer.concat(parts.stdout));
    if (parts.stderr.length > 0) await this.files.stderr.offer(Buffer.concat(parts.stderr));
  }
}
