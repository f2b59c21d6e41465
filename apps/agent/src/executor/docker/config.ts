import { parseBytes, parseDurationMs, ResourceParseError } from '@shoal/models';
import { z } from 'zod';
import { DOCKER_DEFAULTS } from './options.js';

/**
 * The agent settings of the docker engine (and of output capture and a run's phases, which any
 * engine that has them shares), spread into AgentConfigSchema. Sizes take `64KiB`, `100MB` or a
 * number of bytes; durations a Go duration (`10s`) or a number of milliseconds. Defaults live in
 * options.ts, once.
 */

/** A size flag (`64KiB`, `100MB`, bytes) within [min, max]; shared by the other agent settings. */
export const size = (min: number, max: number) =>
  z.union([z.string(), z.number()]).transform((value, ctx): number => {
    let bytes: number;
    try {
      bytes = typeof value === 'number' ? value : parseBytes(value);
    } catch (error) {
      const reason = error instanceof ResourceParseError ? error.reason : (error as Error).message;
      ctx.addIssue({ code: 'custom', message: `invalid size ${JSON.stringify(value)}: ${reason}` });
      return z.NEVER;
    }
    if (!Number.isSafeInteger(bytes) || bytes < min || bytes > max) {
      ctx.addIssue({ code: 'custom', message: `must be a size from ${min} to ${max} bytes, e.g. 64KiB` });
      return z.NEVER;
    }
    return bytes;
  });

/** A duration flag (`10s`, milliseconds) within [minMs, maxMs]. */
export const duration = (minMs: number, maxMs: number) =>
  z.union([z.string(), z.number()]).transform((value, ctx): number => {
    let ms: number;
    try {
      ms = typeof value === 'number' ? value : parseDurationMs(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
    if (!(ms >= minMs && ms <= maxMs)) {
      ctx.addIssue({ code: 'custom', message: `must be from ${minMs} ms to ${maxMs / 1000} s` });
      return z.NEVER;
    }
    return ms;
  });

export const DOCKER_CONFIG_FIELDS = {
  /** Host and Full networking for tasks that ask for it; off by default (NetworkMode none). */
  allowNetworkedJobs: z.boolean().default(DOCKER_DEFAULTS.allowNetworkedJobs),
  /** Bytes of stdout and of stderr carried in RunOutput (every engine). */
  maxInlineOutput: size(0, 16 * 1024 * 1024).default(DOCKER_DEFAULTS.maxInlineOutputBytes),
  /** Cap of each stdout/stderr file the agent keeps per execution. */
  maxOutputFile: size(1024, 1024 ** 4).default(DOCKER_DEFAULTS.maxOutputFileBytes),
  /** SIGTERM → SIGKILL grace when a task reaches its execution timeout (as `docker stop -t`). */
  timeoutGrace: duration(0, 3_600_000).default(DOCKER_DEFAULTS.timeoutGraceMs),
  /** Bound of a run's preparation (image pull), which the execution timeout does not count. */
  prepareTimeout: duration(1_000, 86_400_000).default(DOCKER_DEFAULTS.prepareTimeoutMs),
  /** PidsLimit of every container. */
  dockerPidsLimit: z.int().min(16).max(4_194_304).default(DOCKER_DEFAULTS.pidsLimit),
  /** Bound of each ordinary Docker call. */
  dockerCallTimeout: duration(100, 600_000).default(DOCKER_DEFAULTS.callTimeoutMs),
  /** Period of the orphan-container sweep. */
  dockerSweepInterval: duration(1_000, 86_400_000).default(DOCKER_DEFAULTS.sweepIntervalMs),
};

/** The DockerExecutor options the agent config sets (the rest are per process: client, node, dirs). */
export function dockerOptionsFromConfig(config: {
  allowNetworkedJobs: boolean;
  maxInlineOutput: number;
  maxOutputFile: number;
  timeoutGrace: number;
  prepareTimeout: number;
  dockerPidsLimit: number;
  dockerCallTimeout: number;
  dockerSweepInterval: number;
}) {
  return {
    allowNetworkedJobs: config.allowNetworkedJobs,
    maxInlineOutputBytes: config.maxInlineOutput,
    maxOutputFileBytes: config.maxOutputFile,
    timeoutGraceMs: config.timeoutGrace,
    prepareTimeoutMs: config.prepareTimeout,
    pidsLimit: config.dockerPidsLimit,
    callTimeoutMs: config.dockerCallTimeout,
    sweepIntervalMs: config.dockerSweepInterval,
  };
}
