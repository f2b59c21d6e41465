import type { Context } from 'hono';

/**
 * Which key a client reads a list from. The v1 jobs API (and Bacalhau's clients up to v1.3.2)
 * name a list by what it holds (`Jobs`, `History`, `Executions`, `Results`); from v1.4 Bacalhau
 * names every list `Items`, and its server picks the form per request by the client's
 * X-Bacalhau-Git-Version header. Shoal does the same, keeping the reference's form for any client
 * that does not say otherwise, so the reference's examples are answered exactly as written.
 *
 * - `reference`: the named key only (no header, or a Go client at v1.3.2 or older).
 * - `items`: `Items` only, as Bacalhau answers a Go client newer than v1.3.2 (or one whose version
 *   it cannot parse).
 * - `python`: both, plus the lower-case `nodes` and `node` keys and a RunOutput's capitalised ones:
 *   the Python SDK's generated client (bacalhau_apiclient) sends no version header, identifies
 *   itself by its User-Agent, and reads each key exactly as its swagger spells it (`Items` from
 *   v1.4, `Jobs` before; `nodes`, `node`; `Stdout`, `ExitCode`).
 */
export type ListDialect = 'reference' | 'items' | 'python';

const GIT_VERSION_HEADER = 'X-Bacalhau-Git-Version';
/** swagger-codegen's default User-Agent for a Python client: `Swagger-Codegen/<version>/python`. */
const SWAGGER_PYTHON = /^Swagger-Codegen\/[^/\s]+\/python\b/i;
const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
/** The last Bacalhau release whose clients read the named keys. */
const LAST_NAMED = [1, 3, 2] as const;

export function listDialect(c: Context): ListDialect {
  const version = c.req.header(GIT_VERSION_HEADER);
  if (version !== undefined && version !== '') return readsNamedKeys(version) ? 'reference' : 'items';
  return SWAGGER_PYTHON.test(c.req.header('User-Agent') ?? '') ? 'python' : 'reference';
}

/** Bacalhau's rule: at most v1.3.2 (a v1.3.2 pre-release already reads Items); unparsable: Items. */
function readsNamedKeys(version: string): boolean {
  const m = SEMVER.exec(version.trim());
  if (!m) return false;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const order = major - LAST_NAMED[0] || minor - LAST_NAMED[1] || patch - LAST_NAMED[2];
  return order < 0 || (order === 0 && m[4] === undefined);
}

type Body = Record<string, unknown>;

/** A list body in the dialect: `key` renamed to `Items`, or `Items` added after it. */
export function relist(body: Body, key: string, dialect: ListDialect): Body {
  if (dialect === 'reference' || !Object.hasOwn(body, key)) return body;
  const list = dialect === 'python' && key === 'Executions' ? pythonExecutions(body[key]) : body[key];
  const out: Body = {};
  for (const [name, value] of Object.entries(body)) {
    if (name !== key) out[name] = value;
    else if (dialect === 'python') Object.assign(out, { [key]: list, Items: list });
    else out.Items = list;
  }
  return out;
}

/**
 * The Python model of a RunOutput reads `Stdout`, `StdoutTruncated`, `StderrTruncated` and
 * `ExitCode` by those exact names (its swagger's); the reference writes them in lower case, which
 * Go reads ignoring case. `stderr` and `ErrorMsg` it reads as they are.
 */
function pythonExecutions(list: unknown): unknown {
  if (!Array.isArray(list)) return list;
  return list.map((execution: Body) => {
    const output = execution.RunOutput as Body | null | undefined;
    if (!output) return execution;
    const spelled = {
      Stdout: output.stdout,
      StdoutTruncated: output.stdouttruncated,
      StderrTruncated: output.stderrtruncated,
      ExitCode: output.exitCode,
    };
    return { ...execution, RunOutput: { ...output, ...spelled } };
  });
}

/** A describe-job body: its History and Executions are list bodies too. */
export function relistJob(body: Body, dialect: ListDialect): Body {
  if (dialect === 'reference') return body;
  const out = { ...body };
  for (const key of ['History', 'Executions']) {
    const inner = out[key];
    if (inner && typeof inner === 'object') out[key] = relist(inner as Body, key, dialect);
  }
  return out;
}

/** The node list and node answers: the Python client reads `nodes` and `node` in lower case. */
export function withLowerNodeKey(body: Body, key: 'Nodes' | 'Node', dialect: ListDialect): Body {
  if (dialect !== 'python') return body;
  return { ...body, [key.toLowerCase()]: body[key] };
}
