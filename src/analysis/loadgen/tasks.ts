/**
 * Load runs started by `rollout` webhooks, as Flagger's load tester runs `cmd` tasks: the webhook
 * answers at once, and the same command for the same canary is never run twice at the same time
 * (a `hey -z 10m` started by the first tick is "already running" on the next ones). With claims
 * (on a cluster, a Lease per task), that holds across every replica serving the webhooks, not only
 * within this process.
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

/** A record shared by every replica saying which one runs a task (src/kubernetes/load-claims.ts). */
export interface LoadClaims {
  /** How long a claim holds without renewal; the holder renews three times as often. */
  readonly durationMs: number;
  /** Takes the claim for task `id`; false when another replica holds it. */
  claim(id: string): Promise<boolean>;
  /** Renews a held claim; false when it was lost (the task must stop: another may run it now). */
  renew(id: string): Promise<boolean>;
  /** Hands the claim back (the task ended, or this replica is shutting down). */
  release(id: string): Promise<void>;
}

export interface LoadTasksOptions {
  /** Makes a task run once across every replica sharing these claims. */
  claims?: LoadClaims;
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
  async start(
    requester: LoadRequester,
    command: string,
  ): Promise<{ task: LoadTask; started: boolean; elsewhere?: boolean }> {
    const { canary } = requester;
    const options = boundLoad(parseHey(command), this.limits, requester);
    const id = createHash('sha256').update(`${canary}\n${command}`).digest('hex').slice(0, 12);
    const task: LoadTask = { id, canary, command, startedAt: new Date().toISOString() };
    const here = this.alreadyRunning(id);
    if (here) return here;
    const { claims } = this.options;
    if (claims && !(await claims.claim(id))) return { task, started: false, elsewhere: true };
    // A second webhook for the same task may have claimed it here while we waited.
    const raced = this.alreadyRunning(id);
    if (raced) return raced;
    const controller = new AbortController();
    const renewal = claims ? this.renewWhileRunning(claims, id, controller) : undefined;
    const done = runLoad(options, { signal: controller.signal })
      .then((summary) => {
        task.summary = summary;
      })
      .catch(() => undefined)
      .finally(async () => {
        clearInterval(renewal);
        task.finishedAt = new Date().toISOString();
        this.running.delete(id);
        this.finished.push(task);
        if (this.finished.length > 50) this.finished.shift();
        this.options.onFinished?.(task);
        await claims?.release(id).catch(() => undefined);
      });
    this.running.set(id, { task, controller, done });
    return { task, started: true };
  }

  private alreadyRunning(id: string): { task: LoadTask; started: false } | undefined {
    const existing = this.running.get(id);
    if (existing !== undefined) return { task: existing.task, started: false };
    if (this.running.size >= this.limits.maxTasks)
      throw new LoadRefused(
        429,
        `${this.running.size} load tasks are running, the limit (--loadgen-max-tasks); try again when one ends`,
      );
    return undefined;
  }

  /** Renews the claim while the task runs; a claim lost (a partition, an expiry) stops the task. */
  private renewWhileRunning(claims: LoadClaims, id: string, controller: AbortController): NodeJS.Timeout {
    const timer = setInterval(() => {
      claims
        .renew(id)
        .then((held) => {
          if (!held) controller.abort();
        })
        .catch(() => undefined);
    }, claims.durationMs / 3);
    timer.unref();
    return timer;
  }

  list(): { running: LoadTask[]; finished: LoadTask[] } {
    return { running: [...this.running.values()].map((r) => r.task), finished: [...this.finished] };
  }

  /** Stops every task, cutting requests in flight, and waits for them to end and their claims to be handed back (on shutdown). */
  async stopAll(): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort();
    await Promise.all(all.map((r) => r.done));
  }
}
