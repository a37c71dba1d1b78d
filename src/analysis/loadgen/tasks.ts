/**
 * Load runs started by `rollout` webhooks, as Flagger's load tester runs `cmd` tasks: the webhook
 * answers at once, and the same command for the same canary is never run twice at the same time
 * (a `hey -z 10m` started by the first tick is "already running" on the next ones).
 */
import { createHash } from 'node:crypto';
import { runLoad, type LoadSummary } from './generator.js';
import { parseHey } from './hey.js';
import { boundLoad, DEFAULT_LOAD_LIMITS, LoadRefused, type LoadLimits } from './limits.js';

export interface LoadTask {
  id: string;
  canary: string;
  command: string;
  startedAt: string;
  finishedAt?: string;
  summary?: LoadSummary;
}

export interface LoadTasksOptions {
  /** Bounds on every task (defaults: {@link DEFAULT_LOAD_LIMITS}). */
  limits?: Partial<LoadLimits>;
  /** Called when a task ends. */
  onFinished?: (task: LoadTask) => void;
}

/** Who asked for a task: the Canary (`name.namespace`), its namespace, and whether the token came with it. */
export interface LoadRequester {
  canary: string;
  namespace: string;
  authorised: boolean;
}

export class LoadTasks {
  private readonly running = new Map<
    string,
    { task: LoadTask; controller: AbortController; done: Promise<void> }
  >();
  private readonly finished: LoadTask[] = [];

  readonly limits: LoadLimits;

  constructor(private readonly options: LoadTasksOptions = {}) {
    this.limits = { ...DEFAULT_LOAD_LIMITS, ...options.limits };
  }

  /**
   * Parses and starts a `hey` command for a canary; throws CommandLineError for a bad line and
   * LoadRefused for one over the limits.
   */
  start(requester: LoadRequester, command: string): { task: LoadTask; started: boolean } {
    const { canary } = requester;
    const options = boundLoad(parseHey(command), this.limits, requester);
    const id = createHash('sha256').update(`${canary}\n${command}`).digest('hex').slice(0, 12);
    const existing = this.running.get(id);
    if (existing !== undefined) return { task: existing.task, started: false };
    if (this.running.size >= this.limits.maxTasks)
      throw new LoadRefused(
        429,
        `${this.running.size} load tasks are running, the limit (--loadgen-max-tasks); try again when one ends`,
      );
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

  list(): { running: LoadTask[]; finished: LoadTask[] } {
    return { running: [...this.running.values()].map((r) => r.task), finished: [...this.finished] };
  }

  /** Stops every task, cutting requests in flight, and waits for them to end (on shutdown). */
  async stopAll(): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort();
    await Promise.all(all.map((r) => r.done));
  }
}
