import { spawn, type ChildProcess } from 'node:child_process';
import { SERIN_BIN } from '../support/cli.js';

export interface RunLine {
  type: string;
  canary?: { phase: string; canaryWeight: number };
  event?: { reason: string; message: string };
}

export interface SerinRun {
  child: ChildProcess;
  lines: RunLine[];
  stderr(): string;
  /** Resolves with the exit code (or the signal) once the process is gone. */
  exited: Promise<number | NodeJS.Signals>;
}

/** `serin run --json` as a child process, as a user runs it, with every line it printed. */
export function serinRun(args: string[]): SerinRun {
  const child = spawn(process.execPath, [SERIN_BIN, 'run', '--json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const lines: RunLine[] = [];
  let buffer = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const part of parts) if (part.trim() !== '') lines.push(JSON.parse(part) as RunLine);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | NodeJS.Signals>((done) => {
    child.once('exit', (code, signal) => {
      done(signal ?? code ?? -1);
    });
  });
  return { child, lines, stderr: () => err, exited };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills whatever a suite's state directory still records (its afterAll safety net). */
export function killRecorded(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
