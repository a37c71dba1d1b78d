/**
 * Serves the dashboard over a simulated rollout that advances every few seconds, for working on
 * the UI by hand: `npx tsx src/dashboard/testing/preview.ts [port] [token]`.
 */
import { createDashboardServer } from '../server.js';
import { sampleCanary } from './fixtures.js';
import { simulateRollout } from './rollout.js';

const [portArg, token] = process.argv.slice(2);
const rollout = simulateRollout({ startMs: Date.now() - 60_000 });
rollout.backend.record(sampleCanary('checkout', 'shop'), {
  phase: 'Succeeded',
  canaryWeight: 0,
  lastAppliedSpec: '3b1e0c9d77',
  decisions: [
    { time: new Date().toISOString(), phase: 'Succeeded', action: 'promote', reason: 'promotion completed' },
  ],
});
const server = await createDashboardServer({
  backend: rollout.backend,
  port: Number(portArg ?? 8090),
  ...(token ? { token } : {}),
  log: (line) => {
    process.stdout.write(`${line}\n`);
  },
});
process.stdout.write(`dashboard on ${server.url}\n`);
setInterval(() => {
  rollout.step();
}, 3000);
