import type { SpecConfig } from '@shoal/models';

/**
 * Input sources: how an agent turns a task's `InputSources` into paths on this machine before the
 * run starts. Each source type (`inline`, `urlDownload`, `localDirectory`, `s3`) is one
 * StorageProvider; the stager (staging.ts) runs them for every input of a task, and the engines
 * only ever see StagedInputs: a host path and the target it is mounted at, read-only.
 */

/** One input, ready: the engine mounts (docker) or preopens (wasm) `hostPath` at `target`. */
export interface StagedInput {
  /** A file or directory on this machine. */
  hostPath: string;
  /** The absolute path inside the task, from InputSource.Target. */
  target: string;
  /** Always true for fetched data; localDirectory may be read-write when its rule allows it. */
  readOnly: boolean;
}

export interface StorageProvider {
  /** The `InputSource.Source.Type` it serves. */
  readonly type: string;
  /**
   * At bid time, without I/O: why this node will not take the input (a local path outside what the
   * operator allows, say), or undefined. The reason lands in the job's history.
   */
  refuse?(source: SpecConfig): string | undefined;
  /**
   * Makes the source available under `dest`, a path that does not exist yet inside the execution's
   * own directory, and says where it is: `dest` for fetched data, the source's own path for a local
   * directory. Throws an Error whose message says what failed (`GET https://…: 404 Not Found`).
   * Stops promptly when `signal` aborts.
   */
  stage(source: SpecConfig, dest: string, signal: AbortSignal): Promise<StagedSource>;
  /**
   * True when `stage` always makes `dest` a directory and returns it, read-only: the mount is then
   * known before anything is fetched, and an engine can set up the run while the data arrives.
   */
  readonly stagesIntoDirectory?: boolean;
}

export interface StagedSource {
  hostPath: string;
  readOnly: boolean;
}

/** Stages one source with whichever provider serves its type: what engines use for their own inputs (a wasm EntryModule). */
export type StageSource = (source: SpecConfig, dest: string, signal: AbortSignal) => Promise<StagedSource>;
