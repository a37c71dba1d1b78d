import cluster, { type Worker } from 'node:cluster';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { nodeEntry } from '../../node-entry.js';
import { adminHandler } from '../admin.js';
import { closeServer, createRouter, listenOn, routerIdentity, type Router } from '../router.js';
import type { TelemetrySnapshot } from '../telemetry.js';
import type { RouterConfig } from '../types.js';
import { isFromWorker, type FromWorker, type ToWorker, type WorkerRouterOptions } from './protocol.js';
import { WorkerTally } from './tally.js';

export interface RouterWorkersOptions extends WorkerRouterOptions {
  /** How many worker processes serve the data-plane port (at least 1). */
  workers: number;
  /** Told when a worker exits unexpectedly and is replaced, or cannot be. */
  onEvent?: (reason: string, message: string, warning?: boolean) => void;
  /** How long a worker may take to confirm a configuration before it is replaced (default 10 s). */
  applyTimeoutMs?: number;
}

export interface RouterWorkers extends Router {
  /** Process ids of the workers serving now. */
  readonly workerPids: number[];
}

interface Slot {
  worker: Worker;
  startedAt: number;
  /** `init` went out: every later configuration is sent to this worker, and waited for. */
  initialised: boolean;
  acked: number;
  listening: boolean;
  exited: boolean;
  disconnected: boolean;
  started: { resolve: () => void; reject: (error: Error & { code?: string }) => void };
}

const FLUSH_TIMEOUT_MS = 5000;
const STOP_GRACE_MS = 10_000;
const LISTEN_ATTEMPTS = 5;

/**
 * The router as N worker processes behind one port (node:cluster: the primary accepts and hands
 * connections out in turn). This process, the primary, serves no traffic: it compiles every
 * configuration first (an invalid one throws here and reaches no worker), hands it to every
 * worker and confirms it only once all of them applied it; it adds up the workers' telemetry into
 * one exposition; and it replaces a worker that dies, while the others keep taking connections.
 */
export function createRouterWorkers(initial: RouterConfig, options: RouterWorkersOptions): RouterWorkers {
  if ('random' in options)
    throw new Error(
      'random: router workers draw their own random numbers; a function cannot be given to them',
    );
  if (!Number.isInteger(options.workers) || options.workers < 1)
    throw new Error(`workers: expected a whole number of at least 1, got ${String(options.workers)}`);
  return new WorkerPrimary(initial, options);
}

class WorkerPrimary implements RouterWorkers {
  private readonly shadow: Router;
  private readonly routerOptions: WorkerRouterOptions;
  private readonly slots = new Map<number, Slot>();
  private readonly tally: WorkerTally;
  private readonly settleWaiters = new Set<{ version: number; done: () => void }>();
  private readonly flushWaiters = new Set<{ pending: Set<number>; id: number; done: () => void }>();
  private nextFlush = 1;
  private bound: { port: number; host: string } | undefined;
  private admin: Server | undefined;
  private closing = false;
  private crashes = 0;

  constructor(
    initial: RouterConfig,
    private readonly options: RouterWorkersOptions,
  ) {
    const { workers: _workers, onEvent: _onEvent, applyTimeoutMs: _timeout, ...routerOptions } = options;
    this.routerOptions = routerOptions;
    // Compiles and validates every configuration exactly as the workers will.
    this.shadow = createRouter(initial, routerOptions);
    this.tally = new WorkerTally(routerIdentity(routerOptions));
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    for (let attempt = 1; ; attempt++) {
      // Workers listening on port 0 would share whatever else in this process listens on 0 (the
      // cluster keys its handles by address and port): the primary picks the port itself.
      const chosen = port === 0 ? await freePort(host) : port;
      this.bound = { port: chosen, host };
      try {
        await Promise.all(Array.from({ length: this.options.workers }, () => this.start()));
        return { address: host, port: chosen, family: host.includes(':') ? 'IPv6' : 'IPv4' };
      } catch (error) {
        await this.stopAll();
        const inUse = (error as { code?: string }).code === 'EADDRINUSE';
        if (port !== 0 || !inUse || attempt >= LISTEN_ATTEMPTS) throw error;
      }
    }
  }

  async listenAdmin(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    this.admin = createServer(
      adminHandler({
        metrics: () => this.metrics(),
        contentType: this.tally.total().contentType,
        stats: async () => {
          await this.flush();
          return this.snapshot();
        },
        config: () => ({ version: this.configVersion, config: this.config }),
      }),
    );
    return listenOn(this.admin, port, host);
  }

  get address(): AddressInfo | undefined {
    if (this.bound === undefined || this.slots.size === 0) return undefined;
    return { address: this.bound.host, port: this.bound.port, family: 'IPv4' };
  }

  get adminAddress(): AddressInfo | undefined {
    return this.admin?.address() as AddressInfo | undefined;
  }

  get workerPids(): number[] {
    return [...this.slots.values()]
      .filter((s) => s.listening && !s.exited)
      .map((s) => s.worker.process.pid ?? 0);
  }

  update(config: RouterConfig): void {
    this.shadow.update(config);
    const message: ToWorker = { type: 'config', config, version: this.shadow.configVersion };
    for (const slot of this.slots.values()) if (slot.initialised && !slot.exited) this.send(slot, message);
  }

  settled(): Promise<void> {
    const version = this.shadow.configVersion;
    if (this.appliedEverywhere(version)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        version,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      // A worker that does not confirm in time is replaced: its successor starts with the latest configuration.
      const timer = setTimeout(() => {
        for (const slot of this.slots.values()) {
          if (slot.initialised && !slot.exited && slot.acked < version) {
            this.event(
              'RouterWorkerUnresponsive',
              `router worker ${slot.worker.process.pid} did not apply configuration ${version}; replacing it`,
              true,
            );
            slot.worker.process.kill('SIGKILL');
          }
        }
      }, this.options.applyTimeoutMs ?? 10_000);
      this.settleWaiters.add(waiter);
    });
  }

  flush(): Promise<void> {
    const id = this.nextFlush++;
    const pending = new Set<number>();
    for (const [key, slot] of this.slots) {
      if (!slot.initialised || slot.disconnected) continue;
      pending.add(key);
      this.send(slot, { type: 'flush', id });
    }
    if (pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        id,
        pending,
        done: () => {
          clearTimeout(timer);
          this.flushWaiters.delete(waiter);
          resolve();
        },
      };
      // A worker too busy to answer in time: its counts as last reported are served.
      const timer = setTimeout(waiter.done, FLUSH_TIMEOUT_MS);
      this.flushWaiters.add(waiter);
    });
  }

  get configVersion(): number {
    return this.shadow.configVersion;
  }

  get config(): RouterConfig {
    return this.shadow.config;
  }

  async metrics(): Promise<string> {
    await this.flush();
    return this.tally.total().metricsText();
  }

  snapshot(): TelemetrySnapshot {
    return this.tally.total().snapshot();
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([this.stopAll(), closeServer(this.admin)]);
    await this.shadow.close();
  }

  private appliedEverywhere(version: number): boolean {
    for (const slot of this.slots.values())
      if (slot.initialised && !slot.exited && slot.acked < version) return false;
    return true;
  }

  /** Forks one worker; resolves once it serves the port. */
  private start(): Promise<void> {
    const entry = nodeEntry(import.meta.url, 'worker');
    cluster.setupPrimary({ exec: entry.file, execArgv: entry.execArgv, args: [] });
    const worker = cluster.fork();
    return new Promise((resolve, reject) => {
      const slot: Slot = {
        worker,
        startedAt: Date.now(),
        initialised: false,
        acked: 0,
        listening: false,
        exited: false,
        disconnected: false,
        started: { resolve, reject },
      };
      this.slots.set(worker.id, slot);
      worker.on('message', (message: unknown) => {
        if (isFromWorker(message)) this.receive(slot, message);
      });
      worker.on('disconnect', () => {
        slot.disconnected = true;
        this.gone(slot);
      });
      // Typed as always set, but one of the two is null, as for any child process.
      worker.on('exit', (code: number | null, signal: string | null) => {
        slot.exited = true;
        slot.started.reject(
          new Error(`router worker exited before serving (${signal ?? `exit code ${String(code)}`})`),
        );
        this.gone(slot);
        if (slot.listening && !this.closing && !worker.exitedAfterDisconnect)
          this.replace(slot, signal ?? `exit code ${String(code)}`);
      });
    });
  }

  private receive(slot: Slot, message: FromWorker): void {
    switch (message.type) {
      case 'ready':
        if (this.bound === undefined) return;
        slot.initialised = true;
        this.send(slot, {
          type: 'init',
          options: this.routerOptions,
          config: this.shadow.config,
          version: this.shadow.configVersion,
          port: this.bound.port,
          host: this.bound.host,
        });
        return;
      case 'applied':
        slot.acked = Math.max(slot.acked, message.version);
        this.checkSettled();
        return;
      case 'listening':
        slot.listening = true;
        slot.started.resolve();
        return;
      case 'failed': {
        const error: Error & { code?: string } = new Error(`router worker: ${message.error}`);
        if (message.code !== undefined) error.code = message.code;
        slot.started.reject(error);
        slot.worker.process.kill('SIGKILL');
        return;
      }
      case 'telemetry':
        this.tally.report(slot.worker.id, message.series);
        return;
      case 'flushed':
        this.tally.report(slot.worker.id, message.series);
        for (const waiter of this.flushWaiters) {
          if (waiter.id !== message.id) continue;
          waiter.pending.delete(slot.worker.id);
          if (waiter.pending.size === 0) waiter.done();
        }
        return;
    }
  }

  /** A worker exited or lost its channel; once both, nothing more can come from it. */
  private gone(slot: Slot): void {
    const id = slot.worker.id;
    for (const waiter of this.flushWaiters) {
      waiter.pending.delete(id);
      if (waiter.pending.size === 0) waiter.done();
    }
    if (slot.exited) {
      this.checkSettled();
    }
    if (slot.exited && slot.disconnected && this.slots.get(id) === slot) {
      this.slots.delete(id);
      this.tally.retire(id);
    }
  }

  private checkSettled(): void {
    for (const waiter of this.settleWaiters) {
      if (!this.appliedEverywhere(waiter.version)) continue;
      this.settleWaiters.delete(waiter);
      waiter.done();
    }
  }

  /** A serving worker died: start another; one that keeps dying right away is restarted ever more slowly. */
  private replace(slot: Slot, how: string): void {
    const livedMs = Date.now() - slot.startedAt;
    this.crashes = livedMs < 2000 ? this.crashes + 1 : 0;
    const delayMs = this.crashes === 0 ? 0 : Math.min(5000, 100 * 2 ** this.crashes);
    this.event(
      'RouterWorkerReplaced',
      `router worker ${slot.worker.process.pid} exited (${how}); the others keep serving, starting another`,
      true,
    );
    setTimeout(() => {
      if (this.closing) return;
      this.start().catch((error: unknown) => {
        if (!this.closing) this.event('RouterWorkerFailed', (error as Error).message, true);
      });
    }, delayMs).unref();
  }

  private send(slot: Slot, message: ToWorker): void {
    if (!slot.worker.isConnected()) return;
    // A send that fails means the channel closed under it: `exit` handles the worker.
    slot.worker.send(message, undefined, () => undefined);
  }

  /** Asks every worker to finish its requests and stop; kills one that does not in time. */
  private async stopAll(): Promise<void> {
    const stopping = [...this.slots.values()].map(
      (slot) =>
        new Promise<void>((done) => {
          if (slot.exited) {
            done();
            return;
          }
          slot.worker.once('exit', () => {
            clearTimeout(timer);
            done();
          });
          const timer = setTimeout(() => slot.worker.process.kill('SIGKILL'), STOP_GRACE_MS);
          if (slot.initialised) this.send(slot, { type: 'close' });
          else slot.worker.process.kill('SIGTERM');
        }),
    );
    await Promise.all(stopping);
  }

  private event(reason: string, message: string, warning = false): void {
    this.options.onEvent?.(reason, message, warning);
  }
}

/** A port nobody listens on now, on `host`. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => {
        resolve(port);
      });
    });
  });
}
