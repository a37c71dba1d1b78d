/**
 * New Relic's Insights query API (`GET /v1/accounts/<account>/query?nrql=…`), as Flagger queries
 * it: the account id and query key from the Secret (`newrelic_account_id`, `newrelic_query_key`),
 * the key in `X-Query-Key`, and `SINCE <interval> seconds ago` appended to the NRQL. The answer
 * must hold exactly one `result`; a null result is no data.
 */
import { z } from 'zod';
import { endpoint, providerAddress, ProviderError, ProviderHttp, requiredCredential } from './http.js';
import { NoDataError, type MetricProvider, type ProviderFactory } from './types.js';
import { intervalMs, timeoutMs } from './window.js';

const DEFAULT_ADDRESS = 'https://insights-api.newrelic.com';

const Response = z.object({ results: z.array(z.object({ result: z.number().nullable().optional() })) });

export const createNewRelicProvider: ProviderFactory = ({ spec, credentials, interval }) => {
  const base = providerAddress('newrelic', spec.address, DEFAULT_ADDRESS);
  const account = requiredCredential('newrelic', credentials, 'newrelic_account_id');
  const queryKey = requiredCredential('newrelic', credentials, 'newrelic_query_key');
  const sinceSeconds = Math.floor(intervalMs('newrelic', interval) / 1000);
  const http = new ProviderHttp('newrelic', { ...spec, timeoutMs: timeoutMs(spec.timeout) });
  const provider: MetricProvider = {
    type: 'newrelic',
    async queryValue(query) {
      const url = endpoint(base, `/v1/accounts/${encodeURIComponent(account)}/query`, {
        nrql: `${query} SINCE ${String(sinceSeconds)} seconds ago`,
      });
      const body = await http.json(url, { headers: { accept: 'application/json', 'x-query-key': queryKey } });
      const parsed = Response.safeParse(body);
      if (!parsed.success)
        throw new ProviderError('newrelic answered JSON that is not an NRQL query response');
      const results = parsed.data.results;
      if (results.length !== 1) {
        throw new NoDataError(`query "${query}" returned ${String(results.length)} results; expected one`);
      }
      const value = results[0]?.result;
      if (value === undefined || value === null)
        throw new NoDataError(`no values found for query "${query}"`);
      return value;
    },
    close: () => http.close(),
  };
  return provider;
};
