/**
 * The cluster dashboard backend over a real controller: on the test API server (its pod simulator
 * plays the kubelet, pod logs included), or on the cluster KUBECONFIG names.
 */
import { KubeClient } from '../../src/kubernetes/client.js';
import { createKubernetesDashboardBackend } from '../../src/kubernetes/dashboard-backend.js';
import { Resources } from '../../src/kubernetes/resources.js';
import {
  canary,
  createNamespace,
  deployment,
  setImage,
  startController,
  useCluster,
  waitForPhase,
} from '../kubernetes/support.js';
import { describeBackendContract } from './contract.js';

describeBackendContract('Kubernetes', async () => {
  const cluster = await useCluster({ deployments: { pods: true } });
  const client = new KubeClient(cluster.kubeConfig);
  const ns = await createNamespace(client, 'contract');
  const controller = await startController(cluster, { namespace: ns });
  await client.create(Resources.deployment, deployment(ns, 'web', { replicas: 1 }));
  await client.create(
    Resources.serinCanary,
    canary(
      ns,
      'web',
      {},
      {
        stepWeight: 10,
        maxWeight: 50,
        webhooks: [{ name: 'approve', type: 'confirm-promotion', url: 'http://127.0.0.1:1/gate' }],
      },
    ),
  );
  await waitForPhase(client, ns, 'web', 'Initialized', 90_000);
  await setImage(client, ns, 'web', 'ghcr.io/stefanprodan/podinfo:6.0.1');
  const backend = createKubernetesDashboardBackend(cluster.kubeConfig, { namespace: ns });
  await backend.ready();
  return {
    backend,
    ref: { namespace: ns, name: 'web' },
    gate: 'approve',
    pass: () => Promise.resolve(),
    close: async () => {
      await backend.close();
      await controller.stop();
      await cluster.stop();
    },
  };
});
