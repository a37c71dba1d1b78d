import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

import { kubeConfigFor, writeKubeconfig } from './kubeconfig.js';
import { TestApiServer, type TestApiServerOptions } from './server.js';

export { TestApiServer, type TestApiServerOptions, type RequestRecord } from './server.js';
export { kubeConfigFor, writeKubeconfig } from './kubeconfig.js';
export type { RolloutBehaviour } from './deployment-simulator.js';

/** Starts a test API server on 127.0.0.1 with a free port. Call `stop()` when done. */
export async function startTestApiServer(options: TestApiServerOptions = {}): Promise<TestApiServer> {
  return new TestApiServer(options).start();
}

export interface Cluster {
  kubeConfig: KubeConfig;
  /** Path of a kubeconfig file for kubectl and child processes. */
  kubeconfigPath: string;
  /** The test API server, or undefined when the suite runs against a real cluster. */
  server: TestApiServer | undefined;
  /** True when KUBECONFIG pointed at a real cluster. */
  real: boolean;
  stop(): Promise<void>;
}

/**
 * The cluster a suite runs against: the real one named by `KUBECONFIG` when that is set,
 * otherwise a fresh test API server. Suites that need fault injection check `server`.
 */
export async function useCluster(options: TestApiServerOptions = {}): Promise<Cluster> {
  const path = process.env.KUBECONFIG;
  if (path !== undefined && path !== '') {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(path.split(':')[0] ?? path);
    return { kubeConfig, kubeconfigPath: path, server: undefined, real: true, stop: () => Promise.resolve() };
  }
  const server = await startTestApiServer(options);
  const endpoint = { url: server.url, token: server.token };
  const kubeconfigPath = writeKubeconfig(endpoint);
  return {
    kubeConfig: kubeConfigFor(endpoint),
    kubeconfigPath,
    server,
    real: false,
    stop: async () => {
      await server.stop();
      rmSync(dirname(kubeconfigPath), { recursive: true, force: true });
    },
  };
}
