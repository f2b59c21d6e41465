import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, jobBody, openHarness } from './test-support.js';

/** The real server path: @hono/node-server on a random port, spoken to with fetch. */

let h: Harness;
let server: ReturnType<typeof serve>;
let base: string;

beforeAll(async () => {
  h = await openHarness();
  server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', resolve)));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/orchestrator/jobs`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await h.close();
});

const ELEVEN_MB = 11 * 1024 * 1024;

describe('over a real socket', () => {
  it('submits a job and echoes the request id', async () => {
    const response = await fetch(base, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', 'X-Request-ID': 'wire-1' },
      body: jobBody(),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('wire-1');
    expect((await response.json()) as object).toHaveProperty('JobID');
  });

  it('refuses an 11 MB body with 413 (declared length)', async () => {
    const response = await fetch(base, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: `{"Job":"${'x'.repeat(ELEVEN_MB)}"}`,
    });
    expect(response.status).toBe(413);
    // The unread rest of the upload is dropped with the connection, so the client must not reuse it.
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toMatchObject({ Code: 'PayloadTooLarge', Status: 413 });
  });

  it('refuses an 11 MB chunked body with 413, cutting it off at the limit', async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= ELEVEN_MB) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(base, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ Code: 'PayloadTooLarge' });
  });

  it('refuses a non-JSON Content-Type with 415', async () => {
    const response = await fetch(base, {
      method: 'PUT',
      headers: { 'Content-Type': 'text/yaml' },
      body: 'Job: {}',
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ Code: 'UnsupportedMediaType' });
  });

  it('keeps serving after refusing bodies', async () => {
    const response = await fetch(`${base}?limit=1`);
    expect(response.status).toBe(200);
  });
});
