/**
 * Graphite's render API (`GET /render?…&format=json`), as Flagger queries it: the query is the
 * render API's own query string (`target=…&from=-5min`), whitespace collapsed; basic auth from
 * the Secret's `username` and `password` when a Secret is referenced. The value is the last
 * non-null datapoint across the returned series; none is no data.
 */
import { z } from 'zod';
import { endpoint, providerAddress, ProviderError, ProviderHttp, requiredCredential } from './http.js';
import { NoDataError, type MetricProvider, type ProviderFactory } from './types.js';
import { timeoutMs } from './window.js';

/**
 * Graphite writes values and timestamps as numbers, or as strings in some versions. An infinite
 * value is written `1e9999` (graphite-web's JSON renderer), which JSON.parse reads as Infinity;
 * zod's `z.number()` refuses infinities, so any JSON number is taken here.
 */
const JsonNumber = z.custom<number>((value) => typeof value === 'number', { error: 'expected a number' });
const Point = z.union([JsonNumber, z.string().transform(Number)]).nullable();
const Response = z.array(
  z.object({ target: z.string().optional(), datapoints: z.array(z.tuple([Point, Point])) }),
);

export const createGraphiteProvider: ProviderFactory = ({ spec, credentials }) => {
  const base = providerAddress('graphite', spec.address);
  const auth =
    spec.secretRef === undefined && credentials === undefined
      ? undefined
      : `Basic ${Buffer.from(
          `${requiredCredential('graphite', credentials, 'username')}:${requiredCredential('graphite', credentials, 'password')}`,
        ).toString('base64')}`;
  const http = new ProviderHttp('graphite', { ...spec, timeoutMs: timeoutMs(spec.timeout) });
  const provider: MetricProvider = {
    type: 'graphite',
    async queryValue(query) {
      const url = endpoint(base, '/render');
      url.search = new URLSearchParams(query.replace(/\s+/g, ' ').trim()).toString();
      url.searchParams.set('format', 'json');
      const body = await http.json(url, {
        headers: { accept: 'application/json', ...(auth !== undefined ? { authorization: auth } : {}) },
      });
      const parsed = Response.safeParse(body);
      if (!parsed.success)
        throw new ProviderError('graphite answered JSON that is not a render API response');
      let value: number | undefined;
      for (const series of parsed.data) {
        for (const [point] of series.datapoints) if (point !== null && !Number.isNaN(point)) value = point;
      }
      if (value === undefined) throw new NoDataError(`no values found for query "${query}"`);
      return value;
    },
    close: () => http.close(),
  };
  return provider;
};
