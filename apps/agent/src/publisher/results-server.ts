import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { type Clock, ErrorCode, isShoalError, ShoalError } from '@shoal/models';
import { checkResultRequest } from '@shoal/protocol';
import { METRICS_PATH, type MetricsRoute, metricsHandler } from '../metrics/http.js';
import { archivePath } from './local.js';
import type { ResultsKey } from './results-key.js';

/**
 * Serves the local publisher's archives: `GET /results/<executionId>.tar.gz?expires=…&sig=…`.
 * Nothing else is reachable: the name is matched whole (no paths), and only files the publisher
 * wrote exist there. Each request must carry the orchestrator's signature for that execution,
 * not yet expired (@shoal/protocol results-url.ts): the API decides who may read a job's results,
 * and this server, reachable by anyone on the network, only honours its decision. The signature
 * is checked before the file is looked for, so an unsigned request learns nothing, not even
 * whether an execution published here.
 */

const ROUTE = /^\/results\/(e-[A-Za-z0-9-]{1,100})\.tar\.gz$/;

export interface ResultsServer {
  /** The base URL clients use, e.g. `http://127.0.0.1:6001`. */
  readonly url: string;
  close(): Promise<void>;
}

export interface ResultsServerOptions {
  stateDir: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Advertised instead of `http://host:port` (a NAT, a proxy, a DNS name). */
  publicUrl?: string | undefined;
  /** Set by each accepted handshake; without a key every download is refused. */
  key: ResultsKey;
  /** Judges expiry (a URL's `expires` is the orchestrator's Unix seconds). */
  clock: Clock;
  /** Also serves GET /metrics (metrics/http.ts): this is the agent's one HTTP listener. */
  metrics?: MetricsRoute;
  /**
   * False on a node without the local publisher: the listener then serves only /metrics, and a
   * results path is answered 404 with the reason. Default true.
   */
  archives?: boolean;
}

export async function startResultsServer(options: ResultsServerOptions): Promise<ResultsServer> {
  const metrics = options.metrics && metricsHandler(options.metrics);
  const server = createServer((req, res) => {
    const target = req.url ?? '';
    const at = target.indexOf('?');
    const path = at < 0 ? target : target.slice(0, at);
    if (metrics && path === METRICS_PATH) return metrics(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'only GET and HEAD are served');
    if (options.archives === false) return fail(res, 404, 'this node does not publish results locally');
    const executionId = ROUTE.exec(path)?.[1];
    if (!executionId) return fail(res, 404, 'no such result: results are at /results/<execution id>.tar.gz');
    const query = new URLSearchParams(at < 0 ? '' : target.slice(at + 1));
    const refused = refusal(() =>
      checkResultRequest({ key: options.key.current(), executionId, query, clock: options.clock }),
    );
    if (refused) return fail(res, refused.status, refused.message);
    void send(res, archivePath(options.stateDir, executionId), req.method === 'HEAD');
  });
  await listen(server, options.host, options.port);
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    // Bound to every interface: the machine's name is the best guess at how others reach it.
    url: options.publicUrl ?? `http://${host === '0.0.0.0' || host === '[::]' ? hostname() : host}:${port}`,
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

async function send(res: ServerResponse, file: string, headOnly: boolean): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return fail(res, 404, 'no such result (not published here, or removed)');
  res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': info.size });
  if (headOnly) return void res.end();
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

/** Why `check` refused, if it did. Never throws: a throw in a request handler would end the agent. */
function refusal(check: () => void): ShoalError | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (isShoalError(error)) return error;
    return new ShoalError(ErrorCode.Internal, 'the signature could not be checked', {
      component: 'ResultsServer',
    });
  }
}

function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ Status: status, Message: message }));
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
