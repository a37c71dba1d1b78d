/**
 * `serin controller` as a library: builds the client, ports, controller, HTTP endpoints and the
 * optional leader election, and stops them in order. Used by the CLI and by the end-to-end suites
 * (which run the real controller in-process).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import pino, { type Logger } from 'pino';
import type { MetricsPort, WebhookPort } from '../engine/ports.js';
import { KubeClient } from './client.js';
import { CanaryController } from './controller.js';
import { leaseGuard } from './fencing.js';
import { LeaderElector } from './lease.js';
import { ControllerMetrics } from './metrics.js';
import { clusterPorts } from './ports.js';
import type { Provider } from './router.js';
import { createGateServer } from '../analysis/gates/server.js';
import type { LoadLimits } from '../analysis/loadgen/limits.js';
import { LoadTasks } from '../analysis/loadgen/tasks.js';
import { LeaseLoadClaims } from './load-claims.js';
import { ConfigMapGateStore } from './gate-store.js';
import {
  serve,
  startHealthServer,
  type EndpointPolicy,
  type HealthServer,
  type ReadyReport,
} from './server.js';

export interface RuntimeOptions {
  kubeConfig: KubeConfig;
  namespace?: string | undefined;
  /** Runs with the namespaced Role (deploy/namespaced/role.yaml) rather than the ClusterRole. */
  namespacedRbac?: boolean | undefined;
  provider?: Provider;
  metricsServer?: string | undefined;
  metricsAddr?: string | undefined;
  /** Serve the gate API (Flagger load tester's paths, gates kept in ConfigMaps) on this address. */
  gatesAddr?: string | undefined;
  /** Bearer token for opening and closing gates over HTTP; without one only kubectl can change them. */
  gatesToken?: string | undefined;
  /** Bounds on the load tasks the gate API runs (defaults in src/analysis/loadgen/limits.ts). */
  loadLimits?: Partial<LoadLimits> | undefined;
  /** Host names the endpoints answer besides addresses, loopback and cluster-internal names. */
  allowedHosts?: readonly string[] | undefined;
  /** The namespace the controller runs in: `<service>.<namespace>` Host names are answered. */
  podNamespace?: string | undefined;
  logger?: Logger;
  leaderElect?: boolean;
  leaseNamespace?: string;
  leaseName?: string;
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  concurrency?: number;
  resyncMs?: number;
  selectorLabels?: string[];
  /** Overrides for the analysis ports (tests pass real implementations configured differently). */
  metrics?: MetricsPort;
  webhooks?: WebhookPort;
  version?: string;
  onTick?: (ms: number, changed: boolean) => void;
}

export class ControllerRuntime {
  /** The client reconciles write through: with leader election, fenced by the lease. */
  readonly client: KubeClient;
  /** The client of the lease itself and the gate API (every replica serves gates): never fenced. */
  private readonly unfenced: KubeClient;
  private readonly identity: string;
  readonly metrics: ControllerMetrics;
  readonly controller: CanaryController;
  readonly logger: Logger;
  private elector: LeaderElector | undefined;
  private server: HealthServer | undefined;
  private gateServer: HealthServer | undefined;
  private loadTasks: LoadTasks | undefined;
  private leading = false;
  private stopping = false;

  constructor(private readonly options: RuntimeOptions) {
    this.logger = options.logger ?? pino({ name: 'serin-controller' });
    this.identity = options.identity ?? `${os.hostname()}-${process.pid}`;
    this.client = new KubeClient(options.kubeConfig);
    this.client.userAgent = `serin-controller (${this.identity})`;
    this.unfenced = new KubeClient(options.kubeConfig, undefined, this.client.counters);
    this.unfenced.userAgent = this.client.userAgent;
    const provider = options.provider ?? 'istio';
    this.metrics = new ControllerMetrics(options.version ?? '0.1.0', provider, this.client.counters);
    const portsFor = clusterPorts({
      client: this.client,
      logger: this.logger,
      provider,
      metricsServer: options.metricsServer,
      selectorLabels: options.selectorLabels,
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    });
    this.controller = new CanaryController({
      client: this.client,
      portsFor,
      defaultProvider: provider,
      logger: this.logger,
      metrics: this.metrics,
      namespace: options.namespace,
      namespacedRbac: options.namespacedRbac === true,
      concurrency: options.concurrency,
      resyncMs: options.resyncMs,
      ...(options.onTick ? { onTick: options.onTick } : {}),
    });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get metricsUrl(): string | undefined {
    return this.server?.url;
  }

  /**
   * Ready when leading (or a standby, which is ready to take over) and, if leading, synced; the
   * detail says which Canary groups are watched and which CRDs are not installed (yet).
   */
  private ready(): ReadyReport {
    if (!this.leading) return { ready: true, detail: ['standby: not the leader'] };
    const { synced, syncing, absent } = this.controller.watched;
    const list = (groups: string[]) => (groups.length > 0 ? groups.join(', ') : '(none)');
    return {
      ready: this.controller.synced,
      detail: [
        `watching: ${list(synced)}`,
        ...(syncing.length > 0 ? [`syncing: ${list(syncing)}`] : []),
        ...(absent.length > 0 ? [`not installed (looked for again): ${list(absent)}`] : []),
      ],
    };
  }

  async start(): Promise<void> {
    if (this.options.metricsAddr !== undefined) {
      this.server = await startHealthServer(
        this.options.metricsAddr,
        this.metrics.registry,
        () => this.ready(),
        this.endpointPolicy(),
      );
      this.logger.info({ url: this.server.url }, 'serving /metrics, /healthz and /readyz');
    }
    await this.startGates();
    if (this.options.leaderElect !== true) {
      await this.lead();
      return;
    }
    const identity = this.identity;
    this.elector = new LeaderElector(this.unfenced, {
      namespace: this.options.leaseNamespace ?? this.options.namespace ?? 'serin-system',
      name: this.options.leaseName ?? 'serin-controller-leader',
      identity,
      leaseDurationMs: this.options.leaseDurationMs,
      renewDeadlineMs: this.options.renewDeadlineMs,
      retryPeriodMs: this.options.retryPeriodMs,
      onStartedLeading: () => {
        this.logger.info({ identity }, 'became leader');
        void this.lead();
      },
      onStoppedLeading: () => {
        this.logger.warn({ identity }, 'lost the leader lease; stopping reconciles');
        void this.follow();
      },
      onError: (error) => {
        this.logger.warn({ err: (error as Error).message }, 'leader election request failed');
      },
    });
    const elector = this.elector;
    this.client.writeGuard = leaseGuard(identity, () => elector.holdsLease());
    this.elector.start();
  }

  get gatesUrl(): string | undefined {
    return this.gateServer?.url;
  }

  private endpointPolicy(): EndpointPolicy {
    return {
      allowedHosts: this.options.allowedHosts,
      namespace: this.options.podNamespace ?? this.options.leaseNamespace ?? this.options.namespace,
    };
  }

  /** Every replica serves gates: their state lives in the cluster, not in the process. */
  private async startGates(): Promise<void> {
    if (this.options.gatesAddr === undefined) return;
    // Every replica serves the webhooks: a task is claimed in a Lease so it runs once cluster-wide.
    const claims = new LeaseLoadClaims(this.unfenced, {
      namespace: this.options.leaseNamespace ?? this.options.namespace ?? 'serin-system',
      identity: this.identity,
    });
    this.loadTasks = new LoadTasks({ limits: this.options.loadLimits, claims });
    const handler = createGateServer({
      store: new ConfigMapGateStore(this.unfenced, this.options.namespace),
      // No token configured: nobody can open a gate over HTTP; kubectl (and its RBAC) still can.
      token: this.options.gatesToken ?? randomBytes(32).toString('hex'),
      loadTasks: this.loadTasks,
      log: (line) => {
        this.logger.info({ component: 'gates' }, line);
      },
    });
    this.gateServer = await serve(this.options.gatesAddr, handler, this.endpointPolicy());
    this.logger.info({ url: this.gateServer.url }, 'serving the gate API');
  }

  private async lead(): Promise<void> {
    if (this.stopping || this.leading) return;
    this.leading = true;
    this.metrics.leader.set(1);
    await this.controller.start();
    this.logger.info({ namespace: this.options.namespace ?? '(all)' }, 'watching canaries');
  }

  private async follow(): Promise<void> {
    this.leading = false;
    this.metrics.leader.set(0);
    await this.controller.stop();
  }

  /** Graceful: stop ticking (running ticks finish), hand back the lease, close the endpoints. */
  async stop(): Promise<void> {
    this.stopping = true;
    // Load tasks are cancelled first, in parallel with the rest: a pod has 30 s to exit, and a
    // `hey -z 10m` must not keep it running.
    const load = this.loadTasks?.stopAll();
    await this.controller.stop();
    await this.elector?.stop();
    this.leading = false;
    await this.server?.close();
    await this.gateServer?.close();
    await load;
  }
}
