import { join } from 'node:path';
import { DockerParamsSchema, NetworkType } from '@shoal/models';
import type Docker from 'dockerode';
import { describeIssues } from '../../execution/invalid-input.js';
import type { RunSpec } from '../executor.js';
import { containerLabels, containerName } from './labels.js';
import type { ResolvedDockerOptions } from './options.js';

/**
 * A task → the exact `POST /containers/create` body, as a pure function: every safety default is
 * visible here and unit-tested without Docker. Nothing from the job reaches HostConfig except the
 * limits the agent reserved and the network mode it allows; Params are re-validated (strictly:
 * `Privileged`, `CapAdd`, … are unknown keys) because an agent trusts no one with what it runs.
 */

/**
 * Kept from Docker's default set: what ordinary images running as root need to manage their own
 * files (CHOWN, DAC_OVERRIDE, FOWNER, FSETID), to drop to another user in an entrypoint (SETUID,
 * SETGID) and to signal their own processes (KILL). Dropped: NET_RAW (raw sockets, ARP/ICMP
 * spoofing on a shared bridge), MKNOD, SYS_CHROOT, SETPCAP, SETFCAP, AUDIT_WRITE, NET_BIND_SERVICE.
 */
export const ALLOWED_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'SETUID', 'SETGID', 'KILL'];

/** Task network type → Docker NetworkMode. HTTP (domain filtering) is not offered by this engine. */
const NETWORK_MODES: Partial<Record<string, string>> = {
  [NetworkType.None]: 'none',
  [NetworkType.Host]: 'host',
  [NetworkType.Full]: 'bridge',
};

/** The network types this engine provides, given the operator's choice (the bidder checks them). */
export function offeredNetworks(allowNetworkedJobs: boolean): string[] {
  return allowNetworkedJobs ? [NetworkType.None, NetworkType.Host, NetworkType.Full] : [NetworkType.None];
}

/** A result name becomes a directory name on the host: one plain path segment, nothing else. */
const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Binds are `host:container:mode`: a colon in either path would be read as another field. */
function inputMountProblem(hostPath: string, target: string): string | undefined {
  if (!hostPath.startsWith('/') || hostPath.includes(':'))
    return `host path ${JSON.stringify(hostPath)} cannot be mounted`;
  if (!target.startsWith('/') || target === '/' || target.includes(':') || target.split('/').includes('..'))
    return `target ${JSON.stringify(target)} must be an absolute path below / without ":"`;
  return undefined;
}

export interface ResultMount {
  name: string;
  hostPath: string;
  containerPath: string;
}

export interface ContainerPlan {
  image: string;
  create: Docker.ContainerCreateOptions;
  results: ResultMount[];
}

export type PlanOutcome = { ok: true; plan: ContainerPlan } | { ok: false; error: string };

export function planContainer(
  spec: Pick<RunSpec, 'executionId' | 'jobId' | 'task' | 'resources' | 'inputs'>,
  executionDir: string,
  options: Pick<ResolvedDockerOptions, 'nodeId' | 'allowNetworkedJobs' | 'pidsLimit' | 'maxOutputFileBytes'>,
): PlanOutcome {
  const problems: string[] = [];
  const parsed = DockerParamsSchema.safeParse(spec.task.Engine.Params ?? {});
  if (!parsed.success) problems.push(describeIssues(parsed.error, ['Engine', 'Params']));

  const network = spec.task.Network?.Type || NetworkType.None;
  const mode = NETWORK_MODES[network];
  if (mode === undefined) problems.push(`network type ${network} is not supported by the docker engine`);
  else if (mode !== 'none' && !options.allowNetworkedJobs) {
    problems.push(`network type ${network} is not allowed on this node (see --allow-networked-jobs)`);
  }

  const env: string[] = [];
  for (const [key, value] of Object.entries(spec.task.Env ?? {})) {
    if (key === '' || key.includes('=') || key.includes('\0') || value.includes('\0')) {
      problems.push(`Env: ${JSON.stringify(key)} is not a valid variable`);
    } else env.push(`${key}=${value}`);
  }

  const results: ResultMount[] = [];
  for (const result of spec.task.ResultPaths ?? []) {
    if (!SAFE_SEGMENT.test(result.Name)) {
      problems.push(
        `ResultPaths: name ${JSON.stringify(result.Name)} must be letters, digits, ".", "_" or "-"`,
      );
    } else if (!result.Path.startsWith('/') || result.Path.split('/').includes('..') || result.Path === '/') {
      problems.push(`ResultPaths: path ${JSON.stringify(result.Path)} must be an absolute path below /`);
    } else {
      results.push({
        name: result.Name,
        hostPath: join(executionDir, 'results', result.Name),
        containerPath: result.Path,
      });
    }
  }
  // Inputs first: a result path below an input's target then shadows it, never the other way round.
  const binds: string[] = [];
  for (const input of spec.inputs ?? []) {
    const problem = inputMountProblem(input.hostPath, input.target);
    if (problem) problems.push(`InputSources: ${problem}`);
    else binds.push(`${input.hostPath}:${input.target}:${input.readOnly ? 'ro' : 'rw'}`);
  }
  if (!parsed.success || problems.length > 0) return { ok: false, error: problems.join('; ') };

  const params = parsed.data;
  // Engine-specific variables come last, so they win over the task's Env (Docker keeps the last).
  env.push(...params.EnvironmentVariables);
  const memory = spec.resources.memoryBytes;
  const create: Docker.ContainerCreateOptions = {
    name: containerName(spec.executionId),
    Image: params.Image,
    // Arrays all the way: Docker execs them as given, never through a shell.
    ...(params.Entrypoint.length > 0 ? { Entrypoint: params.Entrypoint } : {}),
    ...(params.Parameters.length > 0 ? { Cmd: params.Parameters } : {}),
    Env: env,
    ...(params.WorkingDirectory === '' ? {} : { WorkingDir: params.WorkingDirectory }),
    Labels: containerLabels({ nodeId: options.nodeId, jobId: spec.jobId, executionId: spec.executionId }),
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: {
      NetworkMode: mode,
      Privileged: false,
      CapDrop: ['ALL'],
      CapAdd: ALLOWED_CAPABILITIES,
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: options.pidsLimit,
      IpcMode: 'private',
      ...(memory > 0 ? { Memory: memory, MemorySwap: memory } : {}),
      ...(spec.resources.cpuMillis > 0 ? { NanoCpus: spec.resources.cpuMillis * 1_000_000 } : {}),
      Binds: [...binds, ...results.map((r) => `${r.hostPath}:${r.containerPath}:rw`)],
      // The agent reads and removes it; Docker must not remove it before the output is read.
      AutoRemove: false,
      RestartPolicy: { Name: 'no' },
      // Docker's own copy is what a restarted agent re-reads; bounded so a flood cannot fill the disk.
      LogConfig: {
        Type: 'json-file',
        Config: {
          'max-size': `${Math.ceil((options.maxOutputFileBytes * 2) / 1_048_576)}m`,
          'max-file': '3',
        },
      },
    },
  };
  return { ok: true, plan: { image: params.Image, create, results } };
}
