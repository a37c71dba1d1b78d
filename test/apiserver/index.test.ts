// client-node's models are classes, but its API takes and returns plain JSON; the tests build bodies as literals.
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment */
import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { startTestApiServer, useCluster, writeKubeconfig } from './index.js';
import { kubectl } from './testing.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('useCluster', () => {
  it('starts a test API server when KUBECONFIG is not set, with a kubeconfig file kubectl can use', async () => {
    vi.stubEnv('KUBECONFIG', '');
    const cluster = await useCluster({ bookmarkIntervalMs: 0 });
    try {
      expect(cluster.real).toBe(false);
      expect(cluster.server).toBeDefined();
      expect(readFileSync(cluster.kubeconfigPath, 'utf8')).toContain(cluster.server!.url);
      const namespaces = await cluster.kubeConfig.makeApiClient(CoreV1Api).listNamespace();
      expect(namespaces.items.map((item) => item.metadata?.name)).toContain('default');
      const result = await kubectl(cluster.kubeconfigPath, ['get', 'namespace', 'default', '-o', 'name']);
      expect(result.stdout).toBe('namespace/default\n');
    } finally {
      await cluster.stop();
    }
  });

  it('uses the cluster KUBECONFIG names when it is set', async () => {
    const elsewhere = await startTestApiServer({ standardCrds: false });
    const kubeconfig = writeKubeconfig(elsewhere);
    try {
      vi.stubEnv('KUBECONFIG', kubeconfig);
      const cluster = await useCluster();
      expect(cluster.real).toBe(true);
      expect(cluster.server).toBeUndefined();
      await cluster.kubeConfig
        .makeApiClient(CoreV1Api)
        .createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'via-kubeconfig' } } });
      expect(elsewhere.store.get('/configmaps', 'default', 'via-kubeconfig')).toBeDefined();
      await cluster.stop();
    } finally {
      await elsewhere.stop();
      rmSync(dirname(kubeconfig), { recursive: true, force: true });
    }
  });
});
