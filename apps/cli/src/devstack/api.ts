import {
  decodeJson,
  ErrorBodySchema,
  ErrorCode,
  type Execution,
  fromErrorBody,
  GetJobResponseSchema,
  type Job,
  ListJobExecutionsResponseSchema,
  ListNodesResponseSchema,
  type NodeState,
  PutJobResponseSchema,
  ShoalError,
} from '@shoal/models';

/** What the models' zod schemas offer, structurally (zod itself is not a dependency of the CLI). */
interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { message: string } };
}

/**
 * The few API calls devstack makes itself (readiness, the hello-world job). Every answer is
 * checked against the models' response schemas; a refusal comes back as the server's ShoalError.
 * With SHOAL_API_TOKEN set (the orchestrator child inherits it and turns auth on) it is sent.
 */
export class DevstackApi {
  constructor(
    readonly url: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 5_000,
  ) {}

  /** True when /api/v1/agent/alive answers OK; never throws. */
  async alive(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/api/v1/agent/alive`, {
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  async nodes(): Promise<NodeState[]> {
    return (await this.call('GET', '/orchestrator/nodes?limit=1000', ListNodesResponseSchema)).Nodes;
  }

  async submit(job: Record<string, unknown>): Promise<string> {
    return (await this.call('PUT', '/orchestrator/jobs', PutJobResponseSchema, { Job: job })).JobID;
  }

  async job(id: string): Promise<Job> {
    return (await this.call('GET', `/orchestrator/jobs/${encodeURIComponent(id)}`, GetJobResponseSchema)).Job;
  }

  async executions(id: string): Promise<Execution[]> {
    const path = `/orchestrator/jobs/${encodeURIComponent(id)}/executions`;
    return (await this.call('GET', path, ListJobExecutionsResponseSchema)).Executions;
  }

  private async call<T>(method: string, path: string, schema: Schema<T>, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const res = await fetch(`${this.url}/api/v1${path}`, {
      method,
      headers,
      signal: AbortSignal.timeout(this.timeoutMs),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const value = text === '' ? undefined : decodeJson(text);
    if (!res.ok) {
      const error = ErrorBodySchema.safeParse(value);
      if (error.success) throw fromErrorBody(error.data);
      throw new ShoalError(ErrorCode.Internal, `${method} ${path}: HTTP ${res.status}`, {
        component: 'Devstack',
      });
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw new ShoalError(
        ErrorCode.Internal,
        `${method} ${path}: unexpected answer: ${parsed.error.message}`,
        {
          component: 'Devstack',
        },
      );
    }
    return parsed.data;
  }
}
