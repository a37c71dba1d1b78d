/**
 * Load runs started by `rollout` webhooks, as Flagger's load tester runs `cmd` tasks: the webhook
 * answers at once, and the same command for the same canary is never run twice at the same time
 * (a `hey -z 10m` started by the first tick is "already running" on the next ones).
 */
import { createHash } from 'node:crypto';
import { runLoad, type LoadSummary } from './generator.js';
import { parseHey, type LoadOptions } from './hey.js';

export interface LoadTask {
  id: string;
  canary: string;
  command: string;
  startedAt: string;
  finishedAt?: string;
  summary?: LoadSummary;
}

export interface LoadTasksOptions {
  /** Longest a task may run (default 1 h, as the load tester's `-timeout`). */
  maxDurationMs?: number;
  /** Called when a task ends. */
  onFinished?: (task: LoadTask) => void;
}

export class LoadTasks {
  private readonly running = new Map<
    string,
    { task: LoadTask; controller: AbortController; done: Promise<void> }
  >();
  private readonly finished: LoadTask[] = [];

  constructor(private readonly options: LoadTasksOptions = {}) {}

  /** Parses and starts a `hey` command for a canary; throws CommandLineError for a bad line. */
  start(canary: string, command: string): { task: LoadTask; started: boolean } {
    const options = this.bounded(parseHey(command));
    const id = createHash('sha256').update(`${canary}\n${command}`).digest('hex').slice(0, 12);
    const existing = this.running.get(id);
    if (existing !== undefined) return { task: existing.task, started: false };
    const task: LoadTask = { id, canary, command, startedAt: new Date().toISOString() };
    const controller = new AbortController();
    const done = runLoad(options, { signal: controller.signal })
      .then((summary) => {
        task.summary = summary;
      })
      .catch(() => undefined)
      .finally(() => {
        task.finishedAt = new Date().toISOString();
        this.running.delete(id);
        this.finished.push(task);
        if (this.finished.length > 50) this.finished.shift();
        this.options.onFinished?.(task);
      });
    this.running.set(id, { task, controller, done });
    return { task, started: true };
  }

  private bounded(options: LoadOptions): LoadOptions {
    const max = this.options.maxDurationMs ?? 3_600_000;
    return { ...options, durationMs: Math.min(options.durationMs ?? max, max) };
  }

  list(): { running: LoadTask[]; finished: LoadTask[] } {
    return { running: [...this.running.values()].map((r) => r.task), finished: [...this.finished] };
  }

  /** Stops every task and waits for them to end. */
  async stopAll(): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort();
    await Promise.all(all.map((r) => r.done));
  }
}
