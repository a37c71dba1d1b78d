/**
 * The local API of a real `serin run` session (no Canaries: nothing to start) against hostile
 * requests: a DNS-rebinding Host on every route, unlimited event streams, an alias bomb through
 * apply, a foreign Origin on apply, and a fuzz of the whole surface.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINT_DEFAULTS } from '../../src/http/guard.js';
import { startSession, type Session } from '../../src/local/session.js';
import { aliasBomb } from '../support/hostile-yaml.js';
import { fuzzHttp } from '../support/http-fuzz.js';

let session: Session;
let port: number;
let token: string;
const dir = mkdtempSync(join(tmpdir(), 'serin-hostile-'));

beforeAll(async () => {
  session = await startSession({
    files: [],
    sources: [],
    stateDir: join(dir, '.serin'),
    routerPort: 0,
    apiPort: 0,
    watch: false,
    buildDashboard: false,
  });
  port = Number(new URL(session.info.api).port);
  token = readFileSync(session.info.tokenFile, 'utf8').trim();
}, 120_000);
afterAll(async () => {
  await session.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: string;
  close(): void;
}

/** One request; for an event stream, resolves at the first bytes and keeps it open until close(). */
function send(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        const close = () => req.destroy();
        if (res.headers['content-type']?.startsWith('text/event-stream')) {
          res.once('data', () => {
            resolve({ status: res.statusCode ?? 0, body: '', close });
          });
          return;
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body, close });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('local API: hostile requests', () => {
  it('answers 403 to a DNS-rebinding Host on every route, /metrics and logs included', async () => {
    const routes = [
      '/healthz',
      '/metrics',
      '/api/local/status',
      '/api/local/events',
      '/api/local/canaries/default/web/logs',
      '/api/canaries',
      '/api/events',
      '/gate/check',
      '/',
    ];
    for (const path of routes) {
      const answer = await send(path, { headers: { host: `evil.example:${port}` } });
      answer.close();
      expect([path, answer.status]).toEqual([path, 403]);
    }
    expect((await send('/api/local/status')).status).toBe(200);
  });

  it('caps event streams and still answers status while the cap is reached', async () => {
    const open: Answer[] = [];
    for (let i = 0; i < ENDPOINT_DEFAULTS.maxStreams; i++) open.push(await send('/api/local/events'));
    expect(open.every((a) => a.status === 200)).toBe(true);
    const refused = await send('/api/local/events');
    expect(refused.status).toBe(503);
    const dashboardStream = await send('/api/events');
    expect(dashboardStream.status).toBe(503);
    expect((await send('/api/local/status')).status).toBe(200);
    for (const a of open) a.close();
  });

  it('answers an alias bomb through apply with 400 and the diagnostic, never 500', async () => {
    const answer = await send('/api/local/apply', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ sources: [{ name: 'bomb.yaml', text: aliasBomb(8) }] }),
    });
    expect(answer.status).toBe(400);
    const body = JSON.parse(answer.body) as { problems: string[] };
    expect(body.problems).toEqual([
      expect.stringMatching(/^bomb\.yaml:1 \(line 2\): invalid YAML: aliases expand to more than 100 nodes/),
    ]);
  });

  it("refuses apply from another site's page even with the token", async () => {
    const answer = await send('/api/local/apply', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        origin: 'http://evil.example',
      },
      body: JSON.stringify({ sources: [{ name: 'a.yaml', text: '' }] }),
    });
    expect(answer.status).toBe(403);
  });

  it('answers 300 random requests without a 500 and keeps serving', async () => {
    const report = await fuzzHttp({
      port,
      routes: [
        '/healthz',
        '/metrics',
        '/api/local/status',
        '/api/local/events',
        '/api/local/apply',
        '/api/local/canaries/default/web/logs',
        '/api/canaries',
        '/api/canaries/default/web/actions',
        '/gate/check',
        '/gate/open',
        '/rollback/check',
        '/',
      ],
      headers: { authorization: `Bearer ${token}` },
    });
    process.stdout.write(`local API fuzz: ${report.requests} requests, ${JSON.stringify(report.byStatus)}\n`);
    expect(report.failures).toEqual([]);
    expect((await send('/api/local/status')).status).toBe(200);
  }, 300_000);
});
