/**
 * A real Prometheus (Debian's /usr/bin/prometheus) for tests, on a loopback port, with either
 * backfilled data (OpenMetrics text turned into TSDB blocks by `promtool tsdb
 * create-blocks-from openmetrics`, queried with `time=`: deterministic and instant) or scrape
 * targets (realistic, but `rate()` needs a few scrapes before it has data).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/local/workloads/free-port.js';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';

export interface PrometheusOptions {
  /** OpenMetrics text (ending in `# EOF`) to backfill before start. */
  openMetrics?: string;
  /** `host:port` targets scraped at `scrapeIntervalSeconds` (default 1). */
  scrapeTargets?: string[];
  scrapeIntervalSeconds?: number;
}

export interface RunningPrometheus {
  url: string;
  dir: string;
  stop(): Promise<void>;
}

export function run(
  command: string,
  args: readonly string[],
  cwd?: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, output });
    });
  });
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${log()}`);
    try {
      const response = await fetch(`${url}/-/ready`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`prometheus not ready after 30 s: ${log()}`);
}

function config(options: PrometheusOptions): string {
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  const targets = options.scrapeTargets ?? [];
  const scrape =
    targets.length === 0
      ? 'scrape_configs: []\n'
      : `scrape_configs:\n  - job_name: test\n    scrape_interval: ${interval}\n    static_configs:\n      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]\n`;
  return `global:\n  scrape_interval: ${interval}\n  evaluation_interval: ${interval}\n${scrape}`;
}

export async function startPrometheus(options: PrometheusOptions = {}): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'serin-prometheus-'));
  const data = join(dir, 'data');
  await writeFile(join(dir, 'prometheus.yml'), config(options));
  if (options.openMetrics !== undefined) {
    await writeFile(join(dir, 'input.om'), options.openMetrics);
    const made = await run(PROMTOOL_BIN, [
      'tsdb',
      'create-blocks-from',
      'openmetrics',
      join(dir, 'input.om'),
      data,
    ]);
    if (made.code !== 0) throw new Error(`promtool create-blocks-from failed: ${made.output}`);
  }
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${data}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr.on('data', (c: Buffer) => {
      log = (log + c.toString()).slice(-4000);
    });
    try {
      await waitReady(url, child, () => log);
    } catch (error) {
      child.kill('SIGKILL');
      if (attempt < 2 && log.includes('address already in use')) continue;
      throw error;
    }
    return {
      url,
      dir,
      async stop() {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          const gone = await Promise.race([exited.then(() => true), delay(5000).then(() => false)]);
          if (!gone) child.kill('SIGKILL');
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}
