import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/local/workloads/free-port.js';
import { startPrometheus, waitForQuery, type TestPrometheus } from '../support/prometheus.js';
import {
  canaryDoc,
  demoWorkload,
  duration,
  finalPhase,
  phaseIs,
  startLocalWith,
  startTraffic,
  successRate,
  until,
  type LocalHarness,
} from './support.js';

const NAME = 'scraped';

/** Forwards to Prometheus and records every query sent, to see what the engine asked. */
function countingProxy(target: string): Promise<{ server: Server; url: string; queries: string[] }> {
  const queries: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const url = new URL(req.url ?? '/', target);
      const q = url.searchParams.get('query') ?? new URLSearchParams(body).get('query');
      if (q !== null) queries.push(q);
      void request(url, {
        method: req.method as 'GET' | 'POST',
        headers: req.headers,
        body: body === '' ? null : body,
      })
        .then(async (up) => {
          res.writeHead(up.statusCode, {
            'content-type': String(up.headers['content-type'] ?? 'application/json'),
          });
          res.end(await up.body.text());
        })
        .catch((error: unknown) => {
          res.writeHead(502).end(String(error));
        });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, queries });
    });
  });
}
let prometheus: TestPrometheus | undefined;
let h: LocalHarness | undefined;

afterAll(async () => {
  await h?.close();
  await prometheus?.stop();
});

describe('serin run --prometheus', () => {
  it("judges the canary with Flagger's queries against a real Prometheus scraping the router", async () => {
    const apiPort = await freePort();
    prometheus = await startPrometheus({
      targets: [{ address: `127.0.0.1:${apiPort}`, job: 'serin-local' }],
    });
    const proxy = await countingProxy(prometheus.url);
    const local = (h = await startLocalWith(
      { apiPort, prometheus: proxy.url },
      demoWorkload(NAME, 'v1'),
      canaryDoc(NAME, {
        interval: '2s',
        threshold: 4,
        stepWeight: 50,
        maxWeight: 50,
        metrics: [successRate(99, '10s'), duration(250, '10s')],
      }),
    ));
    await until('initialization', phaseIs(local, 'Initialized'));
    const traffic = startTraffic(`${local.router}/`);
    await waitForQuery(
      prometheus,
      `sum(rate(istio_requests_total{destination_workload="${NAME}-primary"}[10s]))`,
      (a) => (a.values[0] ?? 0) > 0,
      60_000,
    );
    const revision = await local.apply(demoWorkload(NAME, 'v2', { ERROR_RATE: '0.5' }));
    const phase = await finalPhase(local, revision);
    await traffic.stop();
    expect(phase).toBe('Failed');
    const reason = local.status().decisions?.findLast((d) => d.action === 'Rollback')?.reason ?? '';
    expect(reason).toMatch(/request-success-rate \d+(\.\d+)? below bounds/);
    // The verdict came from Prometheus: the engine sent it Flagger's built-in queries.
    proxy.server.close();
    expect(
      proxy.queries.some(
        (q) => q.includes('istio_requests_total') && q.includes(`destination_workload=~"${NAME}"`),
      ),
    ).toBe(true);
    expect(proxy.queries.some((q) => /histogram_quantile\(\s*0\.99,/.test(q))).toBe(true);
    // And Prometheus itself sees the canary's errors under Istio's labels.
    const errors = await prometheus.query(
      `sum(istio_requests_total{reporter="destination",destination_workload="${NAME}",response_code="500"})`,
    );
    expect(errors.values[0]).toBeGreaterThan(0);
  }, 180_000);
});
