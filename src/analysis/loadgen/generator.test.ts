import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from './generator.js';
import { parseHey } from './hey.js';

let server: Server;
let base: string;
const seen = { count: 0, methods: new Set<string>(), bodies: new Set<string>(), headers: new Set<string>() };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.count += 1;
      seen.methods.add(req.method ?? '');
      seen.bodies.add(body);
      seen.headers.add(String(req.headers['x-canary']));
      // Every fifth request fails, so status codes are counted per code.
      res.writeHead(seen.count % 5 === 0 ? 503 : 200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('runLoad against a real server', () => {
  it('sends exactly -n requests with the method, headers and body, and counts them', async () => {
    seen.count = 0;
    const summary = await runLoad(
      parseHey(`hey -n 60 -c 4 -m POST -H "X-Canary: yes" -d hello ${base}/work`),
    );
    expect(seen.count).toBe(60);
    expect(summary.requests).toBe(60);
    expect(summary.errors).toBe(0);
    expect(summary.statusCodes).toEqual({ '200': 48, '503': 12 });
    expect([...seen.methods]).toEqual(['POST']);
    expect([...seen.bodies]).toEqual(['hello']);
    expect([...seen.headers]).toEqual(['yes']);
    expect(summary.latencyMs.p99).toBeGreaterThanOrEqual(summary.latencyMs.p50);
    expect(summary.latencyMs.max).toBeGreaterThanOrEqual(summary.latencyMs.p99);
  });

  it('respects the rate limit over a duration (bounded: at most rate × workers × seconds, plus one each)', async () => {
    seen.count = 0;
    const summary = await runLoad(parseHey(`hey -z 1s -q 10 -c 2 ${base}/`));
    // 10/s per worker for 1 s: at most 2 × (10 + 1) requests, however slow the machine.
    expect(summary.requests).toBeLessThanOrEqual(22);
    expect(summary.requests).toBeGreaterThan(0);
    expect(seen.count).toBe(summary.requests);
  });

  it('counts connection failures as errors and stops when aborted', async () => {
    const failed = await runLoad(parseHey('hey -n 5 -c 1 http://127.0.0.1:1/'));
    expect(failed).toMatchObject({ requests: 5, errors: 5, statusCodes: {} });
    const controller = new AbortController();
    const running = runLoad(parseHey(`hey -z 1h -q 5 -c 1 ${base}/`), { signal: controller.signal });
    setTimeout(() => {
      controller.abort();
    }, 300);
    const summary = await running;
    expect(summary.requests).toBeLessThanOrEqual(3);
  });

  it('reports progress while running', async () => {
    const seenProgress: number[] = [];
    const summary = await runLoad(parseHey(`hey -z 600ms -q 20 -c 1 ${base}/`), {
      progressEveryMs: 100,
      onProgress: (s) => seenProgress.push(s.requests),
    });
    expect(seenProgress.length).toBeGreaterThan(0);
    expect(seenProgress.every((n, i) => i === 0 || n >= (seenProgress[i - 1] ?? 0))).toBe(true);
    expect(summary.requests).toBeGreaterThanOrEqual(seenProgress.at(-1) ?? 0);
  });
});
