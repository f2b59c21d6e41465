import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, isShoalError } from '@shoal/models';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { ShoalClient } from './client.js';
import { type LogFrame, parseLogFrame } from './logs.js';

/**
 * The log stream consumer against a local WebSocket server that speaks the contract
 * (`{"Type":1|2,"Line":"…"}` text frames, then a close). The real endpoint's test lives with it.
 */

interface Upgrade {
  url: string;
  headers: IncomingMessage['headers'];
}

async function logServer(
  talk: (socket: WebSocket, url: URL) => void | Promise<void>,
  refuse?: (url: URL) => { status: number; body: string } | undefined,
): Promise<{ url: string; upgrades: Upgrade[]; server: Server }> {
  const upgrades: Upgrade[] = [];
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    upgrades.push({ url: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://x');
    const refusal = refuse?.(url);
    if (refusal) {
      socket.end(
        `HTTP/1.1 ${refusal.status} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(refusal.body)}\r\nConnection: close\r\n\r\n${refusal.body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => void talk(ws, url));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  server.on('close', () => wss.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, upgrades, server };
}

async function collect(stream: AsyncIterable<LogFrame>): Promise<{ frames: LogFrame[]; error?: unknown }> {
  const frames: LogFrame[] = [];
  try {
    for await (const frame of stream) frames.push(frame);
    return { frames };
  } catch (error) {
    return { frames, error };
  }
}

const frame = (Type: 1 | 2, Line: string) => JSON.stringify({ Type, Line });

describe('job log streams', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((done) => s.close(done));
    }
  });

  it('yields stdout and stderr lines in order, asking for follow, tail and the execution', async () => {
    const srv = await logServer((ws) => {
      ws.send(frame(1, 'out 1'));
      ws.send(frame(2, 'err 1'));
      ws.send(frame(1, 'out 2'));
      ws.close(1000);
    });
    servers.push(srv.server);
    const client = new ShoalClient({ apiUrl: srv.url, token: 'tok' });
    const { frames, error } = await collect(
      client.jobs.logs('j-1234', { follow: true, tail: 5, executionId: 'e-42' }),
    );
    expect(error).toBeUndefined();
    expect(frames).toEqual([
      { Type: 1, Line: 'out 1' },
      { Type: 2, Line: 'err 1' },
      { Type: 1, Line: 'out 2' },
    ]);
    expect(srv.upgrades[0]?.url).toBe(
      '/api/v1/orchestrator/jobs/j-1234/logs?follow=true&tail=5&execution_id=e-42',
    );
    expect(srv.upgrades[0]?.headers.authorization).toBe('Bearer tok');
  });

  it('turns a refused upgrade into the server’s error', async () => {
    const body = JSON.stringify({
      Status: 404,
      Message: 'job not found: j-nope',
      RequestID: 'r',
      Code: 'NotFound',
      Component: 'JobStore',
    });
    const srv = await logServer(
      () => undefined,
      () => ({ status: 404, body }),
    );
    servers.push(srv.server);
    const { frames, error } = await collect(new ShoalClient({ apiUrl: srv.url }).jobs.logs('j-nope'));
    expect(frames).toEqual([]);
    expect(isShoalError(error) && [error.code, error.message]).toEqual([
      ErrorCode.NotFound,
      'job not found: j-nope',
    ]);
  });

  it('fails on a malformed frame and on a lost connection, after the lines before them', async () => {
    const srv = await logServer((ws, url) => {
      ws.send(frame(1, 'fine'));
      if (url.searchParams.get('execution_id') === 'bad') ws.send('{"Type":3,"Line":"?"}');
      else ws.terminate();
    });
    servers.push(srv.server);
    const client = new ShoalClient({ apiUrl: srv.url });
    const bad = await collect(client.jobs.logs('j-1', { executionId: 'bad' }));
    expect(bad.frames).toEqual([{ Type: 1, Line: 'fine' }]);
    expect(isShoalError(bad.error) && bad.error.message).toMatch(
      /^malformed log frame from GET .*: \{"Type":3/,
    );
    const lost = await collect(client.jobs.logs('j-1', { executionId: 'lost' }));
    expect(lost.frames).toEqual([{ Type: 1, Line: 'fine' }]);
    expect(isShoalError(lost.error) && [lost.error.code, lost.error.message]).toEqual([
      ErrorCode.Unavailable,
      'log stream ended: the connection was lost',
    ]);
  });

  it('delivers a burst larger than its buffer, and ends quietly when aborted', async () => {
    const lines = 5000;
    const srv = await logServer((ws, url) => {
      if (url.searchParams.get('follow') === 'true') {
        ws.send(frame(1, 'first'));
        return; // never closes: the client aborts
      }
      for (let i = 0; i < lines; i += 1) ws.send(frame(1, `line ${i}`));
      ws.close(1000);
    });
    servers.push(srv.server);
    const client = new ShoalClient({ apiUrl: srv.url });
    let seen = 0;
    for await (const f of client.jobs.logs('j-1')) {
      expect(f.Line).toBe(`line ${seen}`);
      seen += 1;
      // A slow reader: the socket is paused above the high-water mark and resumed below it.
      if (seen % 500 === 0) await new Promise<void>((r) => setImmediate(r));
    }
    expect(seen).toBe(lines);

    const abort = new AbortController();
    const followed: string[] = [];
    for await (const f of client.jobs.logs('j-1', { follow: true, signal: abort.signal })) {
      followed.push(f.Line);
      abort.abort();
    }
    expect(followed).toEqual(['first']);
  });

  it('parses frames strictly', () => {
    expect(parseLogFrame('{"Type":2,"Line":"x"}')).toEqual({ Type: 2, Line: 'x' });
    expect(parseLogFrame('{"Type":2,"Line":"x","Time":1695883778909107178}')).toEqual({ Type: 2, Line: 'x' });
    expect(parseLogFrame('{"Type":"1","Line":"x"}')).toBeUndefined();
    expect(parseLogFrame('{"Type":1}')).toBeUndefined();
    expect(parseLogFrame('null')).toBeUndefined();
    expect(parseLogFrame('not json')).toBeUndefined();
  });
});
