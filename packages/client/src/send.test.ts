import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode } from '@shoal/models';
import { afterEach, describe, expect, it } from 'vitest';
import { ShoalClient } from './client.js';
import { ApiConnectionError } from './errors.js';
import { failure } from './testing/failure.js';

/** The client's own HTTP exchange (send.ts) against local servers that misbehave on purpose. */

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((done) => s.close(done));
  }
});

async function serve(
  handle: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => handle(req, res, body));
  });
  servers.push(server);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the client over node:http', () => {
  it('sends a body with its length and reads a long answer whole', async () => {
    const seen: Array<{ method?: string; length?: string; type?: string; body: string }> = [];
    const warnings = Array.from({ length: 2000 }, (_, i) => `warning number ${i} of a long answer`);
    const url = await serve((req, res, body) => {
      seen.push({
        method: req.method,
        length: req.headers['content-length'],
        type: req.headers['content-type'],
        body,
      });
      const answer = JSON.stringify({ JobID: 'j-1', EvaluationID: 'e-1', Warnings: warnings });
      // Written in pieces, so the answer arrives in several chunks.
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(answer.slice(0, 1000));
      res.end(answer.slice(1000));
    });
    const answer = await new ShoalClient({ apiUrl: url }).jobs.submit({ Name: 'ü' });
    expect(answer.Warnings).toEqual(warnings);
    expect(seen).toEqual([
      {
        method: 'PUT',
        length: String(Buffer.byteLength('{"Job":{"Name":"ü"}}')),
        type: 'application/json',
        body: '{"Job":{"Name":"ü"}}',
      },
    ]);
  });

  it('gives up after its timeout, before the answer and in the middle of it', async () => {
    const silent = await serve(() => {});
    const client = new ShoalClient({ apiUrl: silent, timeoutMs: 200 });
    const before = await failure(client.agent.alive());
    expect(before).toBeInstanceOf(ApiConnectionError);
    expect(before.message).toBe(`cannot reach the Shoal API at ${silent}: no answer within 0.2s`);
    const stalled = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      res.write('{"Status":');
    });
    const during = await failure(new ShoalClient({ apiUrl: stalled, timeoutMs: 200 }).agent.alive());
    expect(during.message).toBe(`cannot reach the Shoal API at ${stalled}: no answer within 0.2s`);
  });

  it('calls an answer cut off by a closed connection a reset, not a contract problem', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      res.write('{"Status":', () => res.socket?.destroy());
    });
    const error = await failure(new ShoalClient({ apiUrl: url }).agent.alive());
    expect(error.code).toBe(ErrorCode.Unavailable);
    expect(error.message).toBe(`cannot reach the Shoal API at ${url}: connection reset`);
  });

  it('goes through a fetch function instead when one is given', async () => {
    const url = await serve((_req, res) => res.writeHead(200).end('{"Status":"OK"}'));
    const fetched: string[] = [];
    const client = new ShoalClient({
      apiUrl: url,
      fetch: (input, init) => {
        fetched.push(String(input));
        return fetch(input, init);
      },
    });
    expect(await client.agent.alive()).toEqual({ Status: 'OK' });
    expect(fetched).toEqual([`${url}/api/v1/agent/alive`]);
  });
});
