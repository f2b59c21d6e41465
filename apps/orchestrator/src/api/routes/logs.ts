import { upgradeWebSocket } from '@hono/node-server';
import { ErrorCode, ShoalError } from '@shoal/models';
import { LOG_STREAM_LIMITS, LogFrameSchema } from '@shoal/protocol';
import { z } from 'zod';
import type { AttachedLogStream, LogRelay } from '../../logs/relay.js';
import type { LogSocket } from '../../logs/session.js';
import { resolveLogTarget } from '../../logs/target.js';
import type { Store } from '../../store/types.js';
import { pathId } from '../path-params.js';
import { boolParam, idParam, parseQuery } from '../query.js';
import type { Route } from '../route.js';

/**
 * `GET /orchestrator/jobs/:jobID/logs`: a WebSocket of `{"Type":1|2,"Line":"…"}` text frames (1
 * stdout, 2 stderr; Line keeps its newline), relayed from the agent running the execution. The
 * job, the execution and the parameters are checked BEFORE the upgrade, so those mistakes get the
 * usual JSON error (404, 400) instead of a socket. See docs/protocol.md for the rest.
 */

const MAX_TAIL = LOG_STREAM_LIMITS.maxTail;
const TAIL_ERROR = `must be a number of lines from 0 to ${MAX_TAIL} (or true/false, Bacalhau's form: all lines)`;

/** `tail=N` (the last N lines of each stream); Bacalhau's boolean `tail=true|false` means all. */
const tailParam = z
  .preprocess((raw: unknown) => {
    if (raw === undefined || raw === 'true' || raw === 'false') return undefined;
    return typeof raw === 'string' && /^\d{1,7}$/.test(raw) ? Number(raw) : raw;
  }, z
    .int({ error: TAIL_ERROR })
    .min(0, { error: TAIL_ERROR })
    .max(MAX_TAIL, { error: TAIL_ERROR })
    .optional())
  .meta({ description: 'Only the last N lines of each of stdout and stderr (then new ones, with follow).' });

export const LogsParams = z.object({
  execution_id: idParam('The execution to read (full id or unique prefix); default: the latest one.'),
  follow: boolParam(
    'Keep streaming until the execution ends; waits for the job’s first execution if it has none yet.',
  ),
  tail: tailParam,
});

export const LogFrameDocSchema = LogFrameSchema.meta({
  description:
    'One WebSocket text message per line: Type 1 stdout, 2 stderr; Line keeps its newline. The socket closes with 1000 at the end, or with 4000 + an HTTP status (4404, 4503, 4504, 4500) and the reason.',
});

export interface LogRouteDeps {
  store: Store;
  logs: LogRelay | undefined;
}

export function logRoutes({ store, logs }: LogRouteDeps): Route[] {
  return [
    {
      method: 'get',
      path: '/orchestrator/jobs/:jobID/logs',
      operationId: 'jobLogs',
      summary: 'Stream an execution’s logs (WebSocket)',
      description:
        'Connect with `Upgrade: websocket`. Frames are JSON text messages `{"Type":1|2,"Line":"…"}` from the chosen or latest execution; without follow the stream ends with what exists now. Errors found before the upgrade are JSON answers; later ones close the socket with 4000 + status and a reason.',
      tag: 'Jobs',
      pathParams: { jobID: 'Full job id or a unique prefix of one (`j-28c08f7f`).' },
      query: LogsParams,
      response: LogFrameDocSchema,
      successStatus: 101,
      responseDescription: 'Switching Protocols: then one LogFrame per WebSocket message.',
      errors: [400, 404, 409, 503],
      handle: async (c) => {
        const id = pathId(c, 'jobID');
        const q = parseQuery(c, LogsParams);
        const target = await resolveLogTarget(store, id, { executionId: q.execution_id, follow: q.follow });
        if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
          throw new ShoalError(
            ErrorCode.BadRequest,
            'this endpoint is a WebSocket: connect with Upgrade: websocket',
            {
              component: 'Logs',
              hint: 'use `shoal job logs` or any WebSocket client (ws://host:port/api/v1/orchestrator/jobs/<id>/logs)',
            },
          );
        }
        if (!logs) {
          throw new ShoalError(ErrorCode.Unavailable, 'log streaming is not available on this server', {
            component: 'Logs',
          });
        }
        let attached: AttachedLogStream | undefined;
        const options = { follow: q.follow, tail: q.tail ?? null };
        return upgradeWebSocket(c, {
          onOpen: (_event, ws) => {
            const raw = ws.raw as { bufferedAmount?: number; terminate?: () => void } | undefined;
            const socket: LogSocket = {
              send: (text) => ws.send(text),
              close: (code, reason) => ws.close(code, reason),
              get bufferedAmount() {
                return raw?.bufferedAmount ?? 0;
              },
              terminate: () => raw?.terminate?.(),
            };
            attached = logs.attach(socket, target, options);
          },
          onClose: () => attached?.clientGone(),
          onError: () => attached?.clientGone(),
        });
      },
    },
  ];
}
