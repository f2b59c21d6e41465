import type { Command } from 'commander';
import { action, addApiOption, type CommandContext } from '../api-options.js';
import { keyValue, nonNegativeInt, positiveInt } from '../arg-parsers.js';
import { parseInputFlag } from '../inputs/input-flag.js';
import { parsePublisherFlag } from '../publisher-flag.js';
import { buildDockerJob, type DockerRunFlags, parseConstraintFlag } from './docker-job.js';
import { addRunFlags, type RunFlags, runJob } from './job-submit.js';

/**
 * `shoal docker run IMAGE [-- CMD ARGS…]`: builds a batch job with one docker task and runs it
 * like `job run`. Without --wait, --follow or --id-only it prints the job id and how to follow
 * it, as Bacalhau does; values are checked by the server's rules (or locally with --dry-run).
 */
export function addDockerCommand(program: Command, ctx: CommandContext): void {
  const docker = program.command('docker').description('run Docker containers as jobs');
  const run = docker
    .command('run')
    .description('run a container as a batch job: shoal docker run IMAGE -- CMD ARGS…')
    .argument('<image>', 'image reference, e.g. busybox:1.36')
    .argument('[command...]', 'the command and its arguments (put them after --)')
    .option('--count <n>', 'how many executions (partitions)', positiveInt)
    .option('--cpu <cpu>', 'CPU per execution, e.g. 500m or 2')
    .option('--memory <size>', 'memory per execution, e.g. 512Mb or 1Gi')
    .option('--disk <size>', 'disk per execution, e.g. 10Gi')
    .option('--gpu <n>', 'GPUs per execution')
    .option('-e, --env <K=V>', 'environment variable; repeatable', keyValue)
    .option('-l, --label <k=v>', 'job label; repeatable', keyValue)
    .option(
      '--constraint <selector>',
      'node label constraint, e.g. "zone=a" or "gpu in (a100,h100)"; repeatable',
      parseConstraintFlag,
    )
    .option('--timeout <seconds>', 'execution timeout in seconds (0: none)', nonNegativeInt)
    .option('--network <type>', 'none, host, full or http (default none)')
    .option(
      '-p, --publisher <publisher>',
      'where results go: local, noop, or s3://BUCKET/KEY with opt=region=…,opt=endpoint=…,opt=compress=true',
      parsePublisherFlag,
    )
    .option('--name <name>', 'job name (default: its id)')
    .option('--namespace <ns>', 'namespace (default: default)')
    .option('--entrypoint <path>', 'override the image’s entrypoint')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option(
      '-i, --input <source>',
      'input to mount: URI[:PATH] or src=URI,dst=PATH[,opt=K=V] (https://…, file:///dir, s3://bucket/key, data:…, inline:FILE; default PATH /inputs); repeatable',
      parseInputFlag,
    );
  addApiOption(addRunFlags(run)).action(
    action(ctx, async (image: string, command: string[], flags: DockerRunFlags & RunFlags) =>
      runJob(ctx, buildDockerJob(image, command, flags), flags),
    ),
  );
}
