import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tokenIdentity } from './auth.js';
import { createMemoryBackend, type MemoryBackend } from './memory-backend.js';
import { createDashboardHandler, createDashboardServer, type DashboardServer } from './server.js';
import { sampleCanary } from './testing/fixtures.js';

const TOKEN = 'correct-horse-battery-staple';
const uiDir = mkdtempSync(join(tmpdir(), 'serin-dashboard-ui-'));
const emptyDir = mkdtempSync(join(tmpdir(), 'serin-dashboard-empty-'));
mkdirSync(join(uiDir, 'assets'));
writeFileSync(
  join(uiDir, 'index.html'),
  '<!doctype html><title>ui</title><script type="module" src="/assets/app.js"></script>',
);
writeFileSync(join(uiDir, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(join(tmpdir(), 'serin-dashboard-secret.txt'), 'secret');

afterAll(() => {
  rmSync(uiDir, { recursive: true, force: true });
  rmSync(emptyDir, { recursive: true, force: true });
  rmSync(join(tmpdir(), 'serin-dashboard-secret.txt'), { force: true });
});

let servers: DashboardServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

interface Setup {
  backend: MemoryBackend;
  server: DashboardServer;
  applied: string[];
}

async function start(
  options: { token?: string; tokenName?: string; readOnly?: boolean; heartbeatMs?: number } = {},
): Promise<Setup> {
  const applied: string[] = [];
  const backend = createMemoryBackend({
    onAction: (_ref, command) => {
      applied.push('action' in command ? command.action.type : command.type);
      return { accepted: true, message: 'done' };
    },
  });
  backend.record(sampleCanary(), { phase: 'Progressing', canaryWeight: 10 });
  const server = await createDashboardServer({ backend, uiDir, ...options });
  servers.push(server);
  return { backend, server, applied };
}

const post = (server: DashboardServer, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/api/canaries/test/podinfo/actions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('dashboard server: reading', () => {
  it('binds to 127.0.0.1 by default and lists canaries', async () => {
    const { server } = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${server.url}/api/canaries`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { name: string; canaryWeight: number }[] };
    expect(body.items.map((c) => [c.name, c.canaryWeight])).toEqual([['podinfo', 10]]);
  });

  it('serves detail and history, and 404 for an unknown canary', async () => {
    const { server, backend } = await start();
    backend.record(
      sampleCanary(),
      { phase: 'Progressing', canaryWeight: 20 },
      {
        canary: { successRate: 98.5 },
        primary: { successRate: 100 },
      },
    );
    const detail = (await (await fetch(`${server.url}/api/canaries/test/podinfo`)).json()) as {
      canaryWeight: number;
    };
    expect(detail.canaryWeight).toBe(20);
    const history = (await (await fetch(`${server.url}/api/canaries/test/podinfo/history`)).json()) as {
      items: { canaryWeight: number; canary: { successRate?: number } }[];
    };
    expect(history.items.map((p) => p.canaryWeight)).toEqual([10, 20]);
    expect(history.items[1]?.canary.successRate).toBe(98.5);
    const missing = await fetch(`${server.url}/api/canaries/test/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'canary test/nope not found' });
  });

  it('rejects names that are not Kubernetes names', async () => {
    const { server } = await start();
    const res = await fetch(`${server.url}/api/canaries/Test%20NS/podinfo`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('invalid namespace "Test NS"');
  });

  it('sends security headers with a CSP that allows no other origin', async () => {
    const { server } = await start();
    for (const path of ['/api/canaries', '/', '/assets/app.js']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/https?:|unsafe-inline|unsafe-eval|\*/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('serves the UI and its assets, never files outside it', async () => {
    const { server } = await start();
    expect(await (await fetch(`${server.url}/`)).text()).toContain('<title>ui</title>');
    const asset = await fetch(`${server.url}/assets/app.js`);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
    // fetch normalises "..", so send the raw path with node:http.
    const raw = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${server.url}/..%2Fserin-dashboard-secret.txt`, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(raw.body).not.toContain('secret');
  });

  it('explains how to build the UI when it is missing, and the API still works', async () => {
    const backend = createMemoryBackend();
    const server = await createDashboardServer({ backend, uiDir: emptyDir, buildUiIfMissing: false });
    servers.push(server);
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:dashboard');
    expect((await fetch(`${server.url}/api/canaries`)).status).toBe(200);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const { server } = await start();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/api/canaries`, { headers: { Host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});

describe('dashboard server: actions', () => {
  it('is read-only without a token, says so, and applies nothing', async () => {
    const { server, applied, backend } = await start();
    expect(server.readOnly).toBe(true);
    expect(await (await fetch(`${server.url}/api/info`)).json()).toEqual({
      platform: 'local',
      readOnly: true,
    });
    const res = await post(server, { action: { type: 'abort' } }, { Authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toContain('read-only');
    expect(applied).toEqual([]);
    expect((await backend.get('test', 'podinfo'))?.events).toEqual([]);
  });

  it('refuses an action without the token or with a wrong one, and applies nothing', async () => {
    const { server, applied } = await start({ token: TOKEN });
    const missing = await post(server, { action: { type: 'abort' } });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    const wrong = await post(
      server,
      { action: { type: 'abort' } },
      { Authorization: 'Bearer not-the-token' },
    );
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: string }).error).toBe('the token was not accepted');
    expect(applied).toEqual([]);
  });

  it('applies an action with the token and records who did it', async () => {
    const { server, applied, backend } = await start({ token: TOKEN });
    expect(server.readOnly).toBe(false);
    const res = await post(server, { action: { type: 'abort' } }, { Authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(202);
    const by = tokenIdentity(TOKEN);
    expect(by).toMatch(/^token:[0-9a-f]{4}$/);
    const answer = (await res.json()) as Record<string, unknown>;
    expect(answer).toEqual({ accepted: true, message: 'done', by, command: answer.command });
    expect(answer.command).toMatch(/^[0-9a-f-]{36}$/);
    expect(applied).toEqual(['abort']);
    const events = (await backend.get('test', 'podinfo'))?.events ?? [];
    expect(events.every((e) => e.by === by)).toBe(true);
    expect(events.map((e) => e.reason)).toEqual(['ActionRequested', 'ActionAccepted']);
  });

  it('records the configured token name as who acted', async () => {
    const { server, backend } = await start({ token: TOKEN, tokenName: 'release-bot' });
    await post(server, { action: { type: 'pause' } }, { Authorization: `Bearer ${TOKEN}` });
    expect((await backend.get('test', 'podinfo'))?.events.at(-1)?.by).toBe('release-bot');
  });

  it('stays read-only when asked even with a token', async () => {
    const { server, applied } = await start({ token: TOKEN, readOnly: true });
    const res = await post(server, { action: { type: 'promote' } }, { Authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(403);
    expect(applied).toEqual([]);
  });

  it('answers 409 with the platform message when it refuses the action', async () => {
    const backend = createMemoryBackend({
      onAction: () => ({ accepted: false, message: 'already promoted' }),
    });
    backend.upsert(sampleCanary());
    const server = await createDashboardServer({ backend, uiDir, token: TOKEN });
    servers.push(server);
    const res = await post(server, { action: { type: 'promote' } }, { Authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ accepted: false, message: 'already promoted' });
  });

  it.each([
    [
      { action: { type: 'set-weight', weight: 150 } },
      'action.weight: expected a whole number between 0 and 100',
    ],
    [{ action: { type: 'explode' } }, 'action.type: expected type to be one of'],
    [{ action: { type: 'gate', gate: 'approve' } }, 'action.open: expected true (open) or false (close)'],
    [{}, 'action: required'],
    [{ action: { type: 'abort' }, force: true }, 'force: unknown field'],
    ['{not json', 'request body is not valid JSON'],
  ])('rejects the malformed body %j with a 400 naming the field', async (body, message) => {
    const { server, applied } = await start({ token: TOKEN });
    const res = await post(server, body, { Authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain(message);
    expect(applied).toEqual([]);
  });

  it('requires a JSON content type and a bounded body', async () => {
    const { server } = await start({ token: TOKEN });
    const text = await post(server, '{"action":{"type":"abort"}}', {
      Authorization: `Bearer ${TOKEN}`,
      'Content-Type': 'text/plain',
    });
    expect(text.status).toBe(415);
    const huge = await post(
      server,
      { action: { type: 'abort' }, pad: 'x'.repeat(100_000) },
      {
        Authorization: `Bearer ${TOKEN}`,
      },
    );
    expect(huge.status).toBe(413);
  });
});

describe('dashboard server: live updates', () => {
  it('streams a change event when a canary changes, and heartbeats', async () => {
    const { server, backend } = await start({ heartbeatMs: 50 });
    const controller = new AbortController();
    const res = await fetch(`${server.url}/api/events`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string): Promise<void> => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += decoder.decode(value);
      }
    };
    await readUntil('event: ready');
    backend.record(sampleCanary(), { phase: 'Progressing', canaryWeight: 30 });
    await readUntil('event: change\ndata: {"namespace":"test","name":"podinfo"}');
    await readUntil(': heartbeat');
    controller.abort();
  });
});

describe('dashboard handler', () => {
  it('serves the same API when mounted inside another server', async () => {
    const backend = createMemoryBackend();
    backend.record(sampleCanary(), { phase: 'Succeeded', canaryWeight: 0 });
    const dashboard = await createDashboardHandler({ backend, uiDir });
    const outer = createServer((req, res) => {
      if (req.url === '/healthz') res.end('ok');
      else dashboard.handle(req, res);
    });
    await new Promise<void>((resolve) => outer.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(outer.address() as AddressInfo).port}`;
    try {
      expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok');
      const list = (await (await fetch(`${base}/api/canaries`)).json()) as { items: { phase: string }[] };
      expect(list.items.map((c) => c.phase)).toEqual(['Succeeded']);
      expect(dashboard.readOnly).toBe(true);
    } finally {
      dashboard.close();
      await new Promise((resolve) => outer.close(resolve));
    }
  });
});
