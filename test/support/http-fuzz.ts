/**
 * Random requests against one HTTP surface with a fixed seed: methods, paths built from the
 * surface's own routes (with random segments and malformed percent-escapes), headers and bodies.
 * Every request must be answered, none with a 5xx, and the server must keep serving.
 */
import { request } from 'node:http';
import fc from 'fast-check';

export interface FuzzOptions {
  port: number;
  /** The surface's routes, e.g. `/api/canaries/test/podinfo/actions`. */
  routes: readonly string[];
  runs?: number;
  seed?: number;
  /** Headers every request carries (a token, say), besides the random ones. */
  headers?: Record<string, string>;
}

export interface FuzzReport {
  requests: number;
  byStatus: Record<string, number>;
  /** Requests answered 5xx (other than 503) or not at all, with what was sent. */
  failures: { method: string; path: string; outcome: string }[];
}

const METHODS = ['GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'FOO'];
const SEGMENTS = [
  '',
  'x',
  '..',
  '%2e%2e',
  '%',
  '%E0%A4%A',
  '%zz',
  '%00',
  'a%2Fb',
  '~',
  'index.html',
  'A'.repeat(300),
  '%C0%AF',
  '%F0%9F%A6%9C',
];
const TYPES = [
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-8',
  '',
];

const path = (routes: readonly string[]) =>
  fc
    .tuple(
      fc.constantFrom(...routes),
      fc.array(fc.constantFrom(...SEGMENTS), { maxLength: 3 }),
      fc.constantFrom('', '?', '?a=1', '?%zz', '#x', '?q=%E0'),
      fc.boolean(),
    )
    .map(([route, extra, query, replace]) => {
      if (!replace || extra.length === 0) return `${route}${extra.map((s) => `/${s}`).join('')}${query}`;
      // Replace one segment of the route itself, so handlers see odd names where names belong.
      const parts = route.split('/');
      parts[Math.max(1, parts.length - 1 - (extra.length % parts.length))] = extra[0] ?? '';
      return `${parts.join('/')}${query}`;
    });

const body = fc.oneof(
  fc.constant(undefined),
  fc.json(),
  fc.string({ maxLength: 300 }),
  fc.constantFrom(
    '{"action":{"type":"abort"}}',
    '{"sources":[{"name":"a","text":"*x"}]}',
    '{"name":"a","namespace":"b","metadata":{"cmd":"hey -c 1 -z 1s http://x/"}}',
    '[',
    'null',
    '{"__proto__":{"x":1}}',
  ),
);

const headers = fc.record(
  {
    'content-type': fc.constantFrom(...TYPES),
    accept: fc.constantFrom('text/event-stream', 'application/json', '*/*'),
    origin: fc.constantFrom('null', 'http://evil.example', 'not a url'),
    authorization: fc.constantFrom('Bearer x', 'Basic Og==', 'Bearer', ''),
    'x-forwarded-host': fc.constant('evil.example'),
  },
  { requiredKeys: [] },
);

const sample = (routes: readonly string[]) =>
  fc.record({ method: fc.constantFrom(...METHODS), path: path(routes), body, headers });

/** Sends one request; resolves with its status, or an outcome such as "no answer". */
function send(
  port: number,
  req: { method: string; path: string; body: string | undefined; headers: Record<string, string> },
): Promise<string> {
  return new Promise((resolve) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        method: req.method,
        path: req.path,
        headers: { connection: 'close', ...req.headers },
      },
      (res) => {
        // Event streams stay open: the status is the answer.
        res.destroy();
        resolve(String(res.statusCode ?? 0));
      },
    );
    outgoing.setTimeout(30_000, () => {
      outgoing.destroy();
      resolve('no answer in 30 s');
    });
    outgoing.on('error', (error) => {
      resolve(`connection error: ${error.message}`);
    });
    outgoing.end(req.body);
  });
}

export async function fuzzHttp(options: FuzzOptions): Promise<FuzzReport> {
  const runs = options.runs ?? 300;
  const samples = fc.sample(sample(options.routes), { numRuns: runs, seed: options.seed ?? 20261201 });
  const report: FuzzReport = { requests: 0, byStatus: {}, failures: [] };
  for (const s of samples) {
    const sent = {
      method: s.method,
      path: s.path.startsWith('/') ? s.path : `/${s.path}`,
      body:
        s.method === 'GET' || s.method === 'HEAD' || s.body === undefined
          ? undefined
          : typeof s.body === 'string'
            ? s.body
            : JSON.stringify(s.body),
      headers: Object.fromEntries(
        Object.entries({ ...s.headers, ...options.headers }).filter(([, v]) => v !== ''),
      ),
    };
    const outcome = await send(options.port, sent);
    report.requests += 1;
    report.byStatus[outcome] = (report.byStatus[outcome] ?? 0) + 1;
    // 503 is the documented "busy" answer (stream or connection budget, UI not built); any other 5xx is a bug.
    if (!/^(?:[1-4]\d\d|503)$/.test(outcome))
      report.failures.push({ method: sent.method, path: sent.path, outcome });
  }
  return report;
}
