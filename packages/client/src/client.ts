import { AgentApi } from './agent.js';
import { type ClientOptions, HttpTransport } from './http.js';
import { JobsApi } from './jobs.js';
import { NodesApi } from './nodes.js';

/**
 * The typed client of Shoal's v1 API (Bacalhau compatible):
 *
 *   const client = new ShoalClient({ apiUrl: 'http://127.0.0.1:1234', token });
 *   const { JobID } = await client.jobs.submit(job);
 *   for await (const frame of client.jobs.logs(JobID, { follow: true })) …
 *
 * Every failure is a ShoalError: the server's (code, message, hint) for an error answer, an
 * ApiConnectionError when nothing answered. Answers are validated against the models' schemas.
 */
export class ShoalClient {
  readonly jobs: JobsApi;
  readonly nodes: NodesApi;
  readonly agent: AgentApi;
  private readonly http: HttpTransport;

  constructor(options: ClientOptions) {
    this.http = new HttpTransport(options);
    this.jobs = new JobsApi(this.http);
    this.nodes = new NodesApi(this.http);
    this.agent = new AgentApi(this.http);
  }

  /** The API's base URL without a trailing slash, for messages. */
  get apiUrl(): string {
    return this.http.apiUrl;
  }
}
