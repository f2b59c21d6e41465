import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { choosePort, freePort, isPortFree } from './ports.js';

const servers: Server[] = [];
async function occupy(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((done) => server.listen({ host: '127.0.0.1', port: 0 }, done));
  return (server.address() as { port: number }).port;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

describe('choosePort', () => {
  it('keeps a free preferred port', async () => {
    const port = await freePort('127.0.0.1');
    expect(await choosePort('127.0.0.1', port)).toEqual({ port, replaced: false });
  });

  it('replaces a taken port with a free one and says so', async () => {
    const taken = await occupy();
    expect(await isPortFree('127.0.0.1', taken)).toBe(false);
    const choice = await choosePort('127.0.0.1', taken);
    expect(choice.replaced).toBe(true);
    expect(choice.port).not.toBe(taken);
    expect(await isPortFree('127.0.0.1', choice.port)).toBe(true);
  });

  it('picks any free port for 0 without calling it a replacement', async () => {
    const choice = await choosePort('127.0.0.1', 0);
    expect(choice.replaced).toBe(false);
    expect(choice.port).toBeGreaterThan(0);
  });
});
