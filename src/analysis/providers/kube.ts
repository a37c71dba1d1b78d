/**
 * The Kubernetes client of the providers that read through the Kubernetes API: the cluster
 * Serin works on, or (externalmetrics with an `address`) another API server reached with the
 * Secret's token, as Flagger overrides its rest config.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, loadKubeConfig } from '../../kubernetes/client.js';
import type { ProviderInput } from './types.js';
import { DEFAULT_PROVIDER_TIMEOUT_MS } from './http.js';
import { timeoutMs } from './window.js';

const CONTEXT = 'metric-provider';

/** A kubeconfig for one API server address, with the token and TLS options the provider names. */
function addressConfig(address: string, input: ProviderInput, token: string | undefined): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [
      {
        name: CONTEXT,
        server: address,
        skipTLSVerify: input.spec.insecureSkipVerify === true,
        ...(input.spec.caFile !== undefined ? { caFile: input.spec.caFile } : {}),
      },
    ],
    users: [{ name: CONTEXT, ...(token !== undefined ? { token } : {}) }],
    contexts: [{ name: CONTEXT, cluster: CONTEXT, user: CONTEXT }],
    currentContext: CONTEXT,
  });
  return config;
}

/** The cluster's kubeconfig with the user's credentials replaced by a bearer token. */
function withToken(base: KubeConfig, token: string): KubeConfig {
  const cluster = base.getCurrentCluster();
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: cluster ? [{ ...cluster, name: CONTEXT }] : [],
    users: [{ name: CONTEXT, token }],
    contexts: [{ name: CONTEXT, cluster: CONTEXT, user: CONTEXT }],
    currentContext: CONTEXT,
  });
  return config;
}

export function providerKubeClient(
  input: ProviderInput,
  options: { address?: string | undefined; token?: string | undefined } = {},
): KubeClient {
  const timeout = timeoutMs(input.spec.timeout) ?? DEFAULT_PROVIDER_TIMEOUT_MS;
  if (options.address !== undefined && options.address !== '') {
    return new KubeClient(addressConfig(options.address, input, options.token), timeout);
  }
  const base = input.kubeConfig ?? loadKubeConfig();
  return new KubeClient(options.token !== undefined ? withToken(base, options.token) : base, timeout);
}
