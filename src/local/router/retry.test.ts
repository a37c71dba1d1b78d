import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../workloads/free-port.js';
import { createRouter, type Router } from './index.js';
import type { RouterConfig } from './types.js';
import { startUpstream } from './testing/upstream.js';

const children: ChildProcess[] = [];
const routers: Router[] = [];

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(routers.map((r) => r.close()));
});

/** A replica as local mode runs them: a real `node` process serving HTTP on its own port. */
async function replica(name: string): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const code = `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => { s.setHeader('x-served-by', ${JSON.stringify(name)}); s.end(${JSON.stringify(name)}); }); }).listen(${port}, '127.0.0.1', () => console.log('up'));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((done, fail) => {
    child.stdout.once('data', () => {
      done();
    });
    child.once('exit', () => {
      fail(new Error(`${name} exited before serving`));
    });
  });
  return { child, port };
}

function config(ports: number[], retries?: Record<string, unknown>): RouterConfig {
  return {
    services: [
      {
        name: 'web',
        namespace: 'default',
        endpoints: ports.map((port, i) => ({ address: '127.0.0.1', port, workload: `web-${i}` })),
      },
    ],
    virtualServices: [
      {
        name: 'web',
        namespace: 'default',
        spec: {
          hosts: ['web'],
          http: [{ route: [{ destination: { host: 'web' } }], ...(retries ? { retries } : {}) }],
        },
      },
    ],
  };
}

/** Concurrent clients of the load: each can lose at most the one request in flight at the kill. */
const CLIENTS = 4;

/** Kills with -9 and resolves once the process is gone: a signal is delivered, not obeyed, at once. */
function killed(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    child.once('exit', () => {
      done();
    });
    child.kill('SIGKILL');
  });
}

/**
 * `requests` requests through the router, 4 at a time; `during` runs once a quarter have answered,
 * and no client sends another request until it has finished. On a loaded machine the load could
 * otherwise end before the kill took effect, and what a test says about the time after the kill
 * would be measured on no requests at all.
 */
async function load(
  url: string,
  requests: number,
  during: () => Promise<void>,
  body?: string,
): Promise<{ ok: number; failed: Map<string, number> }> {
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  const failed = new Map<string, number>();
  let ok = 0;
  let next = 0;
  let interruption: Promise<void> | undefined;
  const worker = async () => {
    while (next < requests) {
      if (interruption === undefined && ok >= requests / 4) interruption = during();
      if (interruption !== undefined) await interruption;
      if (next >= requests) break;
      next++;
      try {
        const res = await request(url, {
          dispatcher: agent,
          headers: { host: 'web' },
          ...(body !== undefined ? { method: 'POST', body } : {}),
        });
        const text = await res.body.text();
        if (res.statusCode === 200) ok++;
        else {
          const key = `${res.statusCode} ${String(res.headers['x-serin-response-flags'] ?? '')} ${text.trim()}`;
          failed.set(key, (failed.get(key) ?? 0) + 1);
        }
      } catch (error) {
        const key = (error as Error).message;
        failed.set(key, (failed.get(key) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, () => worker()));
  await agent.close();
  return { ok, failed };
}

async function routerFor(cfg: RouterConfig): Promise<string> {
  const router = createRouter(cfg);
  routers.push(router);
  const address = await router.listen(0);
  return `http://127.0.0.1:${address.port}/`;
}

const failures = (failed: Map<string, number>) => [...failed.values()].reduce((a, b) => a + b, 0);

describe("Istio's default retry policy in the router", () => {
  it('a replica killed with -9 under load costs no refused connection: connect failures go to another replica', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    // The dead replica stays in the configuration: nothing takes it out, only retries save the requests.
    const url = await routerFor(config([a.port, b.port]));
    const result = await load(url, 1200, () => killed(a.child));
    console.log(
      `kill -9 of one of two replicas: requests 1200, failed ${failures(result.failed)}`,
      result.failed,
    );
    // No refused connection costs a request: those are retried on the other replica. What may
    // fail is a request the killed replica had already received (at most one per concurrent
    // client): Istio's default retryOn (connect-failure, refused-stream, unavailable, cancelled,
    // retriable-status-codes) has no `reset`, so Envoy answers it 503 UC too.
    const lost = [...result.failed.entries()];
    expect(
      lost.filter(([k]) => !k.startsWith('503 UC ')),
      JSON.stringify(lost),
    ).toEqual([]);
    expect(failures(result.failed)).toBeLessThanOrEqual(CLIENTS);
    expect(result.ok + failures(result.failed)).toBe(1200);
  }, 120_000);

  it('retries a refused connection for a request with a body too: no byte of it was sent', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    const url = await routerFor(config([a.port, b.port]));
    const result = await load(url, 600, () => killed(a.child), 'payload '.repeat(64));
    // No refused connection costs a request. What may fail is a request whose body the killed
    // replica was already reading when it died (at most one per concurrent client): that body
    // was sent, so neither Istio nor Serin can send it again.
    const lost = [...result.failed.entries()];
    expect(
      lost.filter(([k]) => !k.startsWith('503 UC ')),
      JSON.stringify(lost),
    ).toEqual([]);
    expect(failures(result.failed)).toBeLessThanOrEqual(CLIENTS);
  }, 120_000);

  it('retries.attempts: 0 disables the default: the same kill then costs requests (503 UF)', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    const url = await routerFor(config([a.port, b.port], { attempts: 0 }));
    const result = await load(url, 600, () => killed(a.child));
    const refused = [...result.failed.entries()].filter(([k]) => k.startsWith('503 UF'));
    expect(refused.length, JSON.stringify([...result.failed])).toBe(1);
    expect(failures(result.failed)).toBeGreaterThan(50);
  }, 120_000);

  it('with one replica left and it dead, the answer is 503 UF,URX after the default two retries', async () => {
    const a = await upstreamThatIsGone();
    const url = await routerFor(config([a]));
    const res = await request(url, { headers: { host: 'web' } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['x-serin-response-flags']).toBe('UF,URX');
    await res.body.dump();
  });
});

/** A port that served once and now refuses connections. */
async function upstreamThatIsGone(): Promise<number> {
  const up = await startUpstream('gone');
  await up.close();
  return up.port;
}
