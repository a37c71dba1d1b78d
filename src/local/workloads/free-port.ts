import { createServer } from 'node:net';

/**
 * Asks the kernel for a free loopback port. The port is released before the caller uses it, so
 * another process could take it in between; replicas that fail to bind are restarted with a
 * fresh port by the supervisor.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}
