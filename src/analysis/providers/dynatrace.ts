/**
 * Dynatrace's metrics API v2 (`GET /api/v2/metrics/query`), as Flagger queries it: the token from
 * the Secret (`dynatrace_token`) as `Authorization: Api-Token …`, the query as `metricSelector`,
 * `resolution=Inf` over a window of ten metric intervals ending now, and the first value of the
 * last data series. An empty answer or a null value is no data.
 */
import { z } from 'zod';
import { endpoint, providerAddress, ProviderError, ProviderHttp, requiredCredential } from './http.js';
import { NoDataError, type MetricProvider, type ProviderFactory } from './types.js';
import { intervalMs, timeoutMs } from './window.js';

const WINDOW_INTERVALS = 10;

const Response = z.object({
  result: z.array(z.object({ data: z.array(z.object({ values: z.array(z.number().nullable()) })) })),
});

export const createDynatraceProvider: ProviderFactory = ({ spec, credentials, interval }) => {
  const base = providerAddress('dynatrace', spec.address);
  const token = requiredCredential('dynatrace', credentials, 'dynatrace_token');
  const windowMs = WINDOW_INTERVALS * intervalMs('dynatrace', interval);
  const http = new ProviderHttp('dynatrace', { ...spec, timeoutMs: timeoutMs(spec.timeout) });
  const provider: MetricProvider = {
    type: 'dynatrace',
    async queryValue(query, time) {
      const to = Math.floor((time ?? new Date()).getTime() / 1000) * 1000;
      const url = endpoint(base, '/api/v2/metrics/query', {
        metricSelector: query,
        resolution: 'Inf',
        from: String(to - windowMs),
        to: String(to),
      });
      const body = await http.json(url, {
        headers: { accept: 'application/json', authorization: `Api-Token ${token}` },
      });
      const parsed = Response.safeParse(body);
      if (!parsed.success)
        throw new ProviderError('dynatrace answered JSON that is not a metrics query response');
      const data = parsed.data.result[0]?.data ?? [];
      const value = data.at(-1)?.values[0];
      if (value === undefined || value === null)
        throw new NoDataError(`no values found for query "${query}"`);
      return value;
    },
    close: () => http.close(),
  };
  return provider;
};
