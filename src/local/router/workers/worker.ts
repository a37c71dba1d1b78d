/**
 * Entry point of one router worker, forked by `createRouterWorkers` through node:cluster: it
 * serves the data-plane port the primary shares between its workers, applies every configuration
 * the primary sends (acknowledging each by version) and reports its telemetry's cumulative series.
 */
import cluster from 'node:cluster';
import { createRouter, routerIdentity, type Router } from '../router.js';
import { RouterTelemetry } from '../telemetry.js';
import { changedSeries } from './tally.js';
import type { FromWorker, ToWorker } from './protocol.js';

/** How often changed series are reported without being asked. */
const REPORT_EVERY_MS = 100;

if (!cluster.isWorker) {
  process.stderr.write('serin router worker: started outside a cluster primary\n');
  process.exit(2);
}

let router: Router | undefined;
let telemetry: RouterTelemetry | undefined;
const sent: number[] = [];

/** Sends to the primary; resolves once the message is handed to the channel. */
const send = (message: FromWorker): Promise<void> =>
  new Promise((done) => {
    if (!process.connected || process.send === undefined) {
      done();
      return;
    }
    process.send(message, undefined, {}, () => {
      done();
    });
  });

const report = (): Promise<void> => {
  if (telemetry === undefined) return Promise.resolve();
  const series = changedSeries(telemetry.exportSeries(), sent);
  return series.length > 0 ? send({ type: 'telemetry', series }) : Promise.resolve();
};

const timer = setInterval(() => void report(), REPORT_EVERY_MS);

async function close(): Promise<void> {
  clearInterval(timer);
  await router?.close();
  // The last requests' counts go out before the channel closes.
  await report();
  process.disconnect();
}

process.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'init': {
      telemetry = new RouterTelemetry(routerIdentity(message.options));
      try {
        router = createRouter(message.config, message.options, telemetry);
      } catch (error) {
        void send({ type: 'failed', error: (error as Error).message });
        return;
      }
      void send({ type: 'applied', version: message.version });
      router.listen(message.port, message.host).then(
        () => {
          void send({ type: 'listening' });
        },
        (error: unknown) => {
          const { message: text, code } = error as NodeJS.ErrnoException;
          void send({ type: 'failed', error: text, ...(code === undefined ? {} : { code }) });
        },
      );
      return;
    }
    case 'config':
      // The primary compiled it first: a worker that cannot apply it must not serve the old one.
      try {
        router?.update(message.config);
      } catch (error) {
        process.stderr.write(
          `serin router worker: configuration ${message.version}: ${(error as Error).message}\n`,
        );
        process.exit(1);
      }
      void send({ type: 'applied', version: message.version });
      return;
    case 'flush':
      void send({
        type: 'flushed',
        id: message.id,
        series: telemetry === undefined ? [] : changedSeries(telemetry.exportSeries(), sent),
      });
      return;
    case 'close':
      void close();
      return;
  }
});
void send({ type: 'ready' });
// The primary owns this worker's life; a terminal's Ctrl-C reaches the primary, which stops it.
process.on('SIGINT', () => undefined);
