import type { AgentConfigInput } from '@shoal/agent';
import type { OrchestratorConfigInput } from '@shoal/orchestrator';
import { InvalidArgumentError, Option } from 'commander';

/**
 * `shoal serve` flags → the orchestrator's and the agent's config inputs, and their problems as
 * `--flag: message` lines. Both apps validate their own config with zod; this only translates
 * names, so a flag and the field it sets can never drift apart.
 */

export interface ServeOptions {
  orchestrator?: boolean;
  compute?: boolean;
  apiHost: string;
  apiPort: number;
  dataDir?: string;
  db?: string;
  logLevel: string;
  natsUrl?: string;
  natsToken?: string;
  natsUser?: string;
  natsPassword?: string;
  natsNkey?: string;
  natsCreds?: string;
  joinToken?: string;
  natsTlsCa?: string;
  natsTlsCert?: string;
  natsTlsKey?: string;
  natsHost?: string;
  natsPort?: number;
  nodeDisconnectTimeout?: string;
  nodeApproval?: string;
  defaultQueueTimeout?: string;
  maxAttempts?: number;
  maxJobSize?: string;
  name?: string;
  labels?: string;
  engines: string;
  cpu?: string;
  memory?: string;
  disk?: string;
  gpu?: string;
  capacityFraction?: number;
  queueFactor?: number;
  allowNetworkedJobs?: boolean;
  maxInlineOutput?: string;
  maxOutputFile?: string;
  timeoutGrace?: string;
  prepareTimeout?: string;
  allowLocalPath?: string[];
  downloadMaxSize?: string;
  downloadTimeout?: string;
  publishers?: string;
  s3Endpoint?: string[];
  s3Region?: string;
  s3UploadCutoff?: string;
  resultsHost?: string;
  resultsPort?: number;
  resultsPublicUrl?: string;
  metricsToken?: string;
  retention?: string;
  apiToken?: string;
  apiReadToken?: string;
}

/** Only the flags that were given: the schemas own the defaults. */
function given<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function natsFlags(opts: ServeOptions) {
  return given({
    natsToken: opts.natsToken,
    natsUser: opts.natsUser,
    natsPassword: opts.natsPassword,
    natsNkey: opts.natsNkey,
    natsCreds: opts.natsCreds,
    natsTlsCa: opts.natsTlsCa,
    natsTlsCert: opts.natsTlsCert,
    natsTlsKey: opts.natsTlsKey,
  });
}

export function orchestratorInput(opts: ServeOptions): OrchestratorConfigInput {
  return {
    apiHost: opts.apiHost,
    apiPort: opts.apiPort,
    logLevel: opts.logLevel as OrchestratorConfigInput['logLevel'],
    ...given({
      dataDir: opts.dataDir,
      db: opts.db,
      natsUrl: opts.natsUrl,
      natsHost: opts.natsHost,
      natsPort: opts.natsPort,
      // The orchestrator's token is for the server it starts; with --nats-url, agents use theirs.
      joinToken: opts.natsUrl === undefined ? opts.joinToken || undefined : undefined,
      nodeDisconnectTimeout: opts.nodeDisconnectTimeout,
      nodeApproval: opts.nodeApproval as OrchestratorConfigInput['nodeApproval'],
      defaultQueueTimeout: opts.defaultQueueTimeout,
      maxAttempts: opts.maxAttempts,
      maxJobBytes: opts.maxJobSize,
      // An empty variable (SHOAL_API_TOKEN=) means no token, not an invalid one.
      apiToken: opts.apiToken || undefined,
      apiReadToken: opts.apiReadToken || undefined,
    }),
    ...natsFlags(opts),
  };
}

/**
 * The agent's input. In `--orchestrator --compute` without --nats-url the URL and the join token
 * are the orchestrator's own server's, known only once it runs: they are filled in after the start.
 */
export function agentInput(
  opts: ServeOptions,
  natsUrl: string | undefined,
  joinToken: string | undefined = opts.joinToken || undefined,
): AgentConfigInput {
  return {
    natsUrl: natsUrl ?? '',
    ...given({ joinToken }),
    engines: opts.engines,
    logLevel: opts.logLevel as AgentConfigInput['logLevel'],
    ...given({
      dataDir: opts.dataDir,
      name: opts.name,
      labels: opts.labels,
      cpu: opts.cpu,
      memory: opts.memory,
      disk: opts.disk,
      gpu: opts.gpu,
      capacityFraction: opts.capacityFraction,
      queueFactor: opts.queueFactor,
      allowNetworkedJobs: opts.allowNetworkedJobs,
      maxInlineOutput: opts.maxInlineOutput,
      maxOutputFile: opts.maxOutputFile,
      timeoutGrace: opts.timeoutGrace,
      prepareTimeout: opts.prepareTimeout,
      allowLocalPaths: opts.allowLocalPath,
      downloadMaxSize: opts.downloadMaxSize,
      downloadTimeout: opts.downloadTimeout,
      publishers: opts.publishers,
      s3Endpoints: opts.s3Endpoint,
      s3Region: opts.s3Region,
      s3UploadCutoff: opts.s3UploadCutoff,
      resultsHost: opts.resultsHost,
      resultsPort: opts.resultsPort,
      resultsPublicUrl: opts.resultsPublicUrl,
      metricsToken: opts.metricsToken || undefined,
      retention: opts.retention,
    }),
    ...natsFlags(opts),
  };
}

/**
 * The API tokens also come from the environment, so the secret need not appear in `ps` output.
 * Commander reads the variable when the flag is absent; the flag wins when both are given.
 */
export const apiTokenOption = () =>
  new Option('--api-token <token>', 'orchestrator: bearer token with full API access').env('SHOAL_API_TOKEN');
export const joinTokenOption = () =>
  new Option(
    '--join-token <token>',
    "compute: the token to join the orchestrator's NATS with (`shoal node token`); orchestrator: the token to accept (default: made at first start)",
  ).env('SHOAL_JOIN_TOKEN');
export const metricsTokenOption = () =>
  new Option(
    '--metrics-token <token>',
    'compute: bearer token GET /metrics on the results server asks for (default: none, the page is open)',
  ).env('SHOAL_METRICS_TOKEN');
export const apiReadTokenOption = () =>
  new Option('--api-read-token <token>', 'orchestrator: bearer token for GET routes only').env(
    'SHOAL_API_READ_TOKEN',
  );

/** A stand-in that passes the URL check while the orchestrator's own URL is not known yet. */
export const URL_FROM_ORCHESTRATOR = 'nats://orchestrator.invalid:4222';

export interface Issue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
}

/** Config fields whose flag is not their name in kebab case: the flag takes a size, not bytes. */
const FLAG_OF: Readonly<Record<string, string>> = {
  maxJobBytes: 'max-job-size',
  s3Endpoints: 's3-endpoint',
  allowLocalPaths: 'allow-local-path',
};

/** `natsUrl` → `--nats-url: must look like …`. */
export function describeIssue(issue: Issue): string {
  const field = String(issue.path[0] ?? '');
  const flag = FLAG_OF[field] ?? field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return `--${flag}: ${issue.message}`;
}

/**
 * A flag's number, or a usage error naming the flag and `range`; the range itself is the agent
 * config's to check (it names the flag too).
 */
function numberFlag(range: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n))
      throw new InvalidArgumentError(`must be a number ${range}`);
    return n;
  };
}

/** `--capacity-fraction 0.5`. */
export const parseFraction = numberFlag('above 0 and at most 1');
/** `--queue-factor 2`. */
export const parseQueueFactor = numberFlag('from 0 to 100');
