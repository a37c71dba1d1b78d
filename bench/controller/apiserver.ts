/** The test API server in its own process, so the benchmark measures the controller's memory alone. */
import { startTestApiServer } from '../../test/apiserver/index.js';

const server = await startTestApiServer({
  historyLimit: 200_000,
  bookmarkIntervalMs: 0,
  deployments: { readyDelayMs: 10 },
});
process.stdout.write(`${server.url}\n`);
process.on('SIGTERM', () => {
  void server.stop().then(() => process.exit(0));
});
