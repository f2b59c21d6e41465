import type { IncomingMessage } from 'node:http';
import type Docker from 'dockerode';
import { asCallError } from './calls.js';

/**
 * `POST /containers/{id}/wait?condition=…`, resolved in two steps. dockerode's `wait()` sent
 * before `start()` can answer at once with 0 for a container that has not run yet; Docker sends
 * the response headers as soon as the wait is registered, so `watchExit` resolves then, and a
 * start issued afterwards cannot win the race. `exited` resolves with the exit status; it rejects
 * when the connection breaks (the daemon went away): never a made-up exit code.
 */

export interface ExitStatus {
  StatusCode: number;
  Error?: { Message?: string } | null;
}

export interface ExitWatch {
  exited: Promise<ExitStatus>;
}

export function watchExit(
  container: Docker.Container,
  condition: 'next-exit' | 'not-running',
  o: { callTimeoutMs: number; signal: AbortSignal },
): Promise<ExitWatch> {
  const modem = (container as unknown as { modem: Docker['modem'] }).modem;
  const controller = new AbortController();
  const stop = () => controller.abort(o.signal.reason);
  if (o.signal.aborted) stop();
  o.signal.addEventListener('abort', stop, { once: true });
  const timer = setTimeout(() => controller.abort(new Error('timeout')), o.callTimeoutMs);
  const done = () => {
    clearTimeout(timer);
    o.signal.removeEventListener('abort', stop);
  };
  return new Promise((registered, failed) => {
    modem.dial(
      {
        path: `/containers/${container.id}/wait?`,
        method: 'POST',
        options: { condition },
        abortSignal: controller.signal,
        isStream: true,
        statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such container', 500: 'server error' },
      },
      (error: unknown, response: unknown) => {
        clearTimeout(timer);
        if (error) {
          done();
          const timedOut = controller.signal.aborted && !o.signal.aborted;
          return failed(asCallError('wait', o.callTimeoutMs, error, timedOut));
        }
        const exited = readStatus(response as IncomingMessage).finally(done);
        // Nobody may be listening any more when a released watch breaks: that is not an error.
        exited.catch(() => undefined);
        registered({ exited });
      },
    );
  });
}

function readStatus(body: IncomingMessage): Promise<ExitStatus> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    body.on('data', (chunk: Buffer) => chunks.push(chunk));
    body.once('error', (error) => reject(asCallError('wait', 0, error, false)));
    body.once('aborted', () => reject(new Error('docker wait: the connection to the daemon broke')));
    body.once('end', () => {
      try {
        const status = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<ExitStatus>;
        if (typeof status.StatusCode !== 'number') throw new Error('no StatusCode');
        resolve(status as ExitStatus);
      } catch {
        // An empty or garbled body is a broken connection, not an exit: never guess a code.
        reject(new Error('docker wait: the daemon ended the wait without an exit status'));
      }
    });
  });
}
