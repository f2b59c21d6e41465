import { EngineType, NoopParamsSchema, parseDurationMs } from '@shoal/models';
import { parseEngineParams } from '../execution/invalid-input.js';
import { sleep, systemTimers, type Timers } from '../timers.js';
import {
  type Executor,
  type ExecutorCapabilities,
  type ExecutorResult,
  executionTimeoutSeconds,
  type RunSpec,
  timedOutError,
} from './executor.js';
import { DEFAULT_MAX_INLINE_OUTPUT_BYTES, makeRunOutput } from './output.js';

/**
 * The noop engine: pretends to run for `Delay`, then finishes with the scripted result (Stdout,
 * Stderr, ExitCode), or fails with `Error`. Tests and benchmarks drive the whole system with it,
 * so it honours cancellation, the task's timeout and output capping like a real engine. It keeps
 * nothing outside the process, so it cannot adopt a run after a restart.
 */

export interface NoopExecutorOptions {
  /** Injected so tests can skip the Delay instead of waiting for it. */
  timers?: Timers;
  /** Bytes of stdout and of stderr kept in RunOutput. Default 64 KiB. */
  maxInlineOutputBytes?: number;
}

export class NoopExecutor implements Executor {
  private readonly timers: Timers;
  private readonly maxInline: number;

  constructor(options: NoopExecutorOptions = {}) {
    this.timers = options.timers ?? systemTimers;
    this.maxInline = options.maxInlineOutputBytes ?? DEFAULT_MAX_INLINE_OUTPUT_BYTES;
  }

  capabilities(): ExecutorCapabilities {
    return { engine: EngineType.Noop, healthy: true };
  }

  async run(spec: RunSpec): Promise<ExecutorResult> {
    if (spec.signal.aborted) return { kind: 'cancelled' };
    // The orchestrator validated the job, but an agent trusts no one with what it runs.
    const parsed = parseEngineParams(NoopParamsSchema, spec.task.Engine.Params, 'invalid noop parameters');
    if (!parsed.ok) return { kind: 'failed', error: parsed.error };
    const params = parsed.params;
    const delayMs = params.Delay === undefined ? 0 : parseDurationMs(params.Delay);
    // A Delay longer than the task's timeout ends as a real task would: timed out, for good. There
    // is no process to signal, so no grace, and nothing was printed yet (the output comes at the end).
    const timeoutSeconds = executionTimeoutSeconds(spec.task);
    const timesOut = timeoutSeconds > 0 && delayMs > timeoutSeconds * 1000;
    const waitMs = timesOut ? timeoutSeconds * 1000 : delayMs;
    if (waitMs > 0 && (await sleep(this.timers, waitMs, spec.signal)) === 'aborted') {
      return { kind: 'cancelled' };
    }
    if (timesOut && !spec.signal.aborted) {
      return { kind: 'failed', error: timedOutError(timeoutSeconds), final: true };
    }
    if (spec.signal.aborted) return { kind: 'cancelled' };
    const runOutput = makeRunOutput(
      {
        stdout: params.Stdout,
        stderr: params.Stderr,
        exitCode: params.ExitCode,
        runnerError: params.Error,
      },
      this.maxInline,
    );
    if (params.Error !== undefined) return { kind: 'failed', error: params.Error, runOutput };
    return { kind: 'completed', runOutput };
  }
}
