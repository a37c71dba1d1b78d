/** The scripted rollout behind the browser tests answers the contract like the real platforms. */
import { simulateRollout } from '../../src/dashboard/testing/rollout.js';
import { describeBackendContract } from './contract.js';

describeBackendContract("the browser tests' simulated rollout", () => {
  const rollout = simulateRollout({ startMs: Date.now() - 60_000 });
  return Promise.resolve({
    backend: rollout.backend,
    ref: rollout.ref,
    gate: 'approve-promotion',
    pass: () => {
      rollout.step();
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  });
});
