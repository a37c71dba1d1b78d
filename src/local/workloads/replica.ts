import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ReadinessProbe, WorkloadSpec } from '../../api/workload.js';
import { AdoptedProcess } from './adopted-process.js';
import { freePort } from './free-port.js';
import { LogBuffer } from './log-buffer.js';
import { DEFAULT_PROBE, probeOnce } from './probe.js';
import type { ProcessIdentity } from './process-identity.js';
import { FileFollower, openForChild, outputFiles } from './replica-output.js';

export interface ReplicaOptions {
  /** Name used in logs and file names, e.g. `podinfo-primary-0`. */
  name: string;
  spec: WorkloadSpec;
  /** Directory relative working directories are read from (the manifest's directory). */
  baseDir: string;
  /** Where the log file goes; undefined keeps logs in memory only. */
  logFile?: string;
  /** Extra environment Serin sets (after the spec's own env, before PORT). */
  extraEnv?: Record<string, string>;
  /** Told about every process started and ended, so a later run can clean up after `kill -9`. */
  onProcess?: (event: 'started' | 'exited', pid: number) => void;
  /** Told whenever readiness changes. */
  onChange?: () => void;
}

export interface ReplicaState {
  name: string;
  port: number;
  pid: number | undefined;
  ready: boolean;
  restarts: number;
  message: string;
  /** How the last process ended on its own (not stopped by Serin). */
  lastExit?: ReplicaExit;
  /** Waiting out the backoff before the next restart. */
  backingOff: boolean;
}

/** How a replica's process ended: its exit code or signal, or why it could not be started. */
export interface ReplicaExit {
  code?: number;
  signal?: string;
  /** A spawn failure (`spawn ./server ENOENT`): the process never ran, so there is no exit code. */
  error?: string;
  time: string;
}

const MAX_BACKOFF_MS = 30_000;
const FIRST_BACKOFF_MS = 250;
/** A process that stayed up this long is healthy again: its next crash starts the backoff afresh. */
const STABLE_AFTER_MS = 10_000;

/**
 * One supervised process. It is started with an argument array (never through a shell), gets its
 * own free port in PORT, is probed for readiness, and is restarted with exponential backoff when
 * it exits on its own. `stop()` sends SIGTERM to its process group, then SIGKILL after the grace
 * period.
 */
export class Replica {
  readonly logs: LogBuffer;
  port = 0;
  private child: ChildProcess | AdoptedProcess | undefined;
  private followers: FileFollower[] = [];
  private ready = false;
  private stopping = false;
  private restarts = 0;
  private consecutiveCrashes = 0;
  private startedAt = 0;
  private message = 'not started';
  private probeTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private probeFailures = 0;
  private lastError = '';
  private lastExit: ReplicaExit | undefined;
  private backingOff = false;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: ReplicaOptions) {
    this.logs = new LogBuffer(500, options.logFile);
  }

  async start(): Promise<void> {
    this.stopping = false;
    if (this.port === 0) this.port = await freePort();
    this.launch();
  }

  /**
   * Takes over a live process a previous instance started for this replica (same group, revision
   * and index), instead of starting a new one: it keeps its port and goes on serving.
   */
  adopt(survivor: ProcessIdentity & { port: number }): void {
    this.stopping = false;
    this.port = survivor.port;
    const child = new AdoptedProcess(survivor);
    this.child = child;
    this.startedAt = Date.now();
    this.probeFailures = 0;
    this.followOutput();
    this.exited = new Promise((done) => {
      child.once('close', () => {
        done();
      });
    });
    child.once('close', () => {
      this.onExit(child, null, null);
    });
    this.options.onProcess?.('started', child.pid);
    this.logs.note(`adopted pid ${child.pid} on port ${this.port}, left running by a previous instance`);
    this.message = 'adopted, waiting for the readiness probe';
    this.scheduleProbe(0);
  }

  state(): ReplicaState {
    return {
      name: this.options.name,
      port: this.port,
      pid: this.child?.pid,
      ready: this.ready,
      restarts: this.restarts,
      message: this.message,
      ...(this.lastExit ? { lastExit: this.lastExit } : {}),
      backingOff: this.backingOff,
    };
  }

  isReady(): boolean {
    return this.ready;
  }

  /** False while an adopted process awaits its first readiness answer: then it is not known to serve. */
  adoptionSettled(): boolean {
    const child = this.child;
    if (!(child instanceof AdoptedProcess)) return true;
    return this.ready || this.probeFailures > 0 || !child.alive || this.stopping;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    clearTimeout(this.probeTimer);
    this.setReady(false, 'stopped');
    const child = this.child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      signalGroup(child.pid, 'SIGTERM');
      const grace = setTimeout(() => {
        if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      }, this.options.spec.terminationGracePeriodSeconds * 1000);
      await this.exited;
      clearTimeout(grace);
    }
    this.stopFollowing();
    this.logs.close();
  }

  private launch(): void {
    const { spec, baseDir } = this.options;
    const [executable = '', ...leading] = spec.command;
    const cwd = spec.workingDir === undefined ? baseDir : resolveDir(baseDir, spec.workingDir);
    const env = { ...process.env, ...spec.env, ...this.options.extraEnv, PORT: String(this.port) };
    this.startedAt = Date.now();
    this.probeFailures = 0;
    // With a log file, output goes to files the replica holds itself, so it outlives `serin run`.
    const files =
      this.options.logFile === undefined ? undefined : openForChild(outputFiles(this.options.logFile));
    if (files !== undefined) this.followOutput();
    let child: ChildProcess;
    try {
      child = spawn(executable, [...leading, ...spec.args], {
        cwd,
        env,
        stdio: ['ignore', files?.stdout ?? 'pipe', files?.stderr ?? 'pipe'],
        // Its own process group, so stopping it also stops anything it started.
        detached: true,
        shell: false,
      });
    } finally {
      if (files !== undefined) {
        closeSync(files.stdout);
        closeSync(files.stderr);
      }
    }
    this.child = child;
    this.exited = new Promise((done) => {
      child.once('close', () => {
        done();
      });
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      this.logs.write('stdout', chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.logs.write('stderr', chunk);
    });
    child.once('spawn', () => {
      if (child.pid !== undefined) this.options.onProcess?.('started', child.pid);
      this.logs.note(`started pid ${child.pid} on port ${this.port}`);
      this.message = 'started, waiting for the readiness probe';
      this.scheduleProbe((spec.readinessProbe ?? DEFAULT_PROBE).initialDelaySeconds * 1000);
    });
    child.once('error', (error) => {
      this.logs.note(`could not start ${executable}: ${error.message}`);
      this.lastError = `could not start ${executable}: ${error.message}`;
    });
    child.once('close', (code, signal) => {
      this.onExit(child, code, signal);
    });
  }

  private onExit(
    child: ChildProcess | AdoptedProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    if (child.pid !== undefined) this.options.onProcess?.('exited', child.pid);
    clearTimeout(this.probeTimer);
    // Its last words come before the news of its end.
    this.stopFollowing();
    const status =
      child instanceof AdoptedProcess
        ? 'exit status unknown: adopted, not a child of this instance'
        : signal === null
          ? `exit code ${code}`
          : `signal ${signal}`;
    const how = status + (this.lastError ? `; ${this.lastError}` : '');
    const exit = exitOf(code, signal, this.lastError);
    this.lastError = '';
    this.logs.note(`process ended (${how})`);
    if (this.stopping) return;
    this.lastExit = exit;
    this.backingOff = true;
    this.setReady(false, `crashed (${how})`);
    if (Date.now() - this.startedAt > STABLE_AFTER_MS) this.consecutiveCrashes = 0;
    const delay = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** this.consecutiveCrashes);
    this.consecutiveCrashes++;
    this.restarts++;
    this.message = `crashed (${how}), restarting in ${delay} ms`;
    this.logs.note(`restarting in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      this.backingOff = false;
      if (!this.stopping) this.launch();
    }, delay);
  }

  /** Reads the replica's output files into the log buffer from their current end. */
  private followOutput(): void {
    this.stopFollowing();
    if (this.options.logFile === undefined) return;
    const files = outputFiles(this.options.logFile);
    this.followers = [
      new FileFollower(files.stdout, (chunk) => {
        this.logs.write('stdout', chunk);
      }),
      new FileFollower(files.stderr, (chunk) => {
        this.logs.write('stderr', chunk);
      }),
    ];
  }

  private stopFollowing(): void {
    for (const follower of this.followers) follower.close();
    this.followers = [];
  }

  private scheduleProbe(delayMs: number): void {
    clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => void this.runProbe(), delayMs);
  }

  private async runProbe(): Promise<void> {
    const probe: ReadinessProbe = this.options.spec.readinessProbe ?? DEFAULT_PROBE;
    const child = this.child;
    const result = await probeOnce(probe, this.port);
    if (this.stopping || child !== this.child) return;
    if (result.ok) {
      this.probeFailures = 0;
      this.setReady(true, result.message);
    } else {
      this.probeFailures++;
      // Before the first success a replica is simply not ready yet; after it, it takes
      // failureThreshold failures in a row to take it out of rotation.
      if (!this.ready || this.probeFailures >= probe.failureThreshold) this.setReady(false, result.message);
    }
    this.scheduleProbe(probe.periodSeconds * 1000);
  }

  private setReady(ready: boolean, message: string): void {
    this.message = message;
    if (this.ready === ready) return;
    this.ready = ready;
    this.options.onChange?.();
  }
}

/** A spawn error leaves no exit code (Node reports a negative errno as the code): keep only the error. */
function exitOf(code: number | null, signal: NodeJS.Signals | null, spawnError: string): ReplicaExit {
  const time = new Date().toISOString();
  if (spawnError !== '') return { error: spawnError, time };
  if (signal !== null) return { signal, time };
  return { ...(code !== null ? { code } : {}), time };
}

function resolveDir(baseDir: string, dir: string): string {
  return isAbsolute(dir) ? dir : resolve(baseDir, dir);
}

/** Signals a whole process group; a group that is already gone is not an error. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
