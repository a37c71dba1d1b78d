/**
 * Runs Serin's router alone in its own process for the benchmark: a 90/10 VirtualService split
 * over two upstream ports given on the command line. Prints `LISTENING <port>` when ready.
 */
import { createRouter } from '../../src/local/router/index.js';

const [v1, v2] = process.argv.slice(2).map(Number);
if (v1 === undefined || v2 === undefined || !Number.isInteger(v1) || !Number.isInteger(v2)) {
  console.error('usage: serin-router.ts <v1-port> <v2-port>');
  process.exit(2);
}

const endpoint = (port: number, version: string) => ({
  address: '127.0.0.1',
  port,
  workload: `reviews-${version}`,
  labels: { app: 'reviews', version },
});

const router = createRouter(
  {
    services: [{ name: 'reviews', namespace: 'bench', endpoints: [endpoint(v1, 'v1'), endpoint(v2, 'v2')] }],
    destinationRules: [
      {
        name: 'reviews',
        namespace: 'bench',
        spec: {
          host: 'reviews',
          subsets: [
            { name: 'v1', labels: { version: 'v1' } },
            { name: 'v2', labels: { version: 'v2' } },
          ],
        },
      },
    ],
    virtualServices: [
      {
        name: 'reviews',
        namespace: 'bench',
        spec: {
          hosts: ['*'],
          http: [
            {
              route: [
                { destination: { host: 'reviews', subset: 'v1' }, weight: 90 },
                { destination: { host: 'reviews', subset: 'v2' }, weight: 10 },
              ],
            },
          ],
        },
      },
    ],
  },
  { identity: { namespace: 'bench' } },
);

const { port } = await router.listen(0, '127.0.0.1');
console.log(`LISTENING ${port}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void router.close().then(() => process.exit(0));
  });
}
