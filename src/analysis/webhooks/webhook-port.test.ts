import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CanaryDocument, CanaryWebhook, type CanaryWebhookInput } from '../../api/canary.js';
import { advance } from '../../engine/tick.js';
import { analysisIntervalMs } from '../../engine/analysis-config.js';
import { makeCanary } from '../../engine/testing/fixtures.js';
import { MemoryWorld } from '../../engine/testing/memory-world.js';
import { createWebhookPort } from './webhook-port.js';

interface Received {
  path: string;
  method: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

let server: Server;
let base: string;
const received: Received[] = [];
/** Per path: the statuses to answer, in order (the last one repeats). */
let script: Record<
  string,
  // `hang`: no answer at all, until the client gives up (a timeout, whatever the machine's load).
  { status: number; body?: string; delayMs?: number; hang?: boolean; headers?: Record<string, string> }[]
> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      received.push({
        path,
        method: req.method ?? '',
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        body: JSON.parse(text) as unknown,
      });
      const steps = script[path] ?? [{ status: 200 }];
      const step = steps.length > 1 ? steps.shift()! : steps[0]!;
      if (step.hang === true) return;
      setTimeout(() => res.writeHead(step.status, step.headers).end(step.body ?? ''), step.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  received.length = 0;
  script = {};
});

const canary = CanaryDocument.parse({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: { port: 9898 },
    analysis: { interval: '1m', threshold: 5, stepWeight: 10, maxWeight: 50 },
  },
  status: { lastAppliedSpec: 'abc', trackedConfigs: { 'configmap/cfg': '1' } },
});

const port = createWebhookPort({ backoffMs: 20, maxBackoffMs: 100 });
const hook = (path: string, extra: Partial<CanaryWebhookInput> = {}): CanaryWebhook =>
  CanaryWebhook.parse({ name: 'gate', url: `${base}${path}`, ...extra });

describe('webhook port against a real HTTP receiver', () => {
  it("sends URL userinfo as Basic auth, as Go's client does, and keeps it out of messages", async () => {
    const url = `${base.replace('http://', 'http://admin:p%40ss%3Aword@')}/creds?token=abc`;
    const result = await port.call(canary, CanaryWebhook.parse({ name: 'gate', url }), 'Progressing');
    expect(result.ok).toBe(true);
    expect(received[0]?.authorization).toBe(`Basic ${Buffer.from('admin:p@ss:word').toString('base64')}`);
    expect(result.message).not.toContain('admin');
    expect(result.message).not.toContain('word');
    expect(result.message).not.toContain('abc');
  });

  it("POSTs Flagger's JSON payload", async () => {
    const result = await port.call(
      canary,
      hook('/ok', { metadata: { cmd: 'hey -z 1m http://x/' } }),
      'Progressing',
    );
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', contentType: 'application/json' });
    expect(received[0]?.body).toEqual({
      name: 'podinfo',
      namespace: 'test',
      phase: 'Progressing',
      checksum: expect.stringMatching(/^[0-9a-f]{16}$/) as string,
      metadata: { cmd: 'hey -z 1m http://x/' },
    });
  });

  it('accepts any 2xx, including 204 and 299 that Flagger refuses', async () => {
    script = { '/a': [{ status: 204 }], '/b': [{ status: 299 }], '/c': [{ status: 202 }] };
    for (const path of ['/a', '/b', '/c'])
      expect((await port.call(canary, hook(path), 'Progressing')).ok).toBe(true);
  });

  it('fails on 3xx (no redirect following) and 4xx without retrying, quoting the body', async () => {
    script = {
      '/moved': [{ status: 302, headers: { location: '/ok' } }],
      '/denied': [{ status: 403, body: 'gate closed for podinfo.test' }],
    };
    const moved = await port.call(canary, hook('/moved', { retries: 3 }), 'Progressing');
    expect(moved).toMatchObject({ ok: false, status: 302 });
    const denied = await port.call(canary, hook('/denied', { retries: 3 }), 'Progressing');
    expect(denied).toMatchObject({ ok: false, status: 403 });
    expect(denied.message).toMatch(/refused with HTTP 403: gate closed for podinfo.test/);
    expect(received.map((r) => r.path)).toEqual(['/moved', '/denied']);
  });

  it('retries 5xx and 429 with backoff until success, but not 501', async () => {
    script = {
      '/flaky': [{ status: 503 }, { status: 429, headers: { 'retry-after': '0' } }, { status: 200 }],
      '/nope': [{ status: 501 }],
    };
    const flaky = await port.call(canary, hook('/flaky', { retries: 3 }), 'Progressing');
    expect(flaky).toMatchObject({ ok: true, status: 200 });
    expect(flaky.message).toMatch(/after 3 attempts/);
    const nope = await port.call(canary, hook('/nope', { retries: 3 }), 'Progressing');
    expect(nope).toMatchObject({ ok: false, status: 501 });
    expect(received.filter((r) => r.path === '/nope')).toHaveLength(1);
  });

  it('gives up after the configured retries', async () => {
    script = { '/down': [{ status: 500 }] };
    const result = await port.call(canary, hook('/down', { retries: 2 }), 'Progressing');
    expect(result).toMatchObject({ ok: false, status: 500 });
    expect(received).toHaveLength(3);
  });

  it('times out, and retries a timeout', async () => {
    // The slow answer never comes, so the first attempt times out however loaded the machine is;
    // the timeout leaves the retry's immediate answer seconds, not the 200 ms a loaded run missed.
    script = { '/slow': [{ status: 200, hang: true }, { status: 200 }] };
    const once = await port.call(canary, hook('/slow', { timeout: '3s' }), 'Progressing');
    expect(once.ok).toBe(false);
    expect(once.message).toMatch(/timed out after 3000 ms/);
    script = { '/slow2': [{ status: 200, hang: true }, { status: 200 }] };
    const retried = await port.call(canary, hook('/slow2', { timeout: '3s', retries: 1 }), 'Progressing');
    expect(retried.ok).toBe(true);
    expect(received.filter((r) => r.path === '/slow2')).toHaveLength(2);
  });

  it('reports connection errors without leaking credentials in the URL', async () => {
    const result = await port.call(
      canary,
      CanaryWebhook.parse({
        name: 'x',
        url: 'http://user:s3cret@127.0.0.1:1/hook?token=abcd1234',
        retries: 1,
      }),
      'Progressing',
    );
    expect(result.ok).toBe(false);
    expect(result.status).toBeUndefined();
    expect(result.message).toMatch(/ECONNREFUSED/);
    expect(result.message).toMatch(/after 2 attempts/);
    expect(result.message).not.toMatch(/s3cret|abcd1234/);
  });
});

describe('event hooks, from the engine to a real receiver', () => {
  it("send Flagger's fields, eventType by severity, a timestamp and the decision id", async () => {
    const world = new MemoryWorld(
      makeCanary({
        stepWeight: 50,
        maxWeight: 50,
        webhooks: [{ name: 'events', type: 'event', url: `${base}/events`, metadata: { team: 'a' } }],
      }),
      {
        metrics: () => ({
          checks: [
            { name: 'error-rate', kind: 'metric', verdict: 'fail', value: 9, max: 1, message: '9 > 1' },
          ],
        }),
      },
    );
    const ports = { ...world.ports, webhooks: port };
    // One analysis interval between ticks: the engine takes no step without a full one.
    const tick = async () => {
      await advance(world.canary, ports);
      world.wait(analysisIntervalMs(world.canary));
    };
    await tick();
    world.deploy('rev-2');
    for (let i = 0; i < 3; i++) await tick();
    const halt = world.status.decisions?.find((d) => d.action === 'Halt');
    const sent = received.map((r) => r.body as { metadata: Record<string, string>; decisionId?: string });
    const warning = sent.find((b) => b.decisionId === halt?.id);
    expect(warning).toEqual({
      name: 'podinfo',
      namespace: 'test',
      phase: 'Progressing',
      checksum: expect.stringMatching(/^[0-9a-f]{16}$/) as string,
      metadata: {
        team: 'a',
        eventMessage: halt?.reason,
        eventType: 'Warning',
        timestamp: String(Date.parse(halt?.time ?? '')),
      },
      decisionId: halt?.id,
    });
    const normal = sent.find((b) => b.metadata.eventMessage?.startsWith('new revision'));
    expect(normal?.metadata.eventType).toBe('Normal');
    expect(new Set(sent.map((b) => b.decisionId)).size).toBe(sent.length);
  });
});
