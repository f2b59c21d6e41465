import { readFile, writeFile } from 'node:fs/promises';
import type { SpecConfig } from '@shoal/models';
import wabt from 'wabt';
import type { StagedInput, StagedSource, StageSource } from '../../storage/storage.js';
import { makeTask } from '../../testing/fixtures.js';
import type { RunSpec } from '../executor.js';

/**
 * Test helpers of the wasm engine: the modules under testdata/ built from their text form with
 * wabt (nothing binary is checked in), and the inline input source they are sent as.
 */

let toolkit: ReturnType<typeof wabt> | undefined;

/** testdata/<name>.wat as a binary module. */
export async function watModule(name: string): Promise<Uint8Array> {
  const text = await readFile(new URL(`./testdata/${name}.wat`, import.meta.url), 'utf8');
  return compileWat(text, `${name}.wat`);
}

export async function compileWat(text: string, file = 'module.wat'): Promise<Uint8Array> {
  toolkit ??= wabt();
  const parsed = (await toolkit).parseWat(file, text);
  try {
    parsed.validate();
    return parsed.toBinary({}).buffer;
  } finally {
    parsed.destroy();
  }
}

/** An EntryModule carrying `bytes` inline, as `shoal wasm run` sends a local file. */
export function inlineModule(bytes: Uint8Array, alias = 'main.wasm') {
  return {
    Source: {
      Type: 'inline',
      Params: { URL: `data:application/wasm;base64,${Buffer.from(bytes).toString('base64')}` },
    },
    Alias: alias,
  };
}

/** Stages `inline` sources only: enough for the engine's own tests. */
export const inlineStageSource: StageSource = async (
  source: SpecConfig,
  dest: string,
): Promise<StagedSource> => {
  const url = String(source.Params?.URL ?? '');
  const comma = url.indexOf(',');
  if (source.Type !== 'inline' || !url.startsWith('data:') || comma < 0) {
    throw new Error(`the test stager serves inline data: URIs only, not ${source.Type}`);
  }
  await writeFile(dest, Buffer.from(url.slice(comma + 1), 'base64'));
  return { hostPath: dest, readOnly: true };
};

export interface WasmRunOptions {
  params?: Record<string, unknown>;
  task?: Parameters<typeof makeTask>[0];
  /** The reservation that bounds the module's memory. Default 64 MiB. */
  memoryBytes?: number;
  inputs?: StagedInput[];
  signal?: AbortSignal;
}

let runs = 0;

/** A RunSpec running testdata/<module>.wat, inline, as a new execution each time. */
export async function wasmRunSpec(module: string, o: WasmRunOptions = {}): Promise<RunSpec> {
  runs++;
  return {
    executionId: `e-${runs}`,
    jobId: 'j-1',
    task: makeTask({
      Engine: { Type: 'wasm', Params: { EntryModule: inlineModule(await watModule(module)), ...o.params } },
      ...o.task,
    }),
    resources: { cpuMillis: 500, memoryBytes: o.memoryBytes ?? 64 * 1024 * 1024, diskBytes: 0, gpu: 0 },
    inputs: o.inputs ?? [],
    signal: o.signal ?? new AbortController().signal,
    onProgress: () => {},
  };
}
