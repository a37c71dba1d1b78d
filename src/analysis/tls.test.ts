/** Custom CAs and disabled verification, against a real HTTPS server with a self-signed certificate. */
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryWebhook, type Canary } from '../api/canary.js';
import { makeLoopbackCertificate, type TestCertificate } from '../../test/support/tls.js';
import { PrometheusClient } from './prometheus/client.js';
import { createWebhookPort } from './webhooks/webhook-port.js';

let tls: TestCertificate;
let server: Server;
let base: string;

beforeAll(async () => {
  tls = makeLoopbackCertificate();
  server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, '5'] } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(tls.dir, { recursive: true, force: true });
});

describe('TLS', () => {
  it('Prometheus: refuses an unknown CA, trusts caFile, or skips verification when asked', async () => {
    await expect(new PrometheusClient({ address: base }).query('up')).rejects.toThrow(
      /self.signed|certificate/i,
    );
    expect(await new PrometheusClient({ address: base, caFile: tls.certFile }).query('up')).toMatchObject({
      type: 'scalar',
      value: 5,
    });
    expect(await new PrometheusClient({ address: base, insecureSkipVerify: true }).query('up')).toMatchObject(
      { value: 5 },
    );
  });

  it('webhooks: refuse an unknown CA unless disableTLS is set', async () => {
    const canary = {
      apiVersion: 'serin.dev/v1beta1',
      kind: 'Canary',
      metadata: { name: 'a', namespace: 'b' },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'a' }, service: { port: 80 } },
    } as Canary;
    const port = createWebhookPort();
    const strict = await port.call(
      canary,
      CanaryWebhook.parse({ name: 'h', url: `${base}/hook` }),
      'Progressing',
    );
    expect(strict.ok).toBe(false);
    expect(strict.message).toMatch(/self.signed|certificate/i);
    expect(
      (
        await port.call(
          canary,
          CanaryWebhook.parse({ name: 'h', url: `${base}/hook`, disableTLS: true }),
          'Progressing',
        )
      ).ok,
    ).toBe(true);
  });
});
