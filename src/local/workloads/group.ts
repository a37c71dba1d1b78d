import { join } from 'node:path';
import type { WorkloadSpec } from '../../api/workload.js';
import type { ProcessRegistry, RegisteredProcess } from './process-registry.js';
import { Replica, type ReplicaState } from './replica.js';

export type Role = 'primary' | 'canary';

export interface GroupOptions {
  /** The name the group's processes are known by: `<workload>-primary` or `<workload>`. */
  name: string;
  role: Role;
  spec: WorkloadSpec;
  /** The spec hash this group runs. */
  revision: string;
  /** The version label of these replicas (telemetry's destination_version). */
  version: string;
  baseDir: string;
  logDir?: string;
  registry?: ProcessRegistry;
  extraEnv?: Record<string, string>;
  /** A live process a previous instance left for replica `index` of this group and revision, if any. */
  adopt?: (
    group: string,
    revision: string,
    index: number,
  ) => (RegisteredProcess & { port: number }) | undefined;
  onChange?: () => void;
}

export interface GroupState {
  name: string;
  role: Role;
  revision: string;
  replicas: ReplicaState[];
  readyReplicas: number;
}

/** The replicas of one workload revision in one role: what a ReplicaSet is on Kubernetes. */
export class ReplicaGroup {
  readonly replicas: Replica[];
  private stopped = false;

  constructor(readonly options: GroupOptions) {
    const { name, spec, registry, logDir } = options;
    this.replicas = Array.from({ length: spec.replicas }, (_, i) => {
      const replicaName = `${name}-${options.revision.slice(0, 8)}-${i}`;
      return new Replica({
        name: replicaName,
        spec,
        baseDir: options.baseDir,
        ...(logDir !== undefined ? { logFile: join(logDir, `${replicaName}.log`) } : {}),
        extraEnv: { SERIN_ROLE: options.role, SERIN_REPLICA: String(i), ...options.extraEnv },
        onProcess: (event, pid) => {
          if (event === 'started') {
            const port = this.replicas[i]?.port ?? 0;
            registry?.started(pid, {
              kind: 'replica',
              group: name,
              revision: options.revision,
              index: i,
              port,
            });
          } else registry?.exited(pid);
        },
        onChange: () => options.onChange?.(),
      });
    });
  }

  get revision(): string {
    return this.options.revision;
  }

  /** Starts every replica, adopting the ones a previous instance left running for this revision. */
  async start(): Promise<void> {
    await Promise.all(
      this.replicas.map((replica, i) => {
        const survivor = this.options.adopt?.(this.options.name, this.options.revision, i);
        if (survivor === undefined) return replica.start();
        replica.adopt(survivor);
        return Promise.resolve();
      }),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.replicas.map((r) => r.stop()));
  }

  isStopped(): boolean {
    return this.stopped;
  }

  readyReplicas(): Replica[] {
    return this.replicas.filter((r) => r.isReady());
  }

  /** Ready when at least `thresholdPercent` of the replicas pass their probe (Flagger's ready threshold). */
  isReady(thresholdPercent = 100): boolean {
    const needed = Math.max(1, Math.floor((this.replicas.length * thresholdPercent) / 100));
    return this.readyReplicas().length >= needed;
  }

  state(): GroupState {
    const replicas = this.replicas.map((r) => r.state());
    return {
      name: this.options.name,
      role: this.options.role,
      revision: this.options.revision,
      replicas,
      readyReplicas: replicas.filter((r) => r.ready).length,
    };
  }
}
