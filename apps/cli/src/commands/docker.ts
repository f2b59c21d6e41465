import type { Command } from 'commander';
import { action, addApiOption, type CommandContext } from '../api-options.js';
import { collect } from '../arg-parsers.js';
import { buildDockerJob, type DockerRunFlags } from './docker-job.js';
import { addJobShapeFlags } from './job-shape-flags.js';
import { addRunFlags, type RunFlags, runJob } from './job-submit.js';
import { resultPathOption } from './result-paths.js';

/**
 * `shoal docker run IMAGE [-- CMD ARGS…]`: builds a batch job with one docker task and runs it
 * like `job run`: it waits for the job and prints its output, as Bacalhau does, unless
 * --wait=false; values are checked by the server's rules (or locally with --dry-run).
 */
export function addDockerCommand(program: Command, ctx: CommandContext): void {
  const docker = program.command('docker').description('run Docker containers as jobs');
  const run = docker
    .command('run')
    .description('run a container as a batch job: shoal docker run IMAGE -- CMD ARGS…')
    .argument('<image>', 'image reference, e.g. busybox:1.36')
    .argument('[command...]', 'the command and its arguments (put them after --)')
    .option('--gpu <n>', 'GPUs per execution')
    .option('--network <type>', 'none, host, full or http (default none)')
    .option(
      '--domain <domain>',
      'a domain an http network may reach (.example.com: its subdomains too); repeatable',
      collect,
    )
    .option('--entrypoint <path>', 'override the image’s entrypoint')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .addOption(resultPathOption());
  addJobShapeFlags(run, {
    env: 'environment variable; repeatable',
    memory: 'memory per execution, e.g. 512Mb or 1Gi',
    input:
      'input to mount: URI[:PATH] or src=URI,dst=PATH[,opt=K=V] (https://…, file:///dir, s3://bucket/key, data:…, inline:FILE; default PATH /inputs); repeatable',
  });
  addApiOption(addRunFlags(run, { resultPaths: true })).action(
    action(ctx, async (image: string, command: string[], flags: DockerRunFlags & RunFlags) =>
      runJob(ctx, buildDockerJob(image, command, flags), flags),
    ),
  );
}
