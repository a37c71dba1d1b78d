/** Local mode's dashboard backend (the one `serin run` serves), over real processes and router. */
import { canaryDoc, demoWorkload, phaseIs, startLocal, until } from '../local/support.js';
import { describeBackendContract } from './contract.js';

const NAME = 'web';

describeBackendContract('local mode', async () => {
  const local = await startLocal(
    demoWorkload(NAME, 'v1'),
    canaryDoc(NAME, {
      stepWeight: 10,
      maxWeight: 50,
      webhooks: [{ name: 'approve', type: 'confirm-promotion', url: 'http://127.0.0.1:1/gate' }],
    }),
  );
  await until('the primary initialized', phaseIs(local, 'Initialized'));
  await local.apply(demoWorkload(NAME, 'v2'));
  return {
    backend: local.session.runtime.backend,
    ref: { namespace: 'default', name: NAME },
    gate: 'approve',
    pass: () => Promise.resolve(),
    close: () => local.close(),
  };
});
