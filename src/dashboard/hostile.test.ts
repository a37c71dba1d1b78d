/** The dashboard against hostile requests: rebinding Host names, credential reads, odd paths, a fuzz. */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzHttp } from '../../test/support/http-fuzz.js';
import { CanaryDocument } from '../api/canary.js';
import { createMemoryBackend } from './memory-backend.js';
import { createDashboardServer, type DashboardServer } from './server.js';
import { sampleCanary } from './testing/fixtures.js';

const SECRET_HOOK = 'http://admin:hunter2-password@hooks.example:8080/load?token=tok-123456&x=1';
let server: DashboardServer;
let port: number;

beforeAll(async () => {
  const backend = createMemoryBackend({ onAction: () => ({ accepted: true, message: 'done' }) });
  const base = sampleCanary();
  const canary = CanaryDocument.parse({
    ...base,
    spec: {
      ...base.spec,
      analysis: {
        ...base.spec.analysis,
        webhooks: [
          { name: 'load-test', type: 'rollout', url: SECRET_HOOK, metadata: { token: 'meta-secret-value' } },
        ],
      },
    },
  });
  backend.record(canary, { phase: 'Progressing', canaryWeight: 10 });
  server = await createDashboardServer({
    backend,
    token: 'correct-horse-battery-staple',
    buildUiIfMissing: false,
  });
  port = server.port;
});
afterAll(async () => {
  await server.close();
});

function get(path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
      if (res.headers['content-type']?.startsWith('text/event-stream')) req.destroy();
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard: hostile requests', () => {
  it('serves Canary detail with webhook credentials redacted as the logs show them', async () => {
    const { status, body } = await get('/api/canaries/test/podinfo', `127.0.0.1:${port}`);
    expect(status).toBe(200);
    for (const secret of ['hunter2-password', 'tok-123456', 'admin', 'meta-secret-value'])
      expect(body).not.toContain(secret);
    const detail = JSON.parse(body) as {
      webhooks: { url: string }[];
      spec: { analysis: { webhooks: { url: string }[] } };
    };
    const shown = 'http://REDACTED@hooks.example:8080/load?token=REDACTED&x=REDACTED';
    expect(detail.webhooks[0]?.url).toBe(shown);
    expect(detail.spec.analysis.webhooks[0]?.url).toBe(shown);
  });

  it('answers 403 to a DNS-rebinding Host on every route', async () => {
    for (const path of [
      '/',
      '/index.html',
      '/api/info',
      '/api/canaries',
      '/api/canaries/test/podinfo',
      '/api/canaries/test/podinfo/history',
      '/api/events',
    ])
      expect([path, (await get(path, 'evil.example')).status]).toEqual([path, 403]);
  });

  it('answers 400 to a malformed percent-escape in a UI or API path', async () => {
    expect((await get('/assets/%E0%A4%A', `127.0.0.1:${port}`)).status).toBe(400);
    expect((await get('/api/canaries/%zz/podinfo', `127.0.0.1:${port}`)).status).toBe(400);
  });

  it('answers 300 random requests without a 500 and keeps serving', async () => {
    const report = await fuzzHttp({
      port,
      routes: [
        '/',
        '/api',
        '/api/info',
        '/api/canaries',
        '/api/events',
        '/api/canaries/test/podinfo',
        '/api/canaries/test/podinfo/history',
        '/api/canaries/test/podinfo/actions',
        '/assets/app.js',
      ],
      headers: { authorization: 'Bearer correct-horse-battery-staple' },
    });
    process.stdout.write(`dashboard fuzz: ${report.requests} requests, ${JSON.stringify(report.byStatus)}\n`);
    expect(report.failures).toEqual([]);
    expect((await get('/api/info', `127.0.0.1:${port}`)).status).toBe(200);
  }, 300_000);
});
