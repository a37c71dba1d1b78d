import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../state/atomic-file.js';
import { signalGroup } from './replica.js';

interface Entry {
  pid: number;
  executable: string;
}

/**
 * Remembers which processes this instance started, in a file, so that the next instance can stop
 * the ones a `kill -9` left behind before it starts its own. A recorded pid is only signalled when
 * /proc still shows the same executable, so a recycled pid is never touched.
 */
export class ProcessRegistry {
  private readonly entries = new Map<number, Entry>();

  constructor(private readonly file: string | undefined) {}

  /** Stops processes a previous instance left running; returns how many it stopped. */
  reapStale(): number {
    if (this.file === undefined) return 0;
    let stale: Entry[];
    try {
      stale = (JSON.parse(readFileSync(this.file, 'utf8')) as { processes?: Entry[] }).processes ?? [];
    } catch {
      return 0;
    }
    let stopped = 0;
    for (const entry of stale) {
      if (commandOf(entry.pid)?.[0] !== entry.executable) continue;
      signalGroup(entry.pid, 'SIGKILL');
      stopped++;
    }
    this.save();
    return stopped;
  }

  started(pid: number): void {
    const executable = commandOf(pid)?.[0];
    if (executable === undefined) return;
    this.entries.set(pid, { pid, executable });
    this.save();
  }

  exited(pid: number): void {
    if (this.entries.delete(pid)) this.save();
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

function commandOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}
