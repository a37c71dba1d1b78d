/**
 * The Kubernetes external metrics API (`external.metrics.k8s.io/v1beta1`), as Flagger queries
 * it: the query is `<namespace>/<metricName>?labelSelector=<url-encoded selector>` (namespace
 * `default` when left out), read through the cluster's API server (an aggregated API: KEDA,
 * the Datadog cluster agent, prometheus-adapter serve it), or through `address` with the
 * Secret's optional `token`. The value is the first item's quantity; no item is no data.
 */
import { z } from 'zod';
import { ApiError } from '../../kubernetes/client.js';
import { parseAnswer } from './answer.js';
import { ProviderError } from './http.js';
import { providerKubeClient } from './kube.js';
import { quantityValue } from './quantity.js';
import { NoDataError, type MetricProvider, type ProviderFactory } from './types.js';

const GROUP_VERSION = '/apis/external.metrics.k8s.io/v1beta1';
const FORMAT = '<namespace>/<metricName>?labelSelector=<urlencoded label selectors>';

const ValueList = z.object({
  kind: z.literal('ExternalMetricValueList', { error: 'expected kind ExternalMetricValueList' }),
  items: z.array(z.object({ metricName: z.string(), value: z.string() })).default([]),
});

export interface ExternalMetricQuery {
  namespace: string;
  metricName: string;
  labelSelector: string | undefined;
}

/** Flagger's query form; surrounding whitespace (a `query: |` block's newline) is dropped. */
export function parseExternalMetricQuery(query: string): ExternalMetricQuery {
  let url: URL;
  try {
    url = new URL(`dummy:///${query.trim()}`);
  } catch {
    throw new ProviderError(`query: expected ${FORMAT}, got "${query}"`);
  }
  const parts = decodeURIComponent(url.pathname.replace(/^\/+/, '')).split('/');
  if (parts.length > 2)
    throw new ProviderError(`query: too many slashes: expected ${FORMAT}, got "${query}"`);
  const [first = '', second] = parts;
  const namespace = second === undefined || first === '' ? 'default' : first;
  const metricName = second ?? first;
  if (metricName === '') throw new ProviderError(`query: the metric name is empty: expected ${FORMAT}`);
  for (const key of url.searchParams.keys()) {
    if (key !== 'labelSelector')
      throw new ProviderError(`query: unknown parameter "${key}": expected ${FORMAT}`);
  }
  const selector = url.searchParams.get('labelSelector');
  return {
    namespace,
    metricName,
    labelSelector: selector === null || selector === '' ? undefined : selector,
  };
}

export const createExternalMetricsProvider: ProviderFactory = (input) => {
  const token = input.credentials?.token;
  const client = providerKubeClient(input, {
    address: input.spec.address,
    token: token === undefined || token === '' ? undefined : token,
  });
  const provider: MetricProvider = {
    type: 'externalmetrics',
    async queryValue(query) {
      const { namespace, metricName, labelSelector } = parseExternalMetricQuery(query);
      const path = `${GROUP_VERSION}/namespaces/${encodeURIComponent(namespace)}/${encodeURIComponent(metricName)}`;
      let body: unknown;
      try {
        body = await client.request('GET', path, { query: { labelSelector } });
      } catch (error) {
        const status = error instanceof ApiError ? `HTTP ${String(error.code)}: ` : '';
        throw new ProviderError(`externalmetrics: GET ${path} failed: ${status}${(error as Error).message}`);
      }
      const list = parseAnswer('externalmetrics', 'an ExternalMetricValueList', ValueList, body);
      const first = list.items[0];
      if (first === undefined)
        throw new NoDataError(
          `no external metric ${metricName} in namespace ${namespace}${labelSelector === undefined ? '' : ` matching ${labelSelector}`}`,
        );
      return quantityValue(first.value, 'items[0].value');
    },
    close: () => Promise.resolve(),
  };
  return provider;
};
