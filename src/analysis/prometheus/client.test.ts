import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXAMPLE_BUCKETS,
  FIXTURE_EVAL_TIME,
  istioOpenMetrics,
} from '../../../test/support/istio-openmetrics.js';
import { startPrometheus, type RunningPrometheus } from '../../../test/support/prometheus-remote.js';
import { PrometheusClient, PrometheusError } from './client.js';

let prometheus: RunningPrometheus;
let fake: Server;
let fakeUrl: string;
const seen: { url: string; method: string; headers: IncomingHttpHeaders; body: string }[] = [];
let fakeReply: { status: number; body: string; hang?: boolean } = { status: 200, body: '' };

beforeAll(async () => {
  prometheus = await startPrometheus({
    openMetrics: istioOpenMetrics([
      {
        namespace: 'test',
        workload: 'podinfo',
        perSecondByCode: { '200': 10, '500': 1 },
        bucketsPerSecond: EXAMPLE_BUCKETS,
      },
      { namespace: 'test', workload: 'idle', perSecondByCode: { '200': 0 } },
    ]),
  });
  fake = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', method: req.method ?? '', headers: req.headers, body });
      if (fakeReply.hang === true) return;
      res.writeHead(fakeReply.status, { 'content-type': 'application/json' }).end(fakeReply.body);
    });
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await prometheus.stop();
  fake.closeAllConnections();
  await new Promise((r) => fake.close(r));
});

const SUCCESS = (w: string) =>
  `sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="test",destination_workload=~"${w}",response_code!~"5.*"}[1m])) / sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="test",destination_workload=~"${w}"}[1m])) * 100`;

describe('PrometheusClient against a real Prometheus', () => {
  const client = () => new PrometheusClient({ address: prometheus.url });

  it('reads a one-element vector', async () => {
    const result = await client().query(SUCCESS('podinfo'), FIXTURE_EVAL_TIME);
    expect(result.type).toBe('vector');
    if (result.type !== 'vector') return;
    expect(result.samples).toHaveLength(1);
    expect(result.samples[0]?.value).toBeCloseTo((10 / 11) * 100, 6);
    expect(result.samples[0]?.time).toBe(FIXTURE_EVAL_TIME.getTime() / 1000);
  });

  it('maps NaN, +Inf and -Inf and reads scalars', async () => {
    const c = client();
    const nan = await c.query(SUCCESS('idle'), FIXTURE_EVAL_TIME);
    expect(nan.type === 'vector' && Number.isNaN(nan.samples[0]?.value)).toBe(true);
    expect(await c.query('1/0')).toMatchObject({ type: 'scalar', value: Number.POSITIVE_INFINITY });
    expect(await c.query('-1/0')).toMatchObject({ type: 'scalar', value: Number.NEGATIVE_INFINITY });
    expect(await c.query('42')).toMatchObject({ type: 'scalar', value: 42 });
    expect(await c.query('"hello"')).toMatchObject({ type: 'string', value: 'hello' });
  });

  it('returns an empty vector for a workload with no series, and all series when not aggregated', async () => {
    const c = client();
    expect(await c.query(SUCCESS('nosuch'), FIXTURE_EVAL_TIME)).toEqual({ type: 'vector', samples: [] });
    const many = await c.query(
      'rate(istio_requests_total{destination_workload="podinfo"}[1m])',
      FIXTURE_EVAL_TIME,
    );
    expect(many.type === 'vector' ? many.samples.length : 0).toBe(2);
  });

  it('sends POST form queries too', async () => {
    const result = await new PrometheusClient({ address: prometheus.url, method: 'POST' }).query(
      SUCCESS('podinfo'),
      FIXTURE_EVAL_TIME,
    );
    expect(result.type === 'vector' ? result.samples[0]?.value : 0).toBeCloseTo(90.909, 2);
  });

  it("rejects a range vector and reports Prometheus' own parse error", async () => {
    await expect(client().query('istio_requests_total[1m]', FIXTURE_EVAL_TIME)).rejects.toThrow(
      /range vector \(matrix\)/,
    );
    await expect(client().query('sum(rate(x[1m])')).rejects.toThrow(
      /Prometheus error \(HTTP 400, bad_data\).*unclosed left parenthesis/,
    );
  });
});

describe('PrometheusClient transport', () => {
  it('sends bearer or basic auth and custom headers', async () => {
    fakeReply = {
      status: 200,
      body: JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, '7'] } }),
    };
    seen.length = 0;
    await new PrometheusClient({
      address: `${fakeUrl}/prom/`,
      auth: { type: 'bearer', token: 't0k3n' },
      headers: { 'X-Scope-OrgID': ['tenant-a'] },
    }).query('up');
    await new PrometheusClient({
      address: fakeUrl,
      auth: { type: 'basic', username: 'u', password: 'p' },
    }).query('up');
    expect(seen[0]?.url).toBe('/prom/api/v1/query?query=up');
    expect(seen[0]?.headers.authorization).toBe('Bearer t0k3n');
    expect(seen[0]?.headers['x-scope-orgid']).toBe('tenant-a');
    expect(seen[1]?.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it("keeps the address's query string and sends its userinfo as Basic auth", async () => {
    fakeReply = {
      status: 200,
      body: JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, '7'] } }),
    };
    seen.length = 0;
    const address = `${fakeUrl.replace('http://', 'http://reader:s%3Dcret@')}/prom?orgId=7&key=k1`;
    await new PrometheusClient({ address }).query('up');
    await new PrometheusClient({ address, method: 'POST' }).query('up');
    expect(seen[0]?.url).toBe('/prom/api/v1/query?orgId=7&key=k1&query=up');
    expect(seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from('reader:s=cret').toString('base64')}`);
    expect(seen[1]?.url).toBe('/prom/api/v1/query?orgId=7&key=k1');
  });

  it('names the URL (without credentials) when the answer is not JSON', async () => {
    fakeReply = { status: 200, body: '<html>login</html>' };
    const url = fakeUrl.replace('http://', 'http://admin:hunter2@');
    const error = await new PrometheusClient({ address: url }).query('up').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrometheusError);
    expect((error as Error).message).toMatch(
      /api\/v1\/query answered HTTP 200 with a body that is not JSON: "<html>login<\/html>"/,
    );
    expect((error as Error).message).not.toContain('hunter2');
  });

  it("puts the body's error in the message for HTTP errors", async () => {
    fakeReply = {
      status: 503,
      body: JSON.stringify({ status: 'error', errorType: 'unavailable', error: 'too many queries' }),
    };
    await expect(new PrometheusClient({ address: fakeUrl }).query('up')).rejects.toThrow(
      /HTTP 503, unavailable\): too many queries/,
    );
    fakeReply = { status: 502, body: '{"message":"bad gateway"}' };
    await expect(new PrometheusClient({ address: fakeUrl }).query('up')).rejects.toThrow(
      /answered HTTP 502: \{"message":"bad gateway"\}/,
    );
  });

  it('rejects malformed values and shapes', async () => {
    fakeReply = {
      status: 200,
      body: JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, 'abc'] } }),
    };
    await expect(new PrometheusClient({ address: fakeUrl }).query('up')).rejects.toThrow(
      /expected a number, got "abc"/,
    );
    fakeReply = {
      status: 200,
      body: JSON.stringify({
        status: 'success',
        data: { resultType: 'vector', result: [{ value: [1, '2'] }] },
      }),
    };
    await expect(new PrometheusClient({ address: fakeUrl }).query('up')).rejects.toThrow(
      /not a Prometheus query response \(at data.result.0.metric/,
    );
  });

  it('times out', async () => {
    fakeReply = { status: 200, body: '', hang: true };
    await expect(new PrometheusClient({ address: fakeUrl, timeoutMs: 200 }).query('up')).rejects.toThrow(
      /timed out after 200 ms/,
    );
  });

  it('reports connection errors and bad addresses', async () => {
    await expect(new PrometheusClient({ address: 'http://127.0.0.1:1' }).query('up')).rejects.toThrow(
      /ECONNREFUSED/,
    );
    expect(() => new PrometheusClient({ address: 'prometheus:9090' })).toThrow(
      /expected http or https|absolute/,
    );
    await expect(
      new PrometheusClient({ address: 'https://127.0.0.1:1', caFile: '/nonexistent/ca.pem' }).query('up'),
    ).rejects.toThrow(/cannot read CA file \/nonexistent\/ca.pem: ENOENT/);
  });
});
