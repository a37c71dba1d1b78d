import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeEntry } from '../node-entry.js';
import { isSameProcess } from '../workloads/process-identity.js';
import { signalGroup } from '../workloads/replica.js';
import { DATAPLANE_TOKEN_ENV, readDataplaneRecord, type DataplaneRecord } from './files.js';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Starts the data-plane process detached (its own process group, output to a log file, no pipe
 * to this process), so nothing ties its life to `serin run`. Resolves once it wrote its record
 * and `ready` accepts it; rejects with the last lines of its log if it exits or times out first.
 */
export async function spawnDataplane(options: {
  stateDir: string;
  port: number;
  host: string;
  token: string;
  timeoutMs: number;
  ready(record: DataplaneRecord): Promise<boolean>;
}): Promise<DataplaneRecord> {
  const logDir = join(options.stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, 'dataplane.log');
  const log = openSync(logFile, 'a');
  const args = ['--state-dir', options.stateDir, '--port', String(options.port), '--host', options.host];
  let child;
  try {
    const entry = nodeEntry(import.meta.url, 'main');
    child = spawn(process.execPath, [...entry.execArgv, entry.file, ...args], {
      detached: true,
      stdio: ['ignore', log, log],
      // The token goes in the environment, which only its owner can read, never in argv.
      env: { ...process.env, [DATAPLANE_TOKEN_ENV]: options.token },
      shell: false,
    });
  } finally {
    closeSync(log);
  }
  child.unref();
  let exit: string | undefined;
  child.once('exit', (code, signal) => {
    exit = signal === null ? `exit code ${code}` : `signal ${signal}`;
  });
  child.once('error', (error) => {
    exit = error.message;
  });
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const found = readDataplaneRecord(options.stateDir);
    if (child.pid !== undefined && found?.pid === child.pid && (await options.ready(found))) return found;
    if (exit !== undefined || Date.now() > deadline) {
      if (exit === undefined && child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      throw new Error(
        `the data plane could not serve ${options.host}:${options.port} (${exit ?? 'timed out'}): ${lastLines(logFile)}`,
      );
    }
    await sleep(50);
  }
}

/** Stops a data plane by its verified identity: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(target: DataplaneRecord, graceMs: number): Promise<void> {
  if (!isSameProcess(target)) return;
  signalGroup(target.pid, 'SIGTERM');
  await waitGone(target, graceMs);
}

/** Waits for a process to end, SIGKILLing it once `graceMs` is over. */
export async function waitGone(target: DataplaneRecord, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (isSameProcess(target)) {
    if (Date.now() > deadline) signalGroup(target.pid, 'SIGKILL');
    await sleep(50);
  }
}

function lastLines(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}
