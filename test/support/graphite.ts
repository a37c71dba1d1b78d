/**
 * A real Graphite for tests: Debian's carbon-cache (graphite-carbon) storing whisper files, and
 * graphite-web (a Django application) served by Debian's gunicorn, both on free 127.0.0.1 ports
 * in a temporary directory of their own, with their own `carbon.conf`, storage schema and settings
 * module (graphite-web reads `GRAPHITE_SETTINGS_MODULE`), so nothing under /etc or /var is read or
 * written and no root is needed.
 *
 * Points are fed through carbon's plaintext protocol (`<path> <value> <timestamp>\n` on the line
 * receiver), as a statsd or collectd would send them; graphite-web answers the render API from the
 * whisper files and, for points still in carbon's cache, through carbonlink. The render API does
 * not touch graphite-web's database (only users, dashboards and tags do), so no `migrate` runs.
 *
 * A missing install is an error naming the package and `scripts/install-system-deps.sh`, never a
 * skipped suite. Processes are killed on `stop()`, or with their process group when the Node
 * process exits first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/local/workloads/free-port.js';
import { reapAtExit } from './reap-at-exit.js';

export const CARBON_CACHE_BIN = process.env.CARBON_CACHE_BIN ?? '/usr/bin/carbon-cache';
export const GUNICORN_BIN = process.env.GUNICORN_BIN ?? '/usr/bin/gunicorn';
/** graphite-web's package, which gunicorn imports `graphite.wsgi` from. */
const GRAPHITE_WEB_PACKAGE = '/usr/lib/python3/dist-packages/graphite/wsgi.py';

/** Whisper's resolution in these tests: one point per 10 s, kept a day. */
export const GRAPHITE_STEP_SECONDS = 10;

export interface GraphitePoint {
  path: string;
  value: number;
  /** Seconds since the epoch. */
  timestamp: number;
}

export interface TestGraphite {
  /** graphite-web's base URL, the `address` of a graphite MetricTemplate. */
  url: string;
  /** Sends points over carbon's plaintext protocol (one connection, closed after the write). */
  send(points: readonly GraphitePoint[]): Promise<void>;
  /** GETs `/render` with `format=json` and the given parameters; the parsed answer. */
  render(params: Record<string, string>): Promise<unknown>;
  stop(): Promise<void>;
}

/** gunicorn forks its workers: signal the whole group the child leads. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function requireInstalled(): void {
  const missing = [
    [CARBON_CACHE_BIN, 'graphite-carbon'],
    [GUNICORN_BIN, 'gunicorn'],
    [GRAPHITE_WEB_PACKAGE, 'graphite-web'],
  ].filter(([path]) => path !== undefined && !existsSync(path));
  if (missing.length > 0)
    throw new Error(
      `Graphite is not installed (${missing.map(([path, pkg]) => `${pkg ?? ''}: no ${path ?? ''}`).join('; ')}): run scripts/install-system-deps.sh`,
    );
}

interface Ports {
  line: number;
  pickle: number;
  cacheQuery: number;
  web: number;
}

function carbonConf(dir: string, ports: Ports): string {
  const storage = join(dir, 'storage');
  return [
    '[cache]',
    `STORAGE_DIR = ${storage}/`,
    `LOCAL_DATA_DIR = ${storage}/whisper/`,
    `WHITELISTS_DIR = ${storage}/lists/`,
    `CONF_DIR = ${dir}/`,
    `LOG_DIR = ${storage}/log/`,
    `PID_DIR = ${storage}/`,
    'DATABASE = whisper',
    'ENABLE_LOGROTATION = False',
    // No throttling: a test's points are written as soon as they arrive.
    'MAX_CACHE_SIZE = inf',
    'MAX_UPDATES_PER_SECOND = inf',
    'MAX_CREATES_PER_MINUTE = inf',
    'LINE_RECEIVER_INTERFACE = 127.0.0.1',
    `LINE_RECEIVER_PORT = ${String(ports.line)}`,
    'ENABLE_UDP_LISTENER = False',
    'PICKLE_RECEIVER_INTERFACE = 127.0.0.1',
    `PICKLE_RECEIVER_PORT = ${String(ports.pickle)}`,
    'CACHE_QUERY_INTERFACE = 127.0.0.1',
    `CACHE_QUERY_PORT = ${String(ports.cacheQuery)}`,
    'LOG_LISTENER_CONN_SUCCESS = False',
    '',
  ].join('\n');
}

function webSettings(dir: string, ports: Ports): string {
  const storage = join(dir, 'storage');
  return [
    `SECRET_KEY = 'serin-test-only'`,
    `STORAGE_DIR = '${storage}/'`,
    `LOG_DIR = '${storage}/log/webapp/'`,
    `CARBONLINK_HOSTS = ['127.0.0.1:${String(ports.cacheQuery)}']`,
    `ALLOWED_HOSTS = ['127.0.0.1']`,
    '',
  ].join('\n');
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  reapAtExit(child, (c) => {
    killGroup(c, 'SIGKILL');
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { child, log: () => log };
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

async function waitFor(
  what: string,
  started: { child: ChildProcess; log: () => string },
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null)
      throw new Error(`${what} exited with ${String(started.child.exitCode)}: ${started.log()}`);
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not ready after ${String(timeoutMs)} ms: ${started.log()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => {
    killGroup(child, 'SIGKILL');
  }, 10_000);
  await exited;
  clearTimeout(timer);
  // gunicorn's worker outlives a master killed by the timer above: end the rest of the group.
  if (child.pid !== undefined)
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is empty.
    }
}

export interface GraphiteOptions {
  /** How long each server may take to listen; default 90 s (a loaded machine imports slowly). */
  readyTimeoutMs?: number;
}

/** Whether a server that failed to start lost its port to another process (worth another try). */
const PORT_TAKEN = /Address already in use|Errno 98|Connection in use/;

interface Launched {
  url: string;
  ports: Ports;
  stopProcesses: () => Promise<void>;
}

/** Starts carbon-cache and graphite-web in `dir` on fresh ports; both listening on return. */
async function launch(dir: string, timeoutMs: number): Promise<Launched> {
  const ports: Ports = {
    line: await freePort(),
    pickle: await freePort(),
    cacheQuery: await freePort(),
    web: await freePort(),
  };
  writeFileSync(join(dir, 'carbon.conf'), carbonConf(dir, ports));
  writeFileSync(join(dir, 'serin_graphite_settings.py'), webSettings(dir, ports));
  const env = { PATH: process.env.PATH, HOME: dir, LANG: 'C.UTF-8' };
  const carbon = start(
    CARBON_CACHE_BIN,
    [`--config=${join(dir, 'carbon.conf')}`, '--nodaemon', 'start'],
    env,
  );
  const web = start(
    GUNICORN_BIN,
    [
      '--bind',
      `127.0.0.1:${String(ports.web)}`,
      '--workers',
      '1',
      '--timeout',
      '120',
      'graphite.wsgi:application',
    ],
    { ...env, PYTHONPATH: dir, GRAPHITE_SETTINGS_MODULE: 'serin_graphite_settings' },
  );
  const url = `http://127.0.0.1:${String(ports.web)}`;
  const stopProcesses = async () => {
    await Promise.all([stopChild(web.child), stopChild(carbon.child)]);
  };
  try {
    await Promise.all([
      waitFor(
        'carbon-cache',
        carbon,
        async () => (await tcpOpen(ports.line)) && tcpOpen(ports.cacheQuery),
        timeoutMs,
      ),
      waitFor(
        'graphite-web',
        web,
        async () => {
          try {
            return (await fetch(`${url}/render?format=json`)).ok;
          } catch {
            return false;
          }
        },
        timeoutMs,
      ),
    ]);
  } catch (error) {
    await stopProcesses();
    throw error;
  }
  return { url, ports, stopProcesses };
}

export async function startGraphite(options: GraphiteOptions = {}): Promise<TestGraphite> {
  requireInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'serin-graphite-'));
  for (const sub of ['whisper', 'lists', 'log/webapp'])
    mkdirSync(join(dir, 'storage', sub), { recursive: true });
  writeFileSync(
    join(dir, 'storage-schemas.conf'),
    `[default]\npattern = .*\nretentions = ${String(GRAPHITE_STEP_SECONDS)}s:1d\n`,
  );
  let launched: Launched | undefined;
  for (let attempt = 1; launched === undefined; attempt++) {
    try {
      launched = await launch(dir, options.readyTimeoutMs ?? 90_000);
    } catch (error) {
      // Another process may have taken a port between probing and binding: try others.
      if (attempt < 3 && PORT_TAKEN.test((error as Error).message)) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const { url, ports, stopProcesses } = launched;
  const stop = async () => {
    await stopProcesses();
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    url,
    send: (points) => sendPlaintext(ports.line, points),
    async render(params) {
      const query = new URLSearchParams({ ...params, format: 'json' });
      const response = await fetch(`${url}/render?${query.toString()}`);
      const text = await response.text();
      if (!response.ok)
        throw new Error(`graphite-web answered ${String(response.status)}: ${text.slice(0, 300)}`);
      return JSON.parse(text) as unknown;
    },
    stop,
  };
}

function sendPlaintext(port: number, points: readonly GraphitePoint[]): Promise<void> {
  const lines = points.map((p) => `${p.path} ${String(p.value)} ${String(p.timestamp)}\n`).join('');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end(lines);
    });
    socket.once('error', reject);
    socket.once('close', (hadError) => {
      if (!hadError) resolve();
    });
  });
}
