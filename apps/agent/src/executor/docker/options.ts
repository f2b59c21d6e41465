import type Docker from 'dockerode';
import type { Logger } from '../../logger.js';
import { DEFAULT_MAX_INLINE_OUTPUT_BYTES } from '../output.js';

/** What a DockerExecutor needs, and the knobs an operator may turn (config.ts exposes them). */
export interface DockerExecutorOptions {
  /** dockerode client; `new Docker()` reads DOCKER_HOST. Calls are bounded per call, not here. */
  docker: Docker;
  /** Containers are labelled with it, and only this node's containers are adopted or swept. */
  nodeId: string;
  /** The agent's state directory; each execution writes under `<stateDir>/executions/<id>`. */
  stateDir: string;
  logger: Logger;
  /** Host and Full networking are refused unless the operator allows them. Default false. */
  allowNetworkedJobs?: boolean;
  /** Bytes of stdout and of stderr kept in RunOutput. Default 64 KiB. */
  maxInlineOutputBytes?: number;
  /** Cap of each `<executionDir>/stdout|stderr` file. Default 100 MiB. */
  maxOutputFileBytes?: number;
  /** PidsLimit of every container, so a fork bomb cannot exhaust the host. Default 1024. */
  pidsLimit?: number;
  /** SIGTERM → SIGKILL grace when a task reaches its timeout, as `docker stop -t`. Default 2 s. */
  timeoutGraceMs?: number;
  /** Bound of every ordinary Docker call (inspect, create, start, kill, remove, list). Default 15 s. */
  callTimeoutMs?: number;
  /**
   * Bound of a run's preparation (image pull included), before its container starts and its
   * execution timeout begins. Default 10 min.
   */
  prepareTimeoutMs?: number;
  /** Health probe (ping) period; the ping itself is bounded by callTimeoutMs. Default 10 s. */
  healthIntervalMs?: number;
  /** Period of the orphan sweep once recover() ran. Default 60 s. */
  sweepIntervalMs?: number;
  /** How long a run waits for a daemon that went away mid-run before failing it. Default 60 s. */
  daemonLostTimeoutMs?: number;
}

export type ResolvedDockerOptions = Required<DockerExecutorOptions>;

export const DOCKER_DEFAULTS = {
  allowNetworkedJobs: false,
  maxInlineOutputBytes: DEFAULT_MAX_INLINE_OUTPUT_BYTES,
  maxOutputFileBytes: 100 * 1024 * 1024,
  pidsLimit: 1024,
  timeoutGraceMs: 2_000,
  callTimeoutMs: 15_000,
  prepareTimeoutMs: 600_000,
  healthIntervalMs: 10_000,
  sweepIntervalMs: 60_000,
  daemonLostTimeoutMs: 60_000,
} as const;

export function resolveDockerOptions(options: DockerExecutorOptions): ResolvedDockerOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const resolved = { ...DOCKER_DEFAULTS, ...defined } as ResolvedDockerOptions;
  // The inline head is read back from the output file, so it can never be longer than the file.
  resolved.maxInlineOutputBytes = Math.min(resolved.maxInlineOutputBytes, resolved.maxOutputFileBytes);
  return resolved;
}
