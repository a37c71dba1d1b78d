import { parseDuration } from '../../api/common.js';
import { PrometheusClient, type PrometheusAuth } from '../prometheus/client.js';
import type { SecretData } from '../secrets.js';
import { NoDataError, type MetricProvider, type ProviderFactory } from './types.js';

/** Flagger's Secret keys: `token` (bearer), or `username` and `password` (basic). */
export function prometheusAuth(credentials: SecretData | undefined): PrometheusAuth | undefined {
  if (credentials === undefined) return undefined;
  if (credentials.token !== undefined && credentials.token !== '')
    return { type: 'bearer', token: credentials.token };
  if (credentials.username !== undefined && credentials.password !== undefined) {
    return { type: 'basic', username: credentials.username, password: credentials.password };
  }
  return undefined;
}

function describeLabels(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}}`;
}

/** Prometheus answers with exactly one value or this is an error that names the query. */
export class PrometheusProvider implements MetricProvider {
  readonly type = 'prometheus' as const;

  constructor(private readonly client: PrometheusClient) {}

  async queryValue(query: string, time?: Date): Promise<number> {
    const result = await this.client.query(query, time);
    let value: number;
    if (result.type === 'scalar') value = result.value;
    else if (result.type === 'string') {
      throw new Error(`query "${query}" returned a string; expected a number`);
    } else {
      const [first, second] = result.samples;
      if (first === undefined)
        throw new NoDataError(`no values found for query "${query}" (is the workload receiving traffic?)`);
      if (second !== undefined) {
        const shown = result.samples.slice(0, 3).map((s) => describeLabels(s.labels));
        throw new Error(
          `query "${query}" returned ${result.samples.length} series (${shown.join(', ')}${result.samples.length > 3 ? ', …' : ''}); expected one: aggregate it, e.g. with sum()`,
        );
      }
      value = first.value;
    }
    if (Number.isNaN(value))
      throw new NoDataError(`query "${query}" returned NaN (no traffic in the interval?)`);
    return value;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export const createPrometheusProvider: ProviderFactory = ({ spec, credentials }) => {
  if (spec.address === undefined || spec.address === '') {
    throw new Error(
      'provider.address: expected the Prometheus URL, e.g. http://prometheus.istio-system:9090',
    );
  }
  const auth = prometheusAuth(credentials);
  const headers: Record<string, string | string[]> = {};
  for (const [name, values] of Object.entries(spec.headers ?? {})) headers[name] = values;
  return new PrometheusProvider(
    new PrometheusClient({
      address: spec.address,
      auth,
      headers,
      caFile: spec.caFile,
      insecureSkipVerify: spec.insecureSkipVerify,
      timeoutMs: spec.timeout === undefined ? undefined : parseDuration(spec.timeout),
    }),
  );
};
