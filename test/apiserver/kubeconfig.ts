import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

export interface ClusterEndpoint {
  url: string;
  token?: string | undefined;
}

const CONTEXT = 'serin-test';

function kubeconfigDocument(endpoint: ClusterEndpoint, namespace: string) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT, cluster: { server: endpoint.url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: CONTEXT, user: endpoint.token === undefined ? {} : { token: endpoint.token } }],
    contexts: [{ name: CONTEXT, context: { cluster: CONTEXT, user: CONTEXT, namespace } }],
    'current-context': CONTEXT,
    preferences: {},
  };
}

/**
 * Writes a kubeconfig for the server to a new temporary file and returns its path, for kubectl
 * (`--kubeconfig` or `KUBECONFIG=`) and for child processes.
 */
export function writeKubeconfig(
  endpoint: ClusterEndpoint,
  options: { path?: string; namespace?: string } = {},
): string {
  const path = options.path ?? join(mkdtempSync(join(tmpdir(), 'serin-kubeconfig-')), 'config');
  writeFileSync(path, stringify(kubeconfigDocument(endpoint, options.namespace ?? 'default')), {
    mode: 0o600,
  });
  return path;
}

/**
 * A client-node KubeConfig for the server. `skipTLSVerify` is required: client-node refuses plain
 * http otherwise ("HTTP protocol is not allowed when skipTLSVerify is not set or false").
 */
export function kubeConfigFor(endpoint: ClusterEndpoint, namespace = 'default'): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: CONTEXT, server: endpoint.url, skipTLSVerify: true }],
    users: [{ name: CONTEXT, ...(endpoint.token === undefined ? {} : { token: endpoint.token }) }],
    contexts: [{ name: CONTEXT, cluster: CONTEXT, user: CONTEXT, namespace }],
    currentContext: CONTEXT,
  });
  return config;
}
