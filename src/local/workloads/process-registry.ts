import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../state/atomic-file.js';
import { isSameProcess, processIdentity, type ProcessIdentity } from './process-identity.js';
import { signalGroup } from './replica.js';

/** What a recorded process is for, so that the next instance can adopt it instead of restarting it. */
export type ProcessRole = {
  kind: 'replica';
  /** The group's process name: `<workload>-primary` or `<workload>`. */
  group: string;
  revision: string;
  index: number;
  port: number;
};

export interface RegisteredProcess extends ProcessIdentity {
  role?: ProcessRole;
}

/**
 * Remembers which processes this instance started, in a file, so that the next instance can adopt
 * the ones still doing what it wants and stop the others after a `kill -9`. A recorded pid is only
 * ever signalled while it is the same process: same start time and same argv as recorded
 * (`process-identity.ts`), so a recycled pid running something else is never touched.
 */
export class ProcessRegistry {
  private readonly entries = new Map<number, RegisteredProcess>();

  constructor(private readonly file: string | undefined) {}

  /**
   * The processes a previous instance recorded that are still alive and still themselves. They
   * stay recorded (a crash now must not forget them) until adopted, reaped or seen to exit.
   */
  inherit(): RegisteredProcess[] {
    const live = readRecorded(this.file).filter(isSameProcess);
    for (const entry of live) this.entries.set(entry.pid, entry);
    this.save();
    return live;
  }

  /** Stops inherited processes nobody adopted (SIGKILL to their group); returns how many. */
  reap(processes: readonly RegisteredProcess[]): number {
    let stopped = 0;
    for (const entry of processes) {
      this.entries.delete(entry.pid);
      if (!isSameProcess(entry)) continue;
      signalGroup(entry.pid, 'SIGKILL');
      stopped++;
    }
    this.save();
    return stopped;
  }

  /** Stops every process a previous instance left running; returns how many it stopped. */
  reapStale(): number {
    return this.reap(this.inherit());
  }

  /** Records a process this instance started (or adopted), with what it is for. */
  started(pid: number, role?: ProcessRole): void {
    const identity = processIdentity(pid);
    if (identity === undefined) return;
    this.entries.set(pid, { ...identity, ...(role !== undefined ? { role } : {}) });
    this.save();
  }

  exited(pid: number): void {
    if (this.entries.delete(pid)) this.save();
  }

  /** What is recorded right now (for tests and diagnostics). */
  recorded(): RegisteredProcess[] {
    return [...this.entries.values()];
  }

  private save(): void {
    if (this.file === undefined) return;
    try {
      writeFileAtomicSync(this.file, JSON.stringify({ processes: [...this.entries.values()] }));
    } catch {
      // The registry only helps clean up after a crash; failing to write it must not stop a replica.
    }
  }
}

function readRecorded(file: string | undefined): RegisteredProcess[] {
  if (file === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  const list = (parsed as { processes?: unknown } | null)?.processes;
  if (!Array.isArray(list)) return [];
  // Entries written before start times were recorded (argv[0] only) cannot be told apart from a
  // recycled pid: they are dropped, never signalled.
  return list.filter(
    (entry): entry is RegisteredProcess =>
      typeof entry === 'object' &&
      entry !== null &&
      Number.isInteger((entry as RegisteredProcess).pid) &&
      Number.isSafeInteger((entry as RegisteredProcess).startTime) &&
      Array.isArray((entry as RegisteredProcess).argv),
  );
}
