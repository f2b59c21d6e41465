import {
  computeStateName,
  desiredStateName,
  type Execution,
  type GetJobResponse,
  shortId,
} from '@shoal/models';
import type { Command } from 'commander';
import { type ApiOptions, action, addApiOption, type CommandContext, makeClient } from '../api-options.js';
import { ExitCode } from '../exit-codes.js';
import {
  formatData,
  isStructured,
  isWide,
  type OutputFormat,
  outputOption,
  wideOption,
} from '../output/format.js';
import { type Column, formatMap, renderFields, renderTable } from '../output/table.js';
import { formatTime, formatTimeExact } from '../output/time.js';

/** `shoal job describe ID`: the job, its executions, and what they printed. */

interface DescribeFlags extends ApiOptions {
  output: OutputFormat;
  wide?: boolean;
}

/**
 * One row per execution: where it ran, its compute and desired state, the task's exit code (`-`
 * when there is no run output: the task never ran, or its end was never reported) and why it is
 * in its state (the state's message, else the runner's error).
 */
export function executionColumns(): Column<Execution>[] {
  return [
    { header: 'ID', value: (e) => shortId(e.ID) },
    { header: 'EXECUTION ID', value: (e) => e.ID, wide: true },
    { header: 'NODE', value: (e) => shortId(e.NodeID), max: 24 },
    { header: 'NODE ID', value: (e) => e.NodeID, wide: true },
    { header: 'STATE', value: (e) => computeStateName(e.ComputeState.StateType) },
    { header: 'DESIRED', value: (e) => desiredStateName(e.DesiredState.StateType) },
    { header: 'EXIT', value: (e) => (e.RunOutput ? String(e.RunOutput.exitCode) : '-') },
    { header: 'REV', value: (e) => String(e.Revision), wide: true },
    { header: 'CREATED', value: (e) => formatTime(e.CreateTime) },
    { header: 'MODIFIED', value: (e) => formatTime(e.ModifyTime) },
    { header: 'MESSAGE', value: (e) => e.ComputeState.Message || e.RunOutput?.runnerError || '', max: 50 },
  ];
}

export function describeText(view: GetJobResponse, options: { tty: boolean; wide: boolean }): string {
  const job = view.Job;
  const task = job.Tasks[0];
  const params = (task?.Engine.Params ?? {}) as Record<string, unknown>;
  const fields: Array<[string, string]> = [
    ['ID', job.ID],
    ['Name', job.Name],
    ['Namespace', job.Namespace],
    ['Type', job.Type],
    ['State', job.State.StateType],
    ['Message', job.State.Message],
    ['Count', String(job.Count)],
    ['Priority', String(job.Priority)],
    ['Labels', formatMap(job.Labels)],
    ['Engine', task ? [task.Engine.Type, params.Image].filter(Boolean).join(' ') : ''],
    ['Created', options.wide ? formatTimeExact(job.CreateTime) : formatTime(job.CreateTime)],
    ['Modified', options.wide ? formatTimeExact(job.ModifyTime) : formatTime(job.ModifyTime)],
    ['Revision', String(job.Revision)],
  ];
  const executions = view.Executions?.Executions ?? [];
  let text = renderFields(fields.filter(([, v]) => v !== '' || options.wide));
  text += `\nExecutions\n`;
  text += executions.length === 0 ? '(none yet)\n' : renderTable(executionColumns(), executions, options);
  for (const e of executions) {
    const out = e.RunOutput;
    if (!out || (!out.stdout && !out.stderr)) continue;
    if (out.stdout)
      text += `\nStandard output of ${shortId(e.ID)}${out.stdouttruncated ? ' (truncated)' : ''}\n${indent(out.stdout)}`;
    if (out.stderr)
      text += `\nStandard error of ${shortId(e.ID)}${out.stderrtruncated ? ' (truncated)' : ''}\n${indent(out.stderr)}`;
  }
  return text;
}

function indent(text: string): string {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  return `${body
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;
}

export function addJobDescribeCommand(job: Command, ctx: CommandContext): void {
  addApiOption(
    job
      .command('describe')
      .description('show a job, its executions and their output')
      .argument('<id>', 'job id or a unique prefix (j-28c08f7f)')
      .addOption(outputOption())
      .addOption(wideOption()),
  ).action(
    action(ctx, async (id: string, flags: DescribeFlags) => {
      const view = await makeClient(ctx, flags).jobs.get(id, ['executions']);
      if (isStructured(flags.output)) ctx.io.out(await formatData(flags.output, view));
      else ctx.io.out(describeText(view, { tty: ctx.io.isTTY, wide: isWide(flags) }));
      return ExitCode.Ok;
    }),
  );
}
