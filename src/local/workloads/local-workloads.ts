import type { Canary } from '../../api/canary.js';
import { workloadVersion, type Workload } from '../../api/workload.js';
import type { Readiness, Revision, WorkloadPort } from '../../engine/ports.js';
import { ReplicaGroup, type GroupOptions, type GroupState, type Role } from './group.js';
import { groupHealth } from './health.js';
import type { ProcessRegistry } from './process-registry.js';
import { workloadRevision } from './revision.js';

/** The user's workload as last read from the manifest (or `serin apply`). */
export interface WorkloadTarget {
  workload: Workload;
  /** Directory relative paths in the spec are read from. */
  baseDir: string;
}

/** The promoted copy the primary runs; persisted so a restart runs the same revision. */
export interface PrimaryRecord {
  workload: Pick<Workload, 'metadata' | 'spec'>;
  revision: string;
  baseDir: string;
}

export interface LocalEndpoint {
  port: number;
  workload: string;
  version: string;
}

export interface LocalWorkloadsOptions {
  target(canary: Canary): WorkloadTarget | undefined;
  loadPrimary(canary: Canary): PrimaryRecord | undefined;
  savePrimary(canary: Canary, record: PrimaryRecord): Promise<void>;
  /** Called whenever the set of ready endpoints of a canary's primary or canary changes. */
  onEndpointsChange(canary: Canary): void;
  logDir?: string;
  registry?: ProcessRegistry;
  /** Offers replicas a previous instance left running, to be adopted instead of restarted. */
  adopt?: GroupOptions['adopt'];
  /** How long a promoted primary's old replicas keep serving in-flight requests after the switch. */
  drainMs?: number;
}

interface CanaryRuntime {
  canary: Canary;
  primary?: ReplicaGroup;
  /** The promoted revision while it starts; it replaces `primary` once ready. */
  nextPrimary?: ReplicaGroup;
  canaryGroup?: ReplicaGroup;
  notReadySince: Partial<Record<Role, number>>;
}

/** Phases in which the canary copy runs and may take traffic. */
const ACTIVE_PHASES = new Set(['Progressing', 'WaitingPromotion', 'Promoting', 'Finalising']);

/**
 * The environment variable that carries a replica's identity, `<namespace>/<workload>`: a process
 * sends it as the `x-serin-source` header on its calls through the local router, which reads the
 * caller's namespace and labels from it (sourceNamespace, sourceLabels, exportTo, source_*).
 */
export const SOURCE_ENV = 'SERIN_SOURCE';

export function canaryKey(canary: Canary): string {
  return `${canary.metadata.namespace ?? 'default'}/${canary.metadata.name}`;
}

/**
 * The engine's WorkloadPort for processes. The canary runs the target's current spec; the primary
 * runs the promoted spec. Promotion starts the new primary replicas next to the old ones, switches
 * the primary endpoints once all of them are ready, and only then stops the old replicas.
 */
export class LocalWorkloads implements WorkloadPort {
  private readonly runtimes = new Map<string, CanaryRuntime>();

  constructor(private readonly options: LocalWorkloadsOptions) {}

  initialize(canary: Canary, options: { waitForPrimary: boolean }): Promise<Readiness> {
    const rt = this.runtime(canary);
    const target = this.options.target(canary);
    if (!target) return Promise.resolve(missing(canary));
    let record = this.options.loadPrimary(canary);
    const revision = workloadRevision(target.workload);
    // Until the first initialization completes, the primary simply follows the target: there is no
    // promoted revision to protect yet (a manifest fixed before the primary ever became ready).
    const initialized = canary.status?.phase !== undefined && canary.status.phase !== 'Initializing';
    if (!record || (!initialized && record.revision !== revision)) {
      record = { workload: target.workload, revision, baseDir: target.baseDir };
      void this.options.savePrimary(canary, record);
    }
    if (rt.primary && !rt.nextPrimary && rt.primary.revision !== record.revision) {
      void this.retire(canary, rt.primary);
      delete rt.primary;
    }
    if (!rt.primary && !rt.nextPrimary) {
      rt.primary = this.startGroup(canary, 'primary', record);
    }
    // After a restart mid-rollout the canary's processes are gone (a Deployment would still be
    // there): bring them back for as long as the run needs them.
    if (!rt.canaryGroup && ACTIVE_PHASES.has(canary.status?.phase ?? '')) {
      rt.canaryGroup = this.startGroup(canary, 'canary', {
        workload: target.workload,
        revision,
        baseDir: target.baseDir,
      });
    }
    return options.waitForPrimary ? this.isPrimaryReady(canary) : Promise.resolve(ok('initialized'));
  }

  targetRevision(canary: Canary): Promise<Revision> {
    const target = this.options.target(canary);
    if (!target) return Promise.reject(new Error(missing(canary).message));
    return Promise.resolve({ specHash: workloadRevision(target.workload), configs: {} });
  }

  isPrimaryReady(canary: Canary): Promise<Readiness> {
    const rt = this.runtime(canary);
    this.maybeSwitchPrimary(rt);
    const threshold = canary.spec.analysis?.primaryReadyThreshold ?? 100;
    if (rt.nextPrimary) return Promise.resolve(this.readiness(rt, 'primary', rt.nextPrimary, threshold));
    return Promise.resolve(this.readiness(rt, 'primary', rt.primary, threshold));
  }

  isCanaryReady(canary: Canary): Promise<Readiness> {
    const rt = this.runtime(canary);
    const threshold = canary.spec.analysis?.canaryReadyThreshold ?? 100;
    return Promise.resolve(this.readiness(rt, 'canary', rt.canaryGroup, threshold));
  }

  async scaleCanaryUp(canary: Canary): Promise<void> {
    const rt = this.runtime(canary);
    const target = this.options.target(canary);
    if (!target) throw new Error(missing(canary).message);
    const revision = workloadRevision(target.workload);
    if (rt.canaryGroup && !rt.canaryGroup.isStopped() && rt.canaryGroup.revision === revision) return;
    const old = rt.canaryGroup;
    rt.canaryGroup = this.startGroup(canary, 'canary', {
      workload: target.workload,
      revision,
      baseDir: target.baseDir,
    });
    delete rt.notReadySince.canary;
    if (old) await this.retire(canary, old);
  }

  async scaleCanaryDown(canary: Canary): Promise<void> {
    const rt = this.runtime(canary);
    const old = rt.canaryGroup;
    delete rt.canaryGroup;
    delete rt.notReadySince.canary;
    if (old) await this.retire(canary, old);
  }

  async promote(canary: Canary): Promise<void> {
    const rt = this.runtime(canary);
    const target = this.options.target(canary);
    if (!target) throw new Error(missing(canary).message);
    const record: PrimaryRecord = {
      workload: { metadata: target.workload.metadata, spec: target.workload.spec },
      revision: workloadRevision(target.workload),
      baseDir: target.baseDir,
    };
    await this.options.savePrimary(canary, record);
    const current = rt.nextPrimary ?? rt.primary;
    if (current && !current.isStopped() && current.revision === record.revision) return;
    if (rt.nextPrimary) await this.retire(canary, rt.nextPrimary);
    delete rt.notReadySince.primary;
    rt.nextPrimary = this.startGroup(canary, 'primary', record);
  }

  async revert(canary: Canary): Promise<Readiness> {
    // Local mode has no separate "target" deployment to give replicas back to: the primary keeps
    // serving the promoted revision and the canary copy stops.
    await this.scaleCanaryDown(canary);
    return this.isPrimaryReady(canary);
  }

  /** Ready endpoints of the primary and the canary, for the router's services. */
  endpoints(canary: Canary): { primary: LocalEndpoint[]; canary: LocalEndpoint[] } {
    const rt = this.runtime(canary);
    return { primary: endpointsOf(rt.primary), canary: endpointsOf(rt.canaryGroup) };
  }

  state(canary: Canary): { primary?: GroupState; nextPrimary?: GroupState; canary?: GroupState } {
    const rt = this.runtime(canary);
    return {
      ...(rt.primary ? { primary: rt.primary.state() } : {}),
      ...(rt.nextPrimary ? { nextPrimary: rt.nextPrimary.state() } : {}),
      ...(rt.canaryGroup ? { canary: rt.canaryGroup.state() } : {}),
    };
  }

  /** The groups serving each side now: the primary (the promoted one once it is ready) and the canary. */
  groups(canary: Canary): { primary?: ReplicaGroup; canary?: ReplicaGroup } {
    const rt = this.runtime(canary);
    return {
      ...(rt.primary ? { primary: rt.primary } : {}),
      ...(rt.canaryGroup ? { canary: rt.canaryGroup } : {}),
    };
  }

  /** Recent log lines of every running replica of a canary. */
  logs(canary: Canary, limit = 100): Record<string, { time: string; stream: string; text: string }[]> {
    const rt = this.runtime(canary);
    const out: Record<string, { time: string; stream: string; text: string }[]> = {};
    for (const group of [rt.primary, rt.nextPrimary, rt.canaryGroup]) {
      for (const replica of group?.replicas ?? []) out[replica.state().name] = replica.logs.recent(limit);
    }
    return out;
  }

  /** Forgets a canary (deleted from the manifest) and stops its processes. */
  async remove(canary: Canary): Promise<void> {
    const rt = this.runtimes.get(canaryKey(canary));
    if (!rt) return;
    this.runtimes.delete(canaryKey(canary));
    await stopGroups([rt.primary, rt.nextPrimary, rt.canaryGroup]);
  }

  async stopAll(): Promise<void> {
    const groups = [...this.runtimes.values()].flatMap((rt) => [rt.primary, rt.nextPrimary, rt.canaryGroup]);
    this.runtimes.clear();
    await stopGroups(groups);
  }

  /** Whether every adopted replica has had its first readiness answer (or is gone). */
  adoptionSettled(): boolean {
    return [...this.runtimes.values()]
      .flatMap((rt) => [rt.primary, rt.nextPrimary, rt.canaryGroup])
      .every((group) => group?.replicas.every((r) => r.adoptionSettled()) ?? true);
  }

  private runtime(canary: Canary): CanaryRuntime {
    const key = canaryKey(canary);
    let rt = this.runtimes.get(key);
    if (!rt) {
      rt = { canary, notReadySince: {} };
      this.runtimes.set(key, rt);
    }
    rt.canary = canary;
    return rt;
  }

  private startGroup(canary: Canary, role: Role, record: PrimaryRecord): ReplicaGroup {
    const target = canary.spec.targetRef.name;
    const name = role === 'primary' ? `${target}-primary` : target;
    const group = new ReplicaGroup({
      name,
      role,
      spec: record.workload.spec,
      revision: record.revision,
      baseDir: record.baseDir,
      version: workloadVersion(record.workload),
      extraEnv: {
        SERIN_VERSION: workloadVersion(record.workload),
        // The identity the process names itself by in the router's x-serin-source header.
        [SOURCE_ENV]: `${canary.metadata.namespace ?? 'default'}/${name}`,
      },
      ...(this.options.logDir !== undefined ? { logDir: this.options.logDir } : {}),
      ...(this.options.registry !== undefined ? { registry: this.options.registry } : {}),
      ...(this.options.adopt !== undefined ? { adopt: this.options.adopt } : {}),
      onChange: () => {
        const rt = this.runtime(canary);
        this.maybeSwitchPrimary(rt);
        this.options.onEndpointsChange(rt.canary);
      },
    });
    void group.start();
    return group;
  }

  /** Completes a promotion: once every new primary replica is ready, it takes over the endpoints. */
  private maybeSwitchPrimary(rt: CanaryRuntime): void {
    const next = rt.nextPrimary;
    if (!next || !next.isReady(100)) return;
    const old = rt.primary;
    rt.primary = next;
    delete rt.nextPrimary;
    this.options.onEndpointsChange(rt.canary);
    if (old && old !== next) void this.retire(rt.canary, old);
  }

  /** Takes a group out of the endpoints, lets in-flight requests finish, then stops it. */
  private async retire(canary: Canary, group: ReplicaGroup): Promise<void> {
    this.options.onEndpointsChange(canary);
    await new Promise((done) => setTimeout(done, this.options.drainMs ?? 1000));
    await group.stop();
  }

  private readiness(
    rt: CanaryRuntime,
    role: Role,
    group: ReplicaGroup | undefined,
    threshold: number,
  ): Readiness {
    const what =
      role === 'primary' ? `${rt.canary.spec.targetRef.name}-primary` : rt.canary.spec.targetRef.name;
    const workload = groupHealth(group);
    if (group?.isReady(threshold)) {
      return {
        ...ok(`${what}: ${group.readyReplicas().length}/${group.replicas.length} replicas ready`),
        workload,
      };
    }
    const detail = group
      ? `${group.readyReplicas().length}/${group.replicas.length} replicas ready (${group.replicas[0]?.state().message ?? ''})`
      : 'not started';
    return { ready: false, retriable: true, message: `waiting for ${what}: ${detail}`, workload };
  }
}

async function stopGroups(groups: readonly (ReplicaGroup | undefined)[]): Promise<void> {
  await Promise.all(groups.flatMap((g) => (g ? [g.stop()] : [])));
}

function endpointsOf(group: ReplicaGroup | undefined): LocalEndpoint[] {
  if (!group || group.isStopped()) return [];
  const version = group.options.version;
  return group.readyReplicas().map((r) => ({ port: r.port, workload: group.options.name, version }));
}

function ok(message: string): Readiness {
  return { ready: true, retriable: true, message };
}

function missing(canary: Canary): Readiness {
  const ref = canary.spec.targetRef;
  return {
    ready: false,
    retriable: true,
    message: `spec.targetRef: no Workload named "${ref.name}" in the manifest`,
  };
}
