import { closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';

/** How often the output files of a replica are read for new lines. */
const FOLLOW_MS = 100;
const CHUNK = 64 * 1024;

/**
 * A replica writes its stdout and stderr straight into files (`<log>.stdout`, `<log>.stderr`),
 * not into pipes to `serin run`: a pipe would break when `serin run` restarts, and a process
 * writing to a broken pipe dies. The files outlive both, so the next instance adopts the process
 * and goes on reading its output from where it is.
 */
export interface ReplicaOutputFiles {
  stdout: string;
  stderr: string;
}

export function outputFiles(logFile: string): ReplicaOutputFiles {
  return { stdout: `${logFile}.stdout`, stderr: `${logFile}.stderr` };
}

/** Opens the files for appending, as descriptors a child inherits; the caller closes them after spawn. */
export function openForChild(files: ReplicaOutputFiles): { stdout: number; stderr: number } {
  mkdirSync(dirname(files.stdout), { recursive: true });
  return { stdout: openSync(files.stdout, 'a'), stderr: openSync(files.stderr, 'a') };
}

/** Reads what is appended to a file, from the end it had when following started. */
export class FileFollower {
  private readonly fd: number | undefined;
  private position: number;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    path: string,
    private readonly onData: (chunk: Buffer) => void,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    let fd: number | undefined;
    try {
      fd = openSync(path, 'a+');
    } catch {
      fd = undefined;
    }
    this.fd = fd;
    this.position = fd === undefined ? 0 : fstatSync(fd).size;
    this.timer = setInterval(() => {
      this.drain();
    }, FOLLOW_MS);
    this.timer.unref();
  }

  /** Reads everything written so far (also called before a replica's end is reported). */
  drain(): void {
    if (this.fd === undefined || this.closed) return;
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      let read: number;
      try {
        read = readSync(this.fd, buffer, 0, CHUNK, this.position);
      } catch {
        return;
      }
      if (read <= 0) return;
      this.position += read;
      this.onData(Buffer.from(buffer.subarray(0, read)));
    }
  }

  close(): void {
    if (this.closed) return;
    this.drain();
    this.closed = true;
    clearInterval(this.timer);
    if (this.fd !== undefined) closeSync(this.fd);
  }
}
