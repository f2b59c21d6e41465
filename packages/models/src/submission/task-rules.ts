import type { EngineType } from '../enums.js';
import {
  ENGINE_TYPES,
  NETWORK_TYPES,
  NetworkType,
  PUBLISHER_TYPES,
  PublisherType,
  STORAGE_SOURCE_TYPES,
  StorageSourceType,
} from '../enums.js';
import { tryParseResources } from '../resources.js';
import type { LocalDirectoryParams } from '../schemas/input-sources.js';
import { INPUT_SOURCE_PARAMS } from '../schemas/input-sources.js';
import { S3PublisherParamsSchema } from '../schemas/s3.js';
import { ENGINE_PARAMS } from './engines.js';
import { envNameProblem, globMatches, imageReferenceProblem, isWithin, normalisePath } from './fields.js';
import type { SpecInput, TaskInput } from './job-input.js';
import { MAX_ENV_BYTES, utf8Bytes } from './limits.js';
import type { SubmissionPolicy } from './policy.js';
import { DOCKER_SOCKETS, FORBIDDEN_SUBTREES } from './policy.js';
import { zodProblems } from './problems.js';

export type Report = (path: ReadonlyArray<PropertyKey>, message: string) => void;
type Path = ReadonlyArray<PropertyKey>;

const allowed = (values: readonly string[]) => `allowed are ${values.join(', ')}`;

/** Finds a value case-insensitively among the allowed ones, so `none` means `None`. */
export function canonical<T extends string>(value: string, values: readonly T[]): T | undefined {
  return values.find((v) => v.toLowerCase() === value.toLowerCase());
}

export function checkEngine(spec: SpecInput, at: Path, policy: SubmissionPolicy, report: Report): void {
  const type = spec.Type ?? '';
  const engine = canonical(type, ENGINE_TYPES);
  if (!engine) {
    report(
      [...at, 'Engine', 'Type'],
      type
        ? `unknown engine ${JSON.stringify(type)}: ${allowed(ENGINE_TYPES)}`
        : `is required: ${allowed(ENGINE_TYPES)}`,
    );
    return;
  }
  const params = ENGINE_PARAMS[engine as EngineType].safeParse(spec.Params ?? {}, { reportInput: true });
  if (!params.success) {
    for (const p of zodProblems(params.error, [...at, 'Engine', 'Params'])) report(p.path, p.message);
    return;
  }
  const image = (params.data as { Image?: string }).Image;
  const patterns = policy.allowedImages ?? [];
  if (
    image &&
    !imageReferenceProblem(image) &&
    patterns.length > 0 &&
    !patterns.some((g) => globMatches(g, image))
  ) {
    report(
      [...at, 'Engine', 'Params', 'Image'],
      `image ${image} is not allowed on this cluster (allowed: ${patterns.join(', ')})`,
    );
  }
}

export function checkPublisher(
  publisher: TaskInput['Publisher'],
  resultPaths: number,
  at: Path,
  report: Report,
): void {
  const type = publisher?.Type ?? '';
  if (type !== '' && !canonical(type, PUBLISHER_TYPES)) {
    report(
      [...at, 'Publisher', 'Type'],
      `unknown publisher ${JSON.stringify(type)}: ${allowed(PUBLISHER_TYPES)}`,
    );
  }
  if (canonical(type, PUBLISHER_TYPES) === PublisherType.S3) {
    const params = S3PublisherParamsSchema.safeParse(publisher?.Params ?? {}, { reportInput: true });
    if (!params.success)
      for (const p of zodProblems(params.error, [...at, 'Publisher', 'Params'])) report(p.path, p.message);
  } else if (type === '' || canonical(type, PUBLISHER_TYPES)) {
    // local and noop take no Params (nor does no publisher): a key there would reach the agent unchecked.
    for (const key of Object.keys(publisher?.Params ?? {}))
      report([...at, 'Publisher', 'Params', key], 'unknown field');
  }
  if (resultPaths > 0 && type === '') {
    report(
      [...at, 'Publisher', 'Type'],
      `a publisher is required when ResultPaths are set: ${allowed(PUBLISHER_TYPES)}`,
    );
  }
}

export function checkEnv(
  env: TaskInput['Env'],
  engine: SpecInput | undefined,
  at: Path,
  report: Report,
): void {
  let bytes = 0;
  for (const [name, value] of Object.entries(env)) {
    const problem = envNameProblem(name);
    if (problem) report([...at, 'Env', name], problem);
    bytes += utf8Bytes(name) + utf8Bytes(value) + 2;
  }
  const engineEnv = engine?.Params?.EnvironmentVariables;
  if (Array.isArray(engineEnv)) {
    for (const e of engineEnv) if (typeof e === 'string') bytes += utf8Bytes(e) + 1;
  } else if (typeof engineEnv === 'object' && engineEnv !== null) {
    // The wasm engine's variables are a map, as Bacalhau's wasm spec has them.
    for (const [k, v] of Object.entries(engineEnv))
      if (typeof v === 'string') bytes += utf8Bytes(k) + utf8Bytes(v) + 2;
  }
  if (bytes > MAX_ENV_BYTES)
    report([...at, 'Env'], `environment is ${bytes} bytes; the limit is ${MAX_ENV_BYTES}`);
}

export function checkResources(resources: TaskInput['Resources'], at: Path, report: Report): void {
  const parsed = tryParseResources(resources ?? {});
  if (!parsed.ok) for (const p of parsed.problems) report([...at, 'Resources', p.field], p.message);
}

export function checkNetwork(spec: TaskInput['Network'], at: Path, report: Report): void {
  const type = spec?.Type ?? '';
  const network = type === '' ? NetworkType.None : canonical(type, NETWORK_TYPES);
  if (!network) {
    report(
      [...at, 'Network', 'Type'],
      `unknown network type ${JSON.stringify(type)}: ${allowed(NETWORK_TYPES)}`,
    );
    return;
  }
  const domains = spec?.Domains ?? [];
  if (domains.length > 0 && network !== NetworkType.HTTP) {
    report([...at, 'Network', 'Domains'], `domains are only allowed with network type HTTP, not ${network}`);
  }
  if (network === NetworkType.HTTP && domains.length === 0) {
    report([...at, 'Network', 'Domains'], 'network type HTTP needs at least one domain');
  }
}

export function checkTimeouts(timeouts: TaskInput['Timeouts'], at: Path, report: Report): void {
  const t = timeouts ?? {};
  const total = t.TotalTimeout ?? 0;
  const sum = (t.ExecutionTimeout ?? 0) + (t.QueueTimeout ?? 0);
  if (total > 0 && sum > total) {
    report(
      [...at, 'Timeouts'],
      `ExecutionTimeout + QueueTimeout (${sum}s) must not exceed TotalTimeout (${total}s)`,
    );
  }
}

export function checkPaths(
  inputs: TaskInput['InputSources'],
  results: TaskInput['ResultPaths'],
  at: Path,
  policy: SubmissionPolicy,
  report: Report,
): void {
  const targets = new Map<string, string>();
  const claim = (path: string, where: Path, what: string) => {
    const key = normalisePath(path);
    const previous = targets.get(key);
    if (previous) report(where, `${what} ${key} is already used by ${previous}`);
    else targets.set(key, what);
  };
  inputs.forEach((input, i) => {
    const where = [...at, 'InputSources', i];
    claim(input.Target, [...where, 'Target'], 'target');
    checkInputSource(
      input.Source.Type ?? '',
      input.Source.Params ?? {},
      [...where, 'Source'],
      policy,
      report,
    );
  });
  const names = new Set<string>();
  results.forEach((result, i) => {
    const where = [...at, 'ResultPaths', i];
    if (names.has(result.Name)) report([...where, 'Name'], `result name ${result.Name} is used twice`);
    names.add(result.Name);
    claim(result.Path, [...where, 'Path'], 'result path');
  });
}

/** Each input's Params against its type's schema; a local path also against the structural rules. */
function checkInputSource(
  type: string,
  params: Record<string, unknown>,
  at: Path,
  policy: SubmissionPolicy,
  report: Report,
): void {
  const source = canonical(type, STORAGE_SOURCE_TYPES);
  if (!source) {
    report(
      [...at, 'Type'],
      type
        ? `unknown input source type ${JSON.stringify(type)}: ${allowed(STORAGE_SOURCE_TYPES)}`
        : `is required: ${allowed(STORAGE_SOURCE_TYPES)}`,
    );
    return;
  }
  const parsed = INPUT_SOURCE_PARAMS[source].safeParse(params, { reportInput: true });
  if (!parsed.success) {
    for (const p of zodProblems(parsed.error, [...at, 'Params'])) report(p.path, p.message);
    return;
  }
  if (source === StorageSourceType.LocalDirectory)
    checkHostMount(parsed.data as LocalDirectoryParams, at, policy, report);
}

/**
 * Never the host's root, system trees or Docker socket. Beyond that, each agent's operator decides
 * which paths it mounts (`--allow-local-path`, checked when it bids); a cluster that also sets
 * `allowedHostPaths` narrows every node to those.
 */
function checkHostMount(
  params: LocalDirectoryParams,
  at: Path,
  policy: SubmissionPolicy,
  report: Report,
): void {
  const path = params.SourcePath;
  const forbidden =
    path === '/' ||
    FORBIDDEN_SUBTREES.some((f) => isWithin(path, f)) ||
    DOCKER_SOCKETS.some((socket) => isWithin(socket, path));
  if (forbidden) {
    report(
      [...at, 'Params', 'SourcePath'],
      `${path} can never be mounted (it exposes the host's system or Docker socket)`,
    );
    return;
  }
  const rules = policy.allowedHostPaths;
  if (rules === undefined) return;
  const rule = rules.find((r) => isWithin(path, normalisePath(r.path)));
  if (!rule) {
    const hint =
      rules.length === 0
        ? 'host mounts are disabled: no path is allow-listed'
        : `allowed: ${rules.map((r) => r.path).join(', ')}`;
    report([...at, 'Params', 'SourcePath'], `${path} is not an allowed host path (${hint})`);
  } else if (params.ReadWrite && !rule.readWrite) {
    report([...at, 'Params', 'ReadWrite'], `${path} is allowed read-only`);
  }
}
