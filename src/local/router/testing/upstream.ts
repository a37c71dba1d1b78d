import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import type { Endpoint } from '../types.js';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface TestUpstream {
  name: string;
  port: number;
  seen: SeenRequest[];
  endpoint(labels?: Record<string, string>): Endpoint;
  close(): Promise<void>;
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/**
 * A real HTTP server on 127.0.0.1 that records what it receives and, by default, answers with its
 * own name in the body and in `x-served-by`, so tests can count which upstream served a request.
 */
export async function startUpstream(name: string, handler?: UpstreamHandler): Promise<TestUpstream> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (handler !== undefined) {
        handler(req, res, body);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'x-served-by': name });
      res.end(name);
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    port,
    seen,
    endpoint: (labels = {}) => ({ address: '127.0.0.1', port, workload: name, labels }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

export interface RouterClient {
  get(
    path: string,
    options?: { host?: string; headers?: Record<string, string>; method?: string; body?: string },
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>;
  close(): Promise<void>;
}

/** A keep-alive client for a router under test. */
export function routerClient(port: number, defaultHost: string): RouterClient {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 16 });
  return {
    async get(path, options = {}) {
      const res = await pool.request({
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? defaultHost, ...options.headers },
        body: options.body ?? null,
      });
      const body = await res.body.text();
      return { status: res.statusCode, headers: res.headers, body };
    },
    close: () => pool.close(),
  };
}

/** Runs `total` calls with at most `concurrency` in flight; resolves with every result in order. */
export async function runConcurrently<T>(
  total: number,
  concurrency: number,
  call: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array<T>(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      results[i] = await call(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return results;
}

/** Accepted count range for a binomial(n, p) outcome at `sigmas` standard deviations. */
export function binomialBounds(n: number, p: number, sigmas = 4.5): { min: number; max: number } {
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  return { min: Math.floor(mean - sigmas * sd), max: Math.ceil(mean + sigmas * sd) };
}
