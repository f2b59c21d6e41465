import type { Execution, WireExecution } from '../schemas/execution.js';

/** Adds ErrorMsg (Go's name for the runner's error) to a RunOutput about to be sent. */
export function wireExecution(execution: Execution): WireExecution {
  const output = execution.RunOutput;
  return output === null
    ? execution
    : { ...execution, RunOutput: { ...output, ErrorMsg: output.runnerError } };
}
