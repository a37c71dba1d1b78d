/**
 * Google Cloud Monitoring (Stackdriver), as Flagger queries it: an MQL query through
 * `projects.timeSeries.query` (in REST `POST /v3/projects/<project>/timeSeries:query`), the
 * project from the Secret's `project`, and the first value of the first point of the first
 * series. No series, point or value is no data.
 *
 * Authentication: the Secret's `serviceAccountKey` (a service account key JSON) through the
 * OAuth 2.0 JWT bearer flow (`google-auth.ts`) with the `monitoring.read` scope. Flagger falls
 * back to Google's application default credentials (workload identity) without a key; Serin does
 * not read them and says so.
 *
 * Flagger reads the value with `GetDoubleValue`, which is 0 for an integer series; Serin reads
 * `int64Value` as the number it is, and refuses a boolean, string or distribution value by name.
 */
import { z } from 'zod';
import { parseAnswer } from './answer.js';
import { GoogleTokenSource, parseServiceAccountKey } from './google-auth.js';
import { endpoint, providerAddress, ProviderError, ProviderHttp, requiredCredential } from './http.js';
import { NoDataError, type MetricProvider, type ProviderFactory } from './types.js';
import { timeoutMs } from './window.js';

const DEFAULT_ADDRESS = 'https://monitoring.googleapis.com';
const SCOPE = 'https://www.googleapis.com/auth/monitoring.read';

const TypedValue = z.object({
  doubleValue: z.number().optional(),
  int64Value: z.union([z.string().regex(/^-?\d+$/), z.number()]).optional(),
  boolValue: z.boolean().optional(),
  stringValue: z.string().optional(),
  distributionValue: z.unknown().optional(),
});
const Response = z.object({
  timeSeriesData: z
    .array(
      z.object({ pointData: z.array(z.object({ values: z.array(TypedValue).default([]) })).default([]) }),
    )
    .default([]),
});

function numberOf(value: z.output<typeof TypedValue>, query: string): number {
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.int64Value !== undefined) return Number(value.int64Value);
  const kind = Object.keys(value)[0];
  if (kind === undefined) throw new NoDataError(`no values found for query "${query}"`);
  throw new ProviderError(`stackdriver answered a ${kind}; expected doubleValue or int64Value`);
}

export const createStackdriverProvider: ProviderFactory = ({ spec, credentials }) => {
  const base = providerAddress('stackdriver', spec.address, DEFAULT_ADDRESS);
  const project = requiredCredential('stackdriver', credentials, 'project');
  const key = credentials?.serviceAccountKey;
  if (key === undefined || key === '') {
    throw new ProviderError(
      'provider.secretRef: the stackdriver Secret must contain the key serviceAccountKey (application default credentials and workload identity are not read by Serin)',
    );
  }
  const account = parseServiceAccountKey(key, 'provider.secretRef: serviceAccountKey');
  const http = new ProviderHttp('stackdriver', { ...spec, timeoutMs: timeoutMs(spec.timeout) });
  const tokens = new GoogleTokenSource(account, SCOPE, http);
  const provider: MetricProvider = {
    type: 'stackdriver',
    async queryValue(query) {
      const token = await tokens.accessToken();
      const url = endpoint(base, `/v3/projects/${encodeURIComponent(project)}/timeSeries:query`);
      const answer = await http.json(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({ query }),
      });
      const series = parseAnswer(
        'stackdriver',
        'a timeSeries.query response',
        Response,
        answer,
      ).timeSeriesData;
      const value = series[0]?.pointData[0]?.values[0];
      if (value === undefined) throw new NoDataError(`no values found for query "${query}"`);
      return numberOf(value, query);
    },
    close: () => http.close(),
  };
  return provider;
};
