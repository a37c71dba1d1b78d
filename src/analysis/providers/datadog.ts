/**
 * Datadog's metrics query API (`GET /api/v1/query`), as Flagger queries it: the API and
 * application keys from the Secret (`datadog_api_key`, `datadog_application_key`) in the
 * `DD-API-KEY` and `DD-APPLICATION-KEY` headers, a window of ten metric intervals ending now, and
 * the first point of the first series. A null point or an empty answer is no data.
 */
import { z } from 'zod';
import { endpoint, providerAddress, ProviderError, ProviderHttp, requiredCredential } from './http.js';
import { NoDataError, type MetricProvider, type ProviderFactory } from './types.js';
import { intervalMs, timeoutMs } from './window.js';

const DEFAULT_ADDRESS = 'https://api.datadoghq.com';
const WINDOW_INTERVALS = 10;

const Response = z.object({
  series: z.array(z.object({ pointlist: z.array(z.array(z.number().nullable())) })).default([]),
});

export const createDatadogProvider: ProviderFactory = ({ spec, credentials, interval }) => {
  const base = providerAddress('datadog', spec.address, DEFAULT_ADDRESS);
  const apiKey = requiredCredential('datadog', credentials, 'datadog_api_key');
  const applicationKey = requiredCredential('datadog', credentials, 'datadog_application_key');
  const windowSeconds = Math.floor((WINDOW_INTERVALS * intervalMs('datadog', interval)) / 1000);
  const http = new ProviderHttp('datadog', { ...spec, timeoutMs: timeoutMs(spec.timeout) });
  const provider: MetricProvider = {
    type: 'datadog',
    async queryValue(query, time) {
      const to = Math.floor((time ?? new Date()).getTime() / 1000);
      const url = endpoint(base, '/api/v1/query', {
        query,
        from: String(to - windowSeconds),
        to: String(to),
      });
      const body = await http.json(url, {
        headers: { accept: 'application/json', 'dd-api-key': apiKey, 'dd-application-key': applicationKey },
      });
      const parsed = Response.safeParse(body);
      if (!parsed.success) throw new ProviderError(`datadog answered JSON that is not a query response`);
      const value = parsed.data.series[0]?.pointlist[0]?.[1];
      if (value === undefined || value === null)
        throw new NoDataError(`no values found for query "${query}"`);
      return value;
    },
    close: () => http.close(),
  };
  return provider;
};
