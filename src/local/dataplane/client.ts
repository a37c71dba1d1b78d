import type { AddressInfo } from 'node:net';
import { Client } from 'undici';
import { createRouter, type Router, type RouterConfig, type TelemetrySnapshot } from '../router/index.js';
import { loadOrCreateToken } from '../token.js';
import { isSameProcess } from '../workloads/process-identity.js';
import { signalGroup } from '../workloads/replica.js';
import { dataplaneTokenFile, readDataplaneRecord, type DataplaneRecord } from './files.js';
import { spawnDataplane, stopProcess, waitGone } from './process.js';

export interface DataplaneRouterOptions {
  stateDir: string;
  /** Told what happened to the data plane: adopted, started, replaced, lost and restarted. */
  onEvent?: (reason: string, message: string, warning?: boolean) => void;
  /** How long a new data plane may take to serve (default 20 s). */
  startTimeoutMs?: number;
}

const SNAPSHOT_EVERY_MS = 500;
/** Consecutive failed reads before the data plane is taken for dead and started again. */
const LOST_AFTER_FAILURES = 4;
const CALL_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 15_000;

/**
 * The control-plane side of the detached data plane (ADR 0009), behind the same `Router`
 * interface as the embedded one. `listen` adopts the data plane a previous `serin run` left
 * serving the same address (its identity checked: pid, start time, argv) or starts a new one;
 * `update` compiles the configuration here first, so an invalid one throws at once and leaves the
 * one in force, then sends it (the latest wins); telemetry is read back every half second.
 */
export class DataplaneRouter implements Router {
  /** Whether `listen` found a running data plane and took it over instead of starting one. */
  adopted = false;
  // Compiles and validates every configuration exactly as the data plane will.
  private readonly shadow = createRouter({ services: [] });
  private record: DataplaneRecord | undefined;
  private client: Client | undefined;
  private token = '';
  private held = false;
  /** Resolves when a hold ends: what waits for a configuration to be in force waits for that too. */
  private released: Promise<void> = Promise.resolve();
  private endHold: () => void = () => undefined;
  private latest: RouterConfig | undefined;
  private dirty = false;
  private sending: Promise<void> = Promise.resolve();
  private lastSnapshot: TelemetrySnapshot = { takenAtMs: Date.now(), workloads: [] };
  private poller: NodeJS.Timeout | undefined;
  private failures = 0;
  private recovering = false;
  private closed = false;
  private wanted = { port: 0, host: '127.0.0.1' };

  constructor(private readonly options: DataplaneRouterOptions) {}

  async listen(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    this.wanted = { port, host };
    this.token = loadOrCreateToken({ defaultFile: dataplaneTokenFile(this.options.stateDir) }).token;
    const previous = readDataplaneRecord(this.options.stateDir);
    const fits = previous?.router.address === host && (port === 0 || previous.router.port === port);
    if (previous !== undefined && fits && (await this.answers(previous))) {
      this.adopted = true;
      this.event(
        'DataplaneAdopted',
        `kept serving on ${host}:${previous.router.port}: adopted the data plane (pid ${previous.pid}) a previous instance left running`,
      );
    } else {
      if (previous !== undefined && isSameProcess(previous)) {
        this.event(
          'DataplaneReplaced',
          `stopping the data plane (pid ${previous.pid}) serving another address`,
        );
        await stopProcess(previous, STOP_GRACE_MS);
      }
      await this.start(port, host);
    }
    this.lastSnapshot = JSON.parse(await this.call('GET', '/snapshot')) as TelemetrySnapshot;
    this.poller = setInterval(() => void this.poll(), SNAPSHOT_EVERY_MS);
    this.poller.unref();
    return this.address ?? { address: host, port, family: 'IPv4' };
  }

  listenAdmin(): Promise<AddressInfo> {
    return Promise.reject(
      new Error('the detached data plane has no admin listener; serin run reads its telemetry'),
    );
  }

  get address(): AddressInfo | undefined {
    const router = this.record?.router;
    return router === undefined ? undefined : { address: router.address, port: router.port, family: 'IPv4' };
  }

  get adminAddress(): AddressInfo | undefined {
    return undefined;
  }

  /** The data plane's process id. */
  get pid(): number | undefined {
    return this.record?.pid;
  }

  update(config: RouterConfig): void {
    this.shadow.update(config);
    this.latest = config;
    void this.push();
  }

  get configVersion(): number {
    return this.shadow.configVersion;
  }

  get config(): RouterConfig {
    return this.shadow.config;
  }

  /** Resolves once every configuration given so far is in force in the data plane. */
  settled(): Promise<void> {
    // While held, nothing given is in force yet: a caller told otherwise (the engine finishing its
    // intent) would record traffic the data plane is not serving.
    if (this.held) return this.released.then(() => this.push());
    return this.push();
  }

  /** Keeps configurations back (the latest is kept) until `release`: adopted replicas are not known yet. */
  hold(): void {
    if (this.held) return;
    this.held = true;
    this.released = new Promise((resolve) => (this.endHold = resolve));
  }

  release(): void {
    this.held = false;
    void this.push();
    this.endHold();
  }

  metrics(): Promise<string> {
    return this.call('GET', '/metrics');
  }

  /** Reads the data plane's telemetry now rather than at the next poll. */
  async flush(): Promise<void> {
    this.lastSnapshot = JSON.parse(await this.call('GET', '/snapshot')) as TelemetrySnapshot;
  }

  snapshot(): TelemetrySnapshot {
    return this.lastSnapshot;
  }

  /** Shuts the data plane down (also one a previous instance left that this one never adopted). */
  async close(): Promise<void> {
    this.stopPolling();
    await this.sending;
    this.closed = true;
    const target = this.record ?? readDataplaneRecord(this.options.stateDir);
    if (target !== undefined && isSameProcess(target)) {
      await this.call('POST', '/shutdown').catch(() => {
        signalGroup(target.pid, 'SIGTERM');
      });
      await waitGone(target, STOP_GRACE_MS);
    }
    await this.client?.close().catch(() => undefined);
    await this.shadow.close();
  }

  private event(reason: string, message: string, warning = false): void {
    this.options.onEvent?.(reason, message, warning);
  }

  private async start(port: number, host: string): Promise<void> {
    await spawnDataplane({
      stateDir: this.options.stateDir,
      port,
      host,
      token: this.token,
      timeoutMs: this.options.startTimeoutMs ?? 20_000,
      ready: (found) => this.answers(found),
    });
    this.event(
      'DataplaneStarted',
      `data plane (pid ${this.record?.pid}) serving ${host}:${this.record?.router.port}`,
    );
  }

  /** Connects to a recorded data plane and checks it is the process recorded and that it answers. */
  private async answers(target: DataplaneRecord): Promise<boolean> {
    if (!isSameProcess(target)) return false;
    void this.client?.close().catch(() => undefined);
    this.record = target;
    this.client = new Client('http://dataplane', { socketPath: target.socket, pipelining: 1 });
    try {
      await this.call('GET', '/healthz');
      return true;
    } catch {
      return false;
    }
  }

  private async call(method: 'GET' | 'PUT' | 'POST', path: string, body?: string): Promise<string> {
    if (this.client === undefined) throw new Error('the data plane is not running');
    const res = await this.client.request({
      method,
      path,
      headers: {
        host: 'dataplane',
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body } : {}),
      headersTimeout: CALL_TIMEOUT_MS,
      bodyTimeout: CALL_TIMEOUT_MS,
    });
    const text = await res.body.text();
    if (res.statusCode >= 300)
      throw new Error(`data plane ${method} ${path}: HTTP ${res.statusCode} ${text}`);
    return text;
  }

  /** Sends the latest configuration, one at a time; a failed send is retried by the next poll. */
  private push(): Promise<void> {
    if (this.held || this.latest === undefined || this.closed) return this.sending;
    this.dirty = true;
    this.sending = this.sending.then(async () => {
      const config = this.latest;
      if (!this.dirty || config === undefined) return;
      this.dirty = false;
      await this.call('PUT', '/config', JSON.stringify(config)).catch((error: unknown) => {
        this.dirty = true;
        this.event('DataplaneUnreachable', (error as Error).message, true);
      });
    });
    return this.sending;
  }

  private async poll(): Promise<void> {
    if (this.closed || this.recovering) return;
    try {
      this.lastSnapshot = JSON.parse(await this.call('GET', '/snapshot')) as TelemetrySnapshot;
      this.failures = 0;
      if (this.dirty) void this.push();
    } catch (error) {
      this.failures++;
      if (this.failures >= LOST_AFTER_FAILURES) await this.recover((error as Error).message);
    }
  }

  /** The data plane died under us (killed, crashed): start a new one with the latest configuration. */
  private async recover(reason: string): Promise<void> {
    if (this.closed) return;
    this.recovering = true;
    try {
      this.event('DataplaneLost', `the data plane stopped answering (${reason}); starting a new one`, true);
      const port = this.wanted.port === 0 ? (this.record?.router.port ?? 0) : this.wanted.port;
      await this.start(port, this.wanted.host);
      this.failures = 0;
      await this.push();
    } catch (error) {
      this.event('DataplaneFailed', (error as Error).message, true);
    } finally {
      this.recovering = false;
    }
  }

  private stopPolling(): void {
    if (this.poller !== undefined) clearInterval(this.poller);
    this.poller = undefined;
  }
}
