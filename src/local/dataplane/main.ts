/**
 * Entry point of the data-plane process that `serin run` starts detached (ADR 0009). Arguments:
 * `--state-dir <dir> --port <port> --host <address>`; the control token comes in the environment,
 * never on the command line (argv is world-readable in /proc).
 */
import { parseArgs } from 'node:util';
import { DATAPLANE_TOKEN_ENV } from './files.js';
import { startDataplane } from './server.js';

const { values } = parseArgs({
  options: {
    'state-dir': { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});
const token = process.env[DATAPLANE_TOKEN_ENV] ?? '';
// Not passed on to anything this process might start.
Reflect.deleteProperty(process.env, DATAPLANE_TOKEN_ENV);
const stateDir = values['state-dir'];
const port = Number(values.port);
if (stateDir === undefined || !Number.isInteger(port) || token.length < 16) {
  process.stderr.write(
    `serin data plane: expected --state-dir, --port and a control token in ${DATAPLANE_TOKEN_ENV}\n`,
  );
  process.exit(2);
}
const running = await startDataplane({ stateDir, port, host: values.host, token });
process.stdout.write(
  `${new Date().toISOString()} data plane pid ${process.pid} serving ${running.record.router.address}:${running.record.router.port}\n`,
);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void running.close().then(() => process.exit(0));
  });
}
// Its parent may be gone for good (a `kill -9` of `serin run`); nothing here depends on it.
process.on('SIGHUP', () => undefined);
