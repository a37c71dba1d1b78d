/**
 * Router benchmark: the same 90/10 split served by
 *   (a) no proxy (the v1 upstream directly, the baseline),
 *   (b) Serin's router, (c) haproxy, (d) nginx,
 * in one run on this machine, measured with real load generators:
 *   - hey at a fixed 1,000 requests/s (10 workers x 100/s) for latency: p50/p99 added vs direct;
 *   - wrk at full speed for throughput, and the CPU time each proxy spent per request (from /proc),
 *     which other load on the machine disturbs far less than latency percentiles.
 * Every proxy runs with ONE worker thread/process (Node's event loop is one thread), on loopback;
 * the upstreams are a separate single-worker nginx answering a 2-byte body.
 *
 *   npx tsx bench/router/main.ts [--seconds N] [--rounds N] [--json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { freePort } from '../../src/local/workloads/free-port.js';

interface Target {
  name: string;
  url: string;
  /** The proxy's process, whose CPU time per request is measured (none for direct). */
  pid?: number | undefined;
}

interface Measured {
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

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : Number(args[at + 1]) || fallback;
};
const seconds = option('--seconds', 5);
const rounds = option('--rounds', 3);
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
  return { name: 'nginx 1.22 (1 worker)', url: `http://127.0.0.1:${port}/`, pid: child.pid };
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
  return { name: 'haproxy 2.6 (1 thread)', url: `http://127.0.0.1:${port}/`, pid: child.pid };
}

async function startSerin(v1: number, v2: number): Promise<Target> {
  const script = join(import.meta.dirname, 'serin-router.ts');
  const { match, child } = await start(
    process.execPath,
    ['--import', 'tsx', script, String(v1), String(v2)],
    /LISTENING (\d+)/,
  );
  const port = Number(match?.[1]);
  await waitForHttp(`http://127.0.0.1:${port}/`);
  return { name: 'Serin router (Node, 1 thread)', url: `http://127.0.0.1:${port}/`, pid: child.pid };
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
  const out = await run('wrk', ['-t1', '-c32', `-d${seconds}s`, target.url]);
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

/**
 * Measures every target `rounds` times, interleaved (direct, Serin, haproxy, nginx, direct, ...),
 * so that a burst of load from elsewhere on the machine hits all targets alike, and reports the
 * median of each figure.
 */
async function measureAll(targets: [Target, boolean][]): Promise<Measured[]> {
  const samples = targets.map(() => ({
    rps: [] as number[],
    cpu: [] as number[],
    p50: [] as number[],
    p99: [] as number[],
    fixed: [] as number[],
    errors: 0,
  }));
  const shares: (number | undefined)[] = [];
  for (const [target, split] of targets) shares.push(split ? await canaryShare(target.url) : undefined);
  for (let round = 1; round <= rounds; round++) {
    for (const [i, [target]] of targets.entries()) {
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
  return targets.map(([target], i) => {
    const sample = samples[i];
    return {
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

function report(results: Measured[]): string {
  const direct = results[0];
  const haproxy = results.find((r) => r.name.startsWith('haproxy'));
  if (direct === undefined || haproxy === undefined) return '';
  const cpu = (r: Measured) => (r.cpuMicrosPerRequest === undefined ? '-' : r.cpuMicrosPerRequest.toFixed(1));
  const cpuRatio = (r: Measured) =>
    r.cpuMicrosPerRequest === undefined || haproxy.cpuMicrosPerRequest === undefined
      ? '-'
      : (r.cpuMicrosPerRequest / haproxy.cpuMicrosPerRequest).toFixed(2);
  const rows = results.map((r) => {
    const added50 = r.p50Ms - direct.p50Ms;
    const added99 = r.p99Ms - direct.p99Ms;
    return [
      r.name,
      r.canaryShare === undefined ? '-' : `${(r.canaryShare * 100).toFixed(1)}%`,
      r.throughputRps.toFixed(0),
      (r.throughputRps / haproxy.throughputRps).toFixed(2),
      `${r.p50Ms.toFixed(2)} / ${r.p99Ms.toFixed(2)}`,
      r === direct ? '-' : `${added50.toFixed(2)} / ${added99.toFixed(2)}`,
      cpu(r),
      cpuRatio(r),
      String(r.errors),
    ];
  });
  const header = [
    'target',
    'v2 share',
    'max req/s',
    'x haproxy',
    'p50/p99 ms @1k/s',
    'added p50/p99 ms',
    'proxy CPU us/req',
    'CPU x haproxy',
    'non-200',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const fmt = (row: string[]) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [fmt(header), ...rows.map(fmt)].join('\n');
}

async function main(): Promise<void> {
  const [v1, v2, haproxyPort, nginxPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  await startUpstreams(v1, v2);
  const targets: [Target, boolean][] = [
    [{ name: 'direct (no proxy, v1)', url: `http://127.0.0.1:${v1}/` }, false],
    [await startSerin(v1, v2), true],
    [await startHaproxy(haproxyPort, v1, v2), true],
    [await startNginxProxy(nginxPort, v1, v2), true],
  ];
  const results = await measureAll(targets);
  if (asJson) {
    console.log(
      JSON.stringify(
        { date: new Date().toISOString(), cpus: cpus().length, loadavg: loadavg(), seconds, rounds, results },
        null,
        2,
      ),
    );
    return;
  }
  console.log(
    `router benchmark, ${new Date().toISOString()}, ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, ${seconds} s per measurement, median of ${rounds} interleaved rounds`,
  );
  console.log(report(results));
  const serin = results[1];
  const direct = results[0];
  const haproxy = results[2];
  if (serin && direct && haproxy) {
    const added = serin.p99Ms - direct.p99Ms;
    console.log(
      `goal p99 added latency < 1 ms at 1,000 req/s: ${added.toFixed(2)} ms (${added < 1 ? 'met' : 'NOT met'}); ` +
        `goal throughput >= 0.5 x haproxy: ${(serin.throughputRps / haproxy.throughputRps).toFixed(2)} (${serin.throughputRps >= haproxy.throughputRps / 2 ? 'met' : 'NOT met'})`,
    );
    if (serin.cpuMicrosPerRequest !== undefined && haproxy.cpuMicrosPerRequest !== undefined) {
      const ratio = haproxy.cpuMicrosPerRequest / serin.cpuMicrosPerRequest;
      console.log(
        `CPU-bound throughput (1 core each, from CPU time per request): Serin ${ratio.toFixed(2)} x haproxy (${ratio >= 0.5 ? 'met' : 'NOT met'})`,
      );
    }
  }
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
