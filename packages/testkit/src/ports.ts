/** Free TCP ports, chosen by the OS. */
import { createServer } from 'node:net';

/**
 * A TCP port nobody listens on right now (bind to port 0, read it, close). Another process may take
 * it before you bind, so servers started on it should retry on EADDRINUSE (startNatsServer does).
 */
export function getFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error(`could not determine a free port on ${host}`));
      });
    });
  });
}
