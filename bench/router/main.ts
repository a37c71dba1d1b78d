/**
 * Router benchmark: the same 90/10 split served by
 *   (a) no proxy (the v1 upstream directly, the baseline for added latency),
 *   (b) Serin's router, (c) haproxy, (d) nginx,
 * and the floors Serin is held to (node-floor.ts): (e) node:http -> undici with no routing at all,
 * and optionally (f) a raw `net` pass-through, all in ONE run on this machine, measured with real
 * load generators, in interleaved rounds:
 *   - hey at a fixed 1,000 requests/s (10 workers x 100/s) for latency: p50/p99 added vs direct;
 *   - wrk at full speed (fixed concurrency) for throughput, and the CPU time each proxy spent per
 *     request (from /proc), which other load on the machine disturbs far less than latency.
 * Every proxy runs with ONE worker thread/process (Node's event loop is one thread), on loopback;
 * the upstreams are a separate single-worker nginx answering a 2-byte body. The Node targets run
 * as plain `node` on JavaScript compiled the way the package ships it (Serin from dist/), and are
 * warmed up first, because V8 keeps optimising for the first 60-100k requests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { freePort } from '../../src/local/workloads/free-port.js';

type Role = 'direct' | 'serin' | 'haproxy' | 'nginx' | 'floor' | 'net-floor';

interface Target {
  role: Role;
  name: string;
  url: string;
  /** The proxy's process, whose CPU time per request is measured (none for direct). */
  pid?: number | undefined;
  /** Runs on V8, so it is warmed up before measuring. */
  node?: boolean;
  /** Routes the 90/10 split (the floors and direct go to v1 only). */
  splits?: boolean;
}

interface Measured {
  role: Role;
  name: string;
  throughputRps: number;
  p50Ms: number;
  p99Ms: number;
  fixedRateRps: number;
  errors: number;
  canaryShare: number | undefined;
  /** CPU time the proxy process spent per request at full speed: barely affected by other load. */
  cpuMicrosPerRequest: number | undefined;
}

const USAGE = `usage: npx tsx bench/router/main.ts [options]

Runs Serin's router, haproxy, nginx and the Node floor (node:http -> undici, no routing) in one
run, interleaved, and prints CPU per request, throughput and added latency as ratios to haproxy
and to the floor, with the targets met or NOT met. Needs wrk, hey, haproxy and nginx, and a
current build (npm run build:js).

  --seconds N    length of each measurement (default 5)
  --rounds N     interleaved rounds; each figure is the median (default 3)
  --warmup N     requests sent to each Node target before measuring (default 100000)
  --connections N  wrk connections for the full-speed measurement (default 32)
  --net-floor    also measure a raw net pass-through (Node's socket floor, no HTTP parsing)
  --json         print the results as JSON on stdout, no progress on stderr
  --help         print this and exit
`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const KNOWN = new Set(['--seconds', '--rounds', '--warmup', '--connections', '--net-floor', '--json']);
const WITH_VALUE = new Set(['--seconds', '--rounds', '--warmup', '--connections']);
for (let i = 0; i < args.length; i++) {
  const arg = args[i] ?? '';
  if (!KNOWN.has(arg)) {
    process.stderr.write(`unknown option ${arg}\n\n${USAGE}`);
    process.exit(2);
  }
  if (WITH_VALUE.has(arg)) i++;
}
function option(name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`${name}: expected a non-negative integer, got ${String(args[at + 1])}\n`);
    process.exit(2);
  }
  return value;
}
const seconds = Math.max(1, option('--seconds', 5));
const rounds = Math.max(1, option('--rounds', 3));
const warmupRequests = option('--warmup', 100_000);
const connections = Math.max(1, option('--connections', 32));
const withNetFloor = args.includes('--net-floor');
const asJson = args.includes('--json');
const dir = mkdtempSync(join(tmpdir(), 'serin-bench-router-'));
const children: ChildProcess[] = [];

function log(line: string): void {
  if (!asJson) process.stderr.write(`${line}\n`);
}

function start(
  command: string,
  commandArgs: string[],
  readyLine?: RegExp,
): Promise<{ child: ChildProcess; match?: RegExpMatchArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = readyLine === undefined ? undefined : output.match(readyLine);
      if (match) resolve({ child, match });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      reject(new Error(`${command} exited with ${code}: ${output}`));
    });
    child.once('error', reject);
    if (readyLine === undefined) resolve({ child });
  });
}

function run(command: string, commandArgs: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(output);
      else
        reject(new Error(`${command} ${commandArgs.join(' ')} exited with ${code}: ${output.slice(-2000)}`));
    });
  });
}

async function waitForHttp(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not come up`);
}

function nginxPrelude(name: string): string {
  const d = join(dir, name);
  return `worker_processes 1;
daemon off;
master_process off;
pid ${d}.pid;
error_log ${d}.error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${d}.body; proxy_temp_path ${d}.proxy; fastcgi_temp_path ${d}.fastcgi;
  uwsgi_temp_path ${d}.uwsgi; scgi_temp_path ${d}.scgi;
  keepalive_requests 1000000;
`;
}

async function startUpstreams(v1: number, v2: number): Promise<void> {
  const conf = `${nginxPrelude('upstreams')}
  server { listen 127.0.0.1:${v1}; location / { return 200 'v1'; } }
  server { listen 127.0.0.1:${v2}; location / { return 200 'v2'; } }
}
`;
  writeFileSync(join(dir, 'upstreams.conf'), conf);
  await start('nginx', ['-e', join(dir, 'upstreams.startup.log'), '-c', join(dir, 'upstreams.conf')]);
  await waitForHttp(`http://127.0.0.1:${v1}/`);
}

async function startNginxProxy(port: number, v1: number, v2: number): Promise<Target> {
  const conf = `${nginxPrelude('proxy')}
  upstream reviews { server 127.0.0.1:${v1} weight=90; server 127.0.0.1:${v2} weight=10; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://reviews; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`;
  writeFileSync(join(dir, 'proxy.conf'), conf);
  const { child } = await start('nginx', [
    '-e',
    join(dir, 'proxy.startup.log'),
    '-c',
    join(dir, 'proxy.conf'),
  ]);
  await waitForHttp(`http://127.0.0.1:${port}/`);
  return {
    role: 'nginx',
    name: 'nginx 1.22 (1 worker)',
    url: `http://127.0.0.1:${port}/`,
    pid: child.pid,
    splits: true,
  };
}

async function startHaproxy(port: number, v1: number, v2: number): Promise<Target> {
  const conf = `global
  nbthread 1
  maxconn 4000
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
  http-reuse always
frontend fe
  bind 127.0.0.1:${port}
  default_backend reviews
backend reviews
  balance roundrobin
  server v1 127.0.0.1:${v1} weight 90
  server v2 127.0.0.1:${v2} weight 10
`;
  writeFileSync(join(dir, 'haproxy.cfg'), conf);
  const { child } = await start('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')]);
  await waitForHttp(`http://127.0.0.1:${port}/`);
  return {
    role: 'haproxy',
    name: 'haproxy 2.6 (1 thread)',
    url: `http://127.0.0.1:${port}/`,
    pid: child.pid,
    splits: true,
  };
}

const root = join(import.meta.dirname, '..', '..');
const ROUTER_IMPORT = '../../src/local/router/index.js';

/** Refuses to measure a dist/ older than the router's sources: the run would measure stale code. */
function checkBuildIsCurrent(): void {
  const src = join(root, 'src', 'local', 'router');
  for (const file of readdirSync(src)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const built = join(root, 'dist', 'local', 'router', file.replace(/\.ts$/, '.js'));
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(src, file)).mtimeMs)
      throw new Error(`dist/ is older than src/local/router/${file}: run npm run build:js first`);
  }
}

/**
 * Compiles one of the benchmark's server scripts to plain JavaScript, as tsc would (no tsx at run
 * time: its loader and esbuild's keep-names wrappers would add cost that no installed router
 * pays); the router itself is then loaded from dist/.
 */
async function compileScript(script: string): Promise<string> {
  // Loaded here, not imported above: `--help` must not wait for the compiler to load.
  const { default: ts } = await import('typescript');
  const source = readFileSync(join(import.meta.dirname, script), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023 },
  });
  const routerUrl = pathToFileURL(join(root, 'dist', 'local', 'router', 'index.js')).href;
  const out = join(root, 'node_modules', '.cache', 'serin-bench-router', script.replace(/\.ts$/, '.mjs'));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, outputText.replaceAll(`'${ROUTER_IMPORT}'`, `'${routerUrl}'`));
  return out;
}

async function startNodeScript(
  role: Role,
  name: string,
  script: string,
  scriptArgs: string[],
): Promise<Target> {
  const { match, child } = await start(
    process.execPath,
    [await compileScript(script), ...scriptArgs],
    /LISTENING (\d+)/,
  );
  const port = Number(match?.[1]);
  await waitForHttp(`http://127.0.0.1:${port}/`);
  return {
    role,
    name,
    url: `http://127.0.0.1:${port}/`,
    pid: child.pid,
    node: true,
    splits: role === 'serin',
  };
}

/** Share of responses from v2 over 2,000 requests: checks that each proxy really splits 90/10. */
async function canaryShare(url: string): Promise<number> {
  const pool = new Pool(new URL(url).origin, { connections: 8 });
  let v2 = 0;
  const total = 2000;
  try {
    for (let batch = 0; batch < total / 50; batch++) {
      const bodies = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const res = await pool.request({ path: '/', method: 'GET' });
          return res.body.text();
        }),
      );
      v2 += bodies.filter((b) => b === 'v2').length;
    }
  } finally {
    await pool.close();
  }
  return v2 / total;
}

/** User + system CPU time of a process so far, in microseconds (from /proc; Linux clock ticks of 10 ms). */
function cpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

async function throughput(target: Target): Promise<{ rps: number; cpuPerRequest: number | undefined }> {
  const before = cpuMicros(target.pid);
  const out = await run('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, target.url]);
  const after = cpuMicros(target.pid);
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  if (!m || !total) throw new Error(`cannot read wrk output: ${out}`);
  const requests = Number(total[1]);
  const cpuPerRequest =
    before === undefined || after === undefined || requests === 0 ? undefined : (after - before) / requests;
  return { rps: Number(m[1]), cpuPerRequest };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** hey at a fixed rate; per-request timings from its CSV output (0.1 ms resolution). */
async function fixedRate(url: string): Promise<{ p50: number; p99: number; rps: number; errors: number }> {
  const out = await run('hey', ['-z', `${seconds}s`, '-c', '10', '-q', '100', '-o', 'csv', url]);
  const times: number[] = [];
  let errors = 0;
  for (const line of out.split('\n').slice(1)) {
    const cols = line.split(',');
    if (cols.length < 8) continue;
    times.push(Number(cols[0]) * 1000);
    if (cols[6] !== '200') errors++;
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), rps: times.length / seconds, errors };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Sends `warmupRequests` requests at full speed, so that V8 has optimised the hot paths. */
async function warmUp(target: Target): Promise<void> {
  if (warmupRequests === 0) return;
  log(`warm-up: ${target.name}, ${warmupRequests} requests ...`);
  await run('hey', ['-n', String(warmupRequests), '-c', String(connections), target.url]);
}

/**
 * Measures every target `rounds` times, interleaved (direct, Serin, floor, haproxy, nginx,
 * direct, ...), so that a burst of load from elsewhere on the machine hits all targets alike, and
 * reports the median of each figure.
 */
async function measureAll(targets: Target[]): Promise<Measured[]> {
  const samples = targets.map(() => ({
    rps: [] as number[],
    cpu: [] as number[],
    p50: [] as number[],
    p99: [] as number[],
    fixed: [] as number[],
    errors: 0,
  }));
  const shares: (number | undefined)[] = [];
  for (const target of targets)
    shares.push(target.splits === true ? await canaryShare(target.url) : undefined);
  for (const target of targets) if (target.node === true) await warmUp(target);
  for (let round = 1; round <= rounds; round++) {
    for (const [i, target] of targets.entries()) {
      log(`round ${round}/${rounds}: ${target.name} ...`);
      const sample = samples[i];
      if (sample === undefined) continue;
      const latency = await fixedRate(target.url);
      sample.p50.push(latency.p50);
      sample.p99.push(latency.p99);
      sample.fixed.push(latency.rps);
      sample.errors += latency.errors;
      const full = await throughput(target);
      sample.rps.push(full.rps);
      if (full.cpuPerRequest !== undefined) sample.cpu.push(full.cpuPerRequest);
    }
  }
  return targets.map((target, i) => {
    const sample = samples[i];
    return {
      role: target.role,
      name: target.name,
      throughputRps: median(sample?.rps ?? []),
      p50Ms: median(sample?.p50 ?? []),
      p99Ms: median(sample?.p99 ?? []),
      fixedRateRps: median(sample?.fixed ?? []),
      errors: sample?.errors ?? 0,
      canaryShare: shares[i],
      cpuMicrosPerRequest: sample === undefined || sample.cpu.length === 0 ? undefined : median(sample.cpu),
    };
  });
}

interface Goal {
  goal: string;
  value: number;
  limit: number;
  met: boolean;
}

/** The done-when targets for Serin's router, from figures measured in this run. */
function goals(results: Measured[]): Goal[] {
  const by = (role: Role) => results.find((r) => r.role === role);
  const serin = by('serin');
  const floor = by('floor');
  const haproxy = by('haproxy');
  const direct = by('direct');
  if (!serin || !floor || !haproxy || !direct) return [];
  const out: Goal[] = [];
  if (serin.cpuMicrosPerRequest !== undefined && floor.cpuMicrosPerRequest !== undefined) {
    const value = serin.cpuMicrosPerRequest / floor.cpuMicrosPerRequest;
    out.push({ goal: 'CPU per request <= 1.2 x Node floor', value, limit: 1.2, met: value <= 1.2 });
  }
  const rps = serin.throughputRps / haproxy.throughputRps;
  out.push({ goal: 'throughput >= 0.5 x haproxy', value: rps, limit: 0.5, met: rps >= 0.5 });
  const added = serin.p99Ms - direct.p99Ms;
  out.push({ goal: 'p99 added < 1 ms @1k req/s (ms)', value: added, limit: 1, met: added < 1 });
  return out;
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || b === 0 ? '-' : (a / b).toFixed(2);
}

function report(results: Measured[]): string {
  const direct = results.find((r) => r.role === 'direct');
  const haproxy = results.find((r) => r.role === 'haproxy');
  const floor = results.find((r) => r.role === 'floor');
  if (direct === undefined || haproxy === undefined || floor === undefined) return '';
  const rows = results.map((r) => [
    r.name,
    r.canaryShare === undefined ? '-' : `${(r.canaryShare * 100).toFixed(1)}%`,
    r.throughputRps.toFixed(0),
    ratio(r.throughputRps, haproxy.throughputRps),
    ratio(r.throughputRps, floor.throughputRps),
    `${r.p50Ms.toFixed(2)} / ${r.p99Ms.toFixed(2)}`,
    r === direct ? '-' : `${(r.p50Ms - direct.p50Ms).toFixed(2)} / ${(r.p99Ms - direct.p99Ms).toFixed(2)}`,
    r.cpuMicrosPerRequest === undefined ? '-' : r.cpuMicrosPerRequest.toFixed(1),
    ratio(r.cpuMicrosPerRequest, haproxy.cpuMicrosPerRequest),
    ratio(r.cpuMicrosPerRequest, floor.cpuMicrosPerRequest),
    String(r.errors),
  ]);
  const header = [
    'target',
    'v2 share',
    'max req/s',
    'x haproxy',
    'x floor',
    'p50/p99 ms @1k/s',
    'added p50/p99 ms',
    'CPU us/req',
    'CPU x haproxy',
    'CPU x floor',
    'non-200',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const fmt = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const lines = [fmt(header), ...rows.map(fmt)];
  for (const g of goals(results))
    lines.push(`goal ${g.goal}: ${g.value.toFixed(2)} (${g.met ? 'met' : 'NOT met'})`);
  const serin = results.find((r) => r.role === 'serin');
  if (serin?.cpuMicrosPerRequest !== undefined && haproxy.cpuMicrosPerRequest !== undefined)
    lines.push(
      `CPU-bound throughput (1 core each, from CPU per request): Serin ${(haproxy.cpuMicrosPerRequest / serin.cpuMicrosPerRequest).toFixed(2)} x haproxy`,
    );
  return lines.join('\n');
}

async function main(): Promise<void> {
  checkBuildIsCurrent();
  const [v1, v2, haproxyPort, nginxPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  await startUpstreams(v1, v2);
  const targets: Target[] = [
    { role: 'direct', name: 'direct (no proxy, v1)', url: `http://127.0.0.1:${v1}/` },
    await startNodeScript('serin', 'Serin router (Node, 1 thread)', 'serin-router.ts', [
      String(v1),
      String(v2),
    ]),
    await startNodeScript('floor', 'Node floor: node:http -> undici', 'node-floor.ts', ['http', String(v1)]),
  ];
  if (withNetFloor)
    targets.push(
      await startNodeScript('net-floor', 'Node net pass-through', 'node-floor.ts', ['net', String(v1)]),
    );
  targets.push(await startHaproxy(haproxyPort, v1, v2), await startNginxProxy(nginxPort, v1, v2));
  const results = await measureAll(targets);
  const load = loadavg();
  if (asJson) {
    console.log(
      JSON.stringify(
        {
          date: new Date().toISOString(),
          cpus: cpus().length,
          loadavg: load,
          seconds,
          rounds,
          warmupRequests,
          connections,
          results,
          goals: goals(results),
        },
        null,
        2,
      ),
    );
    return;
  }
  console.log(
    `router benchmark, ${new Date().toISOString()}, ${cpus().length} CPUs, load average ${load
      .map((l) => l.toFixed(1))
      .join(' ')}, ${seconds} s per measurement, median of ${rounds} interleaved rounds, ` +
      `${warmupRequests} warm-up requests per Node target, wrk -c${connections}`,
  );
  console.log(report(results));
}

function cleanup(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
