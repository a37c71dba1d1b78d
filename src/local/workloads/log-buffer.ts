import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export interface LogLine {
  time: string;
  stream: 'stdout' | 'stderr' | 'serin';
  text: string;
}

/**
 * Keeps a replica's recent output in memory (for the API and the terminal) and appends all of it
 * to a file. Lines are split on newlines; a partial line waits for the rest of its chunk.
 */
export class LogBuffer {
  private readonly lines: LogLine[] = [];
  private readonly partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  private readonly file: WriteStream | undefined;

  constructor(
    readonly capacity = 500,
    filePath?: string,
  ) {
    if (filePath !== undefined) {
      mkdirSync(dirname(filePath), { recursive: true });
      this.file = createWriteStream(filePath, { flags: 'a' });
      this.file.on('error', () => undefined);
    }
  }

  write(stream: 'stdout' | 'stderr', chunk: Buffer | string): void {
    const text = this.partial[stream] + chunk.toString();
    const parts = text.split('\n');
    this.partial[stream] = parts.pop() ?? '';
    for (const line of parts) this.push(stream, line);
  }

  /** A line written by Serin itself (started, exited, restarting). */
  note(text: string): void {
    this.push('serin', text);
  }

  recent(limit = this.capacity): LogLine[] {
    return this.lines.slice(-limit);
  }

  close(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream] !== '') this.push(stream, this.partial[stream]);
      this.partial[stream] = '';
    }
    this.file?.end();
  }

  private push(stream: LogLine['stream'], text: string): void {
    const line = { time: new Date().toISOString(), stream, text };
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
    this.file?.write(`${line.time} ${stream} ${text}\n`);
  }
}
