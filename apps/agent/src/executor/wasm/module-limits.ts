/**
 * Bounds a module's linear memory before it is compiled. The binary's memory section is rewritten
 * so that every memory it defines declares a maximum of at most `maxPages`: the engine then refuses
 * `memory.grow` past it (the instruction returns -1), whatever the module asked for. A memory the
 * module imports is handed to it by the engine, created with the same bound. Also refused here, with
 * a reason a user can act on: a module whose initial memory is over the cap, shared or 64-bit
 * memories (not bounded this way), and imports other than WASI preview 1 and memories.
 */

export const WASM_PAGE_BYTES = 65_536;
/** A 32-bit memory has at most 65,536 pages (4 GiB). */
export const MAX_WASM_PAGES = 65_536;
export const WASI_MODULE = 'wasi_snapshot_preview1';

export interface ImportedMemory {
  module: string;
  name: string;
  initial: number;
  maximum: number;
}

export type LimitOutcome =
  | { ok: true; bytes: Uint8Array; importedMemories: ImportedMemory[] }
  | { ok: false; error: string };

/** Pages a reservation of `memoryBytes` allows (0: no reservation, the 4 GiB of a 32-bit memory). */
export function pagesFor(memoryBytes: number): number {
  if (memoryBytes <= 0) return MAX_WASM_PAGES;
  return Math.min(MAX_WASM_PAGES, Math.floor(memoryBytes / WASM_PAGE_BYTES));
}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at = 0,
  ) {}

  byte(): number {
    const value = this.bytes[this.at];
    if (value === undefined) throw new Error('unexpected end of the module');
    this.at++;
    return value;
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new Error('malformed LEB128 number');
    }
  }

  name(): string {
    const length = this.u32();
    const text = new TextDecoder().decode(this.bytes.subarray(this.at, this.at + length));
    this.at += length;
    return text;
  }
}

function leb(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let b = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) b |= 0x80;
    out.push(b);
  } while (rest > 0);
  return out;
}

interface Limits {
  min: number;
  max: number | undefined;
}

function readLimits(r: Reader): Limits {
  const flags = r.byte();
  if (flags & 0x02) throw new LimitError('shared memories are not supported by the wasm engine');
  if (flags & 0x04) throw new LimitError('64-bit memories are not supported by the wasm engine');
  if (flags > 0x01) throw new LimitError(`unknown memory limits flags 0x${flags.toString(16)}`);
  const min = r.u32();
  return { min, max: flags === 0x01 ? r.u32() : undefined };
}

class LimitError extends Error {}

function bounded(limits: Limits, maxPages: number, what: string): number {
  if (limits.min > maxPages) {
    throw new LimitError(
      `${what} starts at ${limits.min} pages (${limits.min * 64} KiB), more than the task's memory allows ` +
        `(${maxPages} pages of 64 KiB): raise Resources.Memory`,
    );
  }
  return Math.min(limits.max ?? maxPages, maxPages);
}

/** The module with every memory bounded to `maxPages`, or why it cannot run under that bound. */
export function limitModuleMemory(bytes: Uint8Array, maxPages: number): LimitOutcome {
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (bytes.length < 8 || header.some((b, i) => bytes[i] !== b)) {
    return { ok: false, error: 'not a WebAssembly module (binary format version 1)' };
  }
  try {
    const parts: Uint8Array[] = [bytes.subarray(0, 8)];
    const importedMemories: ImportedMemory[] = [];
    const r = new Reader(bytes, 8);
    while (r.at < bytes.length) {
      const start = r.at;
      const id = r.byte();
      const size = r.u32();
      const bodyStart = r.at;
      const end = bodyStart + size;
      if (end > bytes.length) throw new Error('a section runs past the end of the module');
      if (id === 2)
        importedMemories.push(...readImports(new Reader(bytes.subarray(bodyStart, end)), maxPages));
      if (id === 5) {
        const body = rewriteMemories(new Reader(bytes.subarray(bodyStart, end)), maxPages);
        parts.push(Uint8Array.from([5, ...leb(body.length), ...body]));
      } else {
        parts.push(bytes.subarray(start, end));
      }
      r.at = end;
    }
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return { ok: true, bytes: out, importedMemories };
  } catch (error) {
    const message = (error as Error).message;
    return { ok: false, error: error instanceof LimitError ? message : `malformed module: ${message}` };
  }
}

function rewriteMemories(r: Reader, maxPages: number): number[] {
  const count = r.u32();
  const body = leb(count);
  for (let i = 0; i < count; i++) {
    const limits = readLimits(r);
    const max = bounded(limits, maxPages, `memory ${i}`);
    // Flags 0x01: a minimum and a maximum follow.
    body.push(0x01, ...leb(limits.min), ...leb(max));
  }
  return body;
}

function readImports(r: Reader, maxPages: number): ImportedMemory[] {
  const memories: ImportedMemory[] = [];
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const module = r.name();
    const name = r.name();
    const kind = r.byte();
    if (kind === 2) {
      const limits = readLimits(r);
      const maximum = bounded(limits, maxPages, `the imported memory ${module}.${name}`);
      memories.push({ module, name, initial: limits.min, maximum });
      continue;
    }
    if (module !== WASI_MODULE) {
      throw new LimitError(
        `the module imports ${module}.${name}, which the wasm engine does not provide (only ${WASI_MODULE} and memories)`,
      );
    }
    if (kind === 0) r.u32();
    else if (kind === 1) {
      r.byte();
      readLimits(r);
    } else if (kind === 3) {
      r.byte();
      r.byte();
    } else throw new Error(`unknown import kind ${kind}`);
  }
  return memories;
}
