/**
 * One contract for every HTTP metric provider, run against a real HTTP server that speaks the
 * provider's documented API: it checks the path, the authentication header and the query
 * parameters the provider's API reference prescribes, answers with response bodies shaped as the
 * reference documents them, and refuses wrong credentials as the service does. Each provider must
 * return the documented value, report no data as unknown, name errors without leaking a secret,
 * honour its timeout and name a missing Secret key.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricProviderType, MetricTemplateProvider } from '../../api/metric-template.js';
import { SUPPORTED_METRIC_PROVIDERS } from '../../api/capabilities.js';
import { awsSignatureValid, cloudWatchQueryKey } from './testing/aws.js';
import { serviceAccountKeyJson, testServiceAccount, TestTokenEndpoint } from './testing/google.js';
import { providerFactory, supportedProviderTypes } from './registry.js';
import { NoDataError, type MetricProvider } from './types.js';

interface Answer {
  status: number;
  body: unknown;
}

interface Case {
  type: MetricProviderType;
  credentials: Record<string, string>;
  /** Provider fields the case needs besides type and address (region, secretRef). */
  spec?: Partial<MetricTemplateProvider>;
  /** The HTTP method the reference documents (GET when absent). */
  method?: 'POST';
  /** Whether the service accepts the request's credentials (as the service checks them). */
  authorized: (req: IncomingMessage, url: URL, body: string) => boolean;
  /** The API path the reference documents. */
  path: (url: URL) => boolean;
  /** The scenario a request asks for: where the rendered query travels in it. */
  queryOf: (url: URL, body: string) => string | null;
  /** The same scenario key for a query the test passes (the query itself when absent). */
  keyOf?: (query: string) => string | null;
  /** A query naming a scenario word (`broken`, `hang`) in the provider's query language. */
  scenario?: (word: string) => string;
  value: { query: string; body: unknown; expected: number };
  noData: { query: string; body: unknown }[];
  errorBody: unknown;
  /** Extra checks of the request for the value query (time window, NRQL clause, format). */
  checkRequest?: (url: URL, body: string) => void;
  /** Another endpoint the provider calls first (an OAuth token endpoint), answered before the API path. */
  side?: (req: IncomingMessage, url: URL, body: string) => Answer | undefined;
  /** Credentials the service refuses, when replacing the secret values is not enough. */
  wrongCredentials?: () => Record<string, string>;
  /** The HTTP status a refused credential gets (403 when absent). */
  refusedStatus?: number;
}

const NOW = new Date('2026-12-02T10:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const SECRETS = [
  'dd-api-secret-1',
  'dd-app-secret-2',
  'nr-query-secret-3',
  'dt-token-secret-4',
  'graphite-pw-5',
  'aws-secret-6',
  'influx-token-7',
  'ya29.test-',
];

const GOOGLE_ACCOUNT = testServiceAccount('serin@serin-test.iam.gserviceaccount.com');
const GOOGLE_TOKENS = new TestTokenEndpoint(GOOGLE_ACCOUNT, () => `${address}/token`);
SECRETS.push(GOOGLE_ACCOUNT.privateKeyPem.split('\n')[1] ?? 'private key');

const CASES: Case[] = [
  {
    type: 'datadog',
    credentials: { datadog_api_key: 'dd-api-secret-1', datadog_application_key: 'dd-app-secret-2' },
    authorized: (req) =>
      req.headers['dd-api-key'] === 'dd-api-secret-1' &&
      req.headers['dd-application-key'] === 'dd-app-secret-2',
    path: (url) => url.pathname === '/api/v1/query',
    queryOf: (url) => url.searchParams.get('query'),
    value: {
      query: 'sum:istio.mesh.request.count{response_code:500}.as_count()',
      body: {
        status: 'ok',
        res_type: 'time_series',
        series: [
          {
            metric: 'istio.mesh.request.count',
            pointlist: [
              [1_764_669_000_000, 2.5],
              [1_764_669_020_000, 3],
            ],
          },
        ],
      },
      expected: 2.5,
    },
    noData: [
      { query: 'nodata:empty', body: { status: 'ok', series: [] } },
      { query: 'nodata:null', body: { status: 'ok', series: [{ pointlist: [[1_764_669_000_000, null]] }] } },
    ],
    errorBody: { errors: ['Error parsing query: unable to parse ...: Rule failed'] },
    checkRequest: (url) => {
      expect(Number(url.searchParams.get('to'))).toBe(NOW_S);
      expect(Number(url.searchParams.get('from'))).toBe(NOW_S - 600);
    },
  },
  {
    type: 'newrelic',
    credentials: { newrelic_account_id: '100', newrelic_query_key: 'nr-query-secret-3' },
    authorized: (req) => req.headers['x-query-key'] === 'nr-query-secret-3',
    path: (url) => url.pathname === '/v1/accounts/100/query',
    queryOf: (url) => url.searchParams.get('nrql')?.replace(/ SINCE \d+ seconds ago$/, '') ?? null,
    value: {
      query: "SELECT percentage(count(*), WHERE httpResponseCode >= '500') FROM Transaction",
      body: { results: [{ result: 1.25 }], metadata: { eventTypes: ['Transaction'] } },
      expected: 1.25,
    },
    noData: [
      { query: 'nodata:null', body: { results: [{ result: null }] } },
      { query: 'nodata:none', body: { results: [] } },
    ],
    errorBody: { error: 'NRQL Syntax Error: Error at line 1 position 8' },
    checkRequest: (url) => {
      expect(url.searchParams.get('nrql')).toMatch(/ SINCE 60 seconds ago$/);
    },
  },
  {
    type: 'dynatrace',
    credentials: { dynatrace_token: 'dt-token-secret-4' },
    authorized: (req) => req.headers.authorization === 'Api-Token dt-token-secret-4',
    path: (url) => url.pathname === '/api/v2/metrics/query',
    queryOf: (url) => url.searchParams.get('metricSelector'),
    value: {
      query: 'builtin:service.response.time:avg:percentile(99)',
      body: {
        totalCount: 1,
        resolution: 'Inf',
        result: [
          {
            metricId: 'builtin:service.response.time:avg:percentile(99)',
            data: [
              { dimensions: [], timestamps: [1_764_669_600_000], values: [1800.5] },
              { dimensions: [], timestamps: [1_764_669_600_000], values: [2345.5] },
            ],
          },
        ],
      },
      expected: 2345.5,
    },
    noData: [
      { query: 'nodata:empty', body: { totalCount: 0, result: [{ metricId: 'x', data: [] }] } },
      { query: 'nodata:null', body: { result: [{ metricId: 'x', data: [{ values: [null] }] }] } },
    ],
    errorBody: { error: { code: 400, message: 'The metric selector is invalid' } },
    checkRequest: (url) => {
      expect(url.searchParams.get('resolution')).toBe('Inf');
      expect(Number(url.searchParams.get('to'))).toBe(NOW.getTime());
      expect(Number(url.searchParams.get('from'))).toBe(NOW.getTime() - 600_000);
    },
  },
  {
    type: 'graphite',
    credentials: { username: 'flagger', password: 'graphite-pw-5' },
    authorized: (req) =>
      req.headers.authorization === `Basic ${Buffer.from('flagger:graphite-pw-5').toString('base64')}`,
    spec: { secretRef: { name: 'graphite' } },
    path: (url) => url.pathname === '/render',
    queryOf: (url) => url.searchParams.get('target'),
    keyOf: (query) => new URLSearchParams(query.replace(/\s+/g, ' ').trim()).get('target'),
    scenario: (word) => `target=${word}`,
    value: {
      query: 'target=sumSeries(app.http.requests.5xx)\n  &from=-1min',
      body: [
        {
          target: 'sumSeries(app.http.requests.5xx)',
          datapoints: [
            [1, 1_764_669_540],
            [4.5, 1_764_669_560],
            [null, 1_764_669_580],
          ],
        },
      ],
      expected: 4.5,
    },
    noData: [
      { query: 'target=nodata.empty', body: [] },
      { query: 'target=nodata.null', body: [{ target: 'x', datapoints: [[null, 1_764_669_540]] }] },
    ],
    errorBody: 'Traceback: ParseException: Expected ...',
    checkRequest: (url) => {
      expect(url.searchParams.get('format')).toBe('json');
      expect(url.searchParams.get('from')).toBe('-1min');
    },
  },
  {
    type: 'cloudwatch',
    credentials: { aws_access_key_id: 'AKIDSERIN', aws_secret_access_key: 'aws-secret-6' },
    spec: { region: 'eu-west-1', secretRef: { name: 'aws' } },
    method: 'POST',
    authorized: (req, _url, body) =>
      req.headers['x-amz-target'] === 'GraniteServiceVersion20100801.GetMetricData' &&
      req.headers['content-type'] === 'application/x-amz-json-1.0' &&
      awsSignatureValid(req, body, {
        accessKeyId: 'AKIDSERIN',
        secretAccessKey: 'aws-secret-6',
        region: 'eu-west-1',
        service: 'monitoring',
      }),
    path: (url) => url.pathname === '/',
    queryOf: (_url, body) => cloudWatchQueryKey(body),
    keyOf: (query) => (JSON.parse(query) as { id?: string; Id?: string }[])[0]?.Id ?? null,
    scenario: (word) => JSON.stringify([{ Id: word, Expression: 'SUM(METRICS())' }]),
    value: {
      query: JSON.stringify([
        { Id: 'e1', Expression: 'm1 / m2', Label: 'ErrorRate' },
        {
          id: 'm1',
          metricStat: {
            metric: {
              namespace: 'MyKubernetesCluster',
              metricName: 'ErrorCount',
              dimensions: [{ name: 'App', value: 'podinfo' }],
            },
            period: 60,
            stat: 'Sum',
            unit: 'Count',
          },
          returnData: false,
        },
        {
          Id: 'm2',
          MetricStat: {
            Metric: { Namespace: 'MyKubernetesCluster', MetricName: 'RequestCount' },
            Period: 60,
            Stat: 'Sum',
          },
          ReturnData: false,
        },
      ]),
      body: {
        MetricDataResults: [
          {
            Id: 'e1',
            Label: 'ErrorRate',
            StatusCode: 'Complete',
            Timestamps: [1_764_669_540, 1_764_669_480],
            Values: [0.125, 0.5],
          },
        ],
        Messages: [],
      },
      expected: 0.125,
    },
    noData: [
      {
        query: JSON.stringify([{ Id: 'nodata_none', Expression: 'm1' }]),
        body: { MetricDataResults: [], Messages: [] },
      },
      {
        query: JSON.stringify([{ Id: 'nodata_empty', Expression: 'm1' }]),
        body: {
          MetricDataResults: [{ Id: 'nodata_empty', StatusCode: 'Complete', Timestamps: [], Values: [] }],
        },
      },
    ],
    errorBody: {
      __type: 'com.amazonaws.cloudwatch#InvalidParameterValueException',
      message: 'The value m3 for parameter MetricDataQueries is not valid.',
    },
    checkRequest: (_url, body) => {
      const sent = JSON.parse(body) as Record<string, unknown> & { MetricDataQueries: unknown[] };
      expect(sent.EndTime).toBe(NOW_S);
      expect(sent.StartTime).toBe(NOW_S - 600);
      expect(sent.MaxDatapoints).toBe(20);
      // Go's decoder matched the lower-case keys to the SDK's fields; the wire carries AWS's names.
      expect(sent.MetricDataQueries[1]).toEqual({
        Id: 'm1',
        MetricStat: {
          Metric: {
            Namespace: 'MyKubernetesCluster',
            MetricName: 'ErrorCount',
            Dimensions: [{ Name: 'App', Value: 'podinfo' }],
          },
          Period: 60,
          Stat: 'Sum',
          Unit: 'Count',
        },
        ReturnData: false,
      });
    },
  },
  {
    type: 'influxdb',
    credentials: { token: 'influx-token-7', org: 'serin' },
    spec: { secretRef: { name: 'influx-token' } },
    method: 'POST',
    authorized: (req, url) =>
      req.headers.authorization === 'Token influx-token-7' && url.searchParams.get('org') === 'serin',
    path: (url) => url.pathname === '/api/v2/query',
    queryOf: (_url, body) => (JSON.parse(body) as { query?: string }).query ?? null,
    value: {
      query:
        'from(bucket: "default")\n  |> range(start: -2h)\n  |> filter(fn: (r) => r["_measurement"] == "istio_requests_total")\n  |> mean()',
      body: [
        '#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,double,string,string',
        '#group,false,false,true,true,false,true,true',
        '#default,_result,,,,,,',
        ',result,table,_start,_stop,_value,_field,_measurement',
        ',,0,2026-12-02T08:00:00Z,2026-12-02T10:00:00Z,2.75,counter,istio_requests_total',
        '',
        '',
      ].join('\r\n'),
      expected: 2.75,
    },
    noData: [
      { query: 'from(bucket: "nodata") |> range(start: -1m)', body: '\r\n' },
      {
        query: 'from(bucket: "nodata-null") |> range(start: -1m) |> last()',
        body: [
          '#datatype,string,long,dateTime:RFC3339,double',
          '#group,false,false,false,false',
          '#default,_result,,,',
          ',result,table,_time,_value',
          ',,0,2026-12-02T10:00:00Z,',
          '',
          '',
        ].join('\r\n'),
      },
    ],
    errorBody: {
      code: 'invalid',
      message: 'compilation failed: error at @1:1-1:7: undefined identifier broken',
    },
    checkRequest: (url, body) => {
      expect(JSON.parse(body)).toMatchObject({
        type: 'flux',
        dialect: { annotations: ['datatype', 'group', 'default'], delimiter: ',', header: true },
      });
      expect(url.searchParams.get('org')).toBe('serin');
    },
  },
  {
    type: 'stackdriver',
    get credentials() {
      return {
        project: 'serin-test',
        serviceAccountKey: serviceAccountKeyJson(GOOGLE_ACCOUNT, `${address}/token`),
      };
    },
    spec: { secretRef: { name: 'gcloud' } },
    method: 'POST',
    side: (req, url, body) =>
      url.pathname === '/token' && req.method === 'POST' ? GOOGLE_TOKENS.exchange(body) : undefined,
    authorized: (req) => GOOGLE_TOKENS.accepts(req.headers.authorization),
    path: (url) => url.pathname === '/v3/projects/serin-test/timeSeries:query',
    queryOf: (_url, body) => (JSON.parse(body) as { query?: string }).query ?? null,
    value: {
      query:
        "fetch k8s_container | metric 'istio.io/service/server/response_latencies' | filter (metric.destination_workload_name == 'podinfo') | align delta(1m) | every 1m | group_by [], [value_response_latencies_percentile: percentile(value.response_latencies, 99)]",
      body: {
        timeSeriesDescriptor: {
          pointDescriptors: [
            {
              key: 'value_response_latencies_percentile',
              valueType: 'DOUBLE',
              metricKind: 'GAUGE',
              unit: 'ms',
            },
          ],
        },
        timeSeriesData: [
          {
            pointData: [
              {
                values: [{ doubleValue: 412.5 }],
                timeInterval: { startTime: '2026-12-02T09:59:00Z', endTime: '2026-12-02T10:00:00Z' },
              },
              {
                values: [{ doubleValue: 380 }],
                timeInterval: { startTime: '2026-12-02T09:58:00Z', endTime: '2026-12-02T09:59:00Z' },
              },
            ],
          },
        ],
      },
      expected: 412.5,
    },
    noData: [
      { query: "fetch k8s_container | metric 'nodata.none'", body: {} },
      {
        query: "fetch k8s_container | metric 'nodata.nopoints'",
        body: { timeSeriesData: [{ labelValues: [], pointData: [] }] },
      },
    ],
    errorBody: {
      error: { code: 400, message: 'Line 1, column 1: Query is not valid.', status: 'INVALID_ARGUMENT' },
    },
    wrongCredentials: () => ({
      project: 'serin-test',
      serviceAccountKey: serviceAccountKeyJson(testServiceAccount(GOOGLE_ACCOUNT.email), `${address}/token`),
    }),
    refusedStatus: 400,
  },
];

let server: Server;
let address: string;
const seen: { url: URL; body: string }[] = [];
let current: Case | undefined;

function send(res: ServerResponse, answer: Answer): void {
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json',
  });
  res.end(text);
}

function keyOf(c: Case, query: string): string | null {
  return c.keyOf ? c.keyOf(query) : query;
}

function scenario(c: Case, word: string): string {
  return c.scenario ? c.scenario(word) : word;
}

function answer(c: Case, req: IncomingMessage, url: URL, body: string): Answer | undefined {
  const side = c.side?.(req, url, body);
  if (side) return side;
  if (req.method !== (c.method ?? 'GET') || !c.path(url))
    return { status: 404, body: { errors: ['not found'] } };
  if (!c.authorized(req, url, body)) return { status: 403, body: { errors: ['Forbidden'] } };
  const query = c.queryOf(url, body) ?? '';
  if (query.includes('hang')) return undefined;
  if (query.includes('broken')) return { status: 400, body: c.errorBody };
  if (query === keyOf(c, c.value.query)) return { status: 200, body: c.value.body };
  const empty = c.noData.find((n) => query === keyOf(c, n.query));
  return empty ? { status: 200, body: empty.body } : { status: 200, body: c.noData[0]?.body };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ url, body });
      const c = current;
      const reply = c === undefined ? { status: 500, body: 'no case' } : answer(c, req, url, body);
      if (reply !== undefined) send(res, reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function make(
  c: Case,
  overrides: Partial<MetricTemplateProvider> = {},
  credentials = c.credentials,
): MetricProvider {
  const spec: MetricTemplateProvider = {
    type: c.type,
    address,
    ...c.spec,
    ...overrides,
  };
  return providerFactory(c.type)({ spec, credentials, interval: '1m' });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the query to fail');
}

function expectNoSecret(message: string): void {
  for (const secret of SECRETS) expect(message).not.toContain(secret);
}

/**
 * Providers with suites of their own: Prometheus against a real Prometheus, and the providers that
 * read through the Kubernetes API against the test API server (`externalmetrics.test.ts`, `keptn.test.ts`), and Splunk's WebSocket API (`splunk.test.ts`).
 */
const OWN_SUITES: readonly MetricProviderType[] = ['prometheus', 'externalmetrics', 'keptn', 'splunk'];

it('every supported provider has a contract case, and validation lists the same providers', () => {
  expect(new Set(supportedProviderTypes())).toEqual(new Set(SUPPORTED_METRIC_PROVIDERS));
  expect(new Set(CASES.map((c) => c.type))).toEqual(
    new Set(supportedProviderTypes().filter((t) => !OWN_SUITES.includes(t))),
  );
});

describe.each(CASES)('$type against its documented API', (c) => {
  it('returns the documented value, sending the credentials and window the API reference prescribes', async () => {
    current = c;
    const provider = make(c);
    try {
      await expect(provider.queryValue(c.value.query, NOW)).resolves.toBe(c.value.expected);
      const request = seen.at(-1);
      expect(request).toBeDefined();
      if (request) c.checkRequest?.(request.url, request.body);
    } finally {
      await provider.close();
    }
  });

  it('reports no data (unknown) for an empty answer and a null value', async () => {
    current = c;
    const provider = make(c);
    try {
      for (const empty of c.noData) {
        expect(await failure(provider.queryValue(empty.query, NOW))).toBeInstanceOf(NoDataError);
      }
    } finally {
      await provider.close();
    }
  });

  it('names an error answer and a refused credential without leaking a secret', async () => {
    current = c;
    const provider = make(c);
    const wrong = make(
      c,
      {},
      c.wrongCredentials?.() ??
        Object.fromEntries(
          Object.entries(c.credentials).map(([k, v]) => [k, SECRETS.includes(v) ? `${k}-wrong` : v]),
        ),
    );
    try {
      const error = await failure(provider.queryValue(scenario(c, 'broken'), NOW));
      expect(error).not.toBeInstanceOf(NoDataError);
      expect(error.message).toContain('HTTP 400');
      expectNoSecret(error.message);
      const refused = await failure(wrong.queryValue(c.value.query, NOW));
      expect(refused.message).toContain(`HTTP ${String(c.refusedStatus ?? 403)}`);
      expectNoSecret(refused.message);
    } finally {
      await provider.close();
      await wrong.close();
    }
  });

  it('gives up after provider.timeout', async () => {
    current = c;
    const provider = make(c, { timeout: '300ms' });
    try {
      const error = await failure(provider.queryValue(scenario(c, 'hang'), NOW));
      expect(error.message).toMatch(/timed out after 300 ms/);
      expectNoSecret(error.message);
    } finally {
      await provider.close();
    }
  });

  it('names a missing Secret key, never a value', () => {
    const [first] = Object.keys(c.credentials);
    const partial = Object.fromEntries(Object.entries(c.credentials).filter(([k]) => k !== first));
    expect(() => make(c, {}, partial)).toThrow(new RegExp(`must contain the key ${first ?? ''}`));
  });
});

it('dynatrace and graphite need an address; datadog and newrelic default to their public APIs', () => {
  for (const type of ['dynatrace', 'graphite'] as const) {
    const c = CASES.find((x) => x.type === type);
    if (c) expect(() => make(c, { address: undefined })).toThrow(/provider.address/);
  }
  const datadog = CASES.find((x) => x.type === 'datadog');
  if (datadog) expect(() => make(datadog, { address: undefined })).not.toThrow();
});
