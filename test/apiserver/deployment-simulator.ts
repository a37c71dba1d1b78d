import { stepDaemonSet } from './daemonset-simulator.js';
import { clone, isObject, stringMap, type JsonObject } from './json.js';
import type { ResourceService } from './objects.js';
import { PodSimulator } from './pod-simulator.js';
import { identityOf, objectId } from './store.js';

/** `crash-loop`: as `unready`, and the pods' containers report CrashLoopBackOff with restarts. */
export type RolloutBehaviour = 'healthy' | 'stuck' | 'unready' | 'crash-loop';

export interface DeploymentSimulationOptions {
  /** Simulate the deployment controller and kubelet (default true). */
  enabled?: boolean;
  /** How long pods take to "become ready" after a spec change, in ms (default 50). */
  readyDelayMs?: number;
  /** Also keep Pods for each Deployment, owned by it and Ready as the rollout says (default false). */
  pods?: boolean;
}

const DEPLOYMENTS = 'apps/deployments';
const DAEMONSETS = 'apps/daemonsets';
const NODES = '/nodes';

function condition(type: string, status: string, reason: string, message: string, now: string): JsonObject {
  return { type, status, reason, message, lastUpdateTime: now, lastTransitionTime: now };
}

/** Status fields are omitempty in Kubernetes: zero counts are absent, not 0. */
function counts(values: Record<string, number>): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(values)) if (value > 0) result[key] = value;
  return result;
}

/** Conditions that did not change keep their timestamps, so a settled Deployment is not rewritten. */
function keepUnchangedConditions(previousStatus: unknown, conditions: unknown): JsonObject[] {
  const before =
    isObject(previousStatus) && Array.isArray(previousStatus.conditions)
      ? previousStatus.conditions.filter(isObject)
      : [];
  const after = Array.isArray(conditions) ? conditions.filter(isObject) : [];
  return after.map((entry) => {
    const old = before.find(
      (candidate) =>
        candidate.type === entry.type &&
        candidate.status === entry.status &&
        candidate.reason === entry.reason &&
        candidate.message === entry.message,
    );
    return old ?? entry;
  });
}

/**
 * Plays the deployment and daemon set controllers and the kubelet: a Deployment's status follows
 * its spec after a delay; a DaemonSet rolls out node by node (daemonset-simulator.ts) over the
 * Nodes in the store. Tests can make a rollout get stuck (ProgressDeadlineExceeded) or pods never
 * become ready.
 */
export class DeploymentSimulator {
  private readonly behaviours = new Map<string, RolloutBehaviour>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly enabled: boolean;
  private readonly delayMs: number;
  private readonly pods: PodSimulator | undefined;
  /** Per DaemonSet, the pod each node runs (the simulated cluster's memory of its pods). */
  private readonly daemonPods = new Map<string, Map<string, { hash: string; ready: boolean }>>();

  constructor(
    private readonly service: ResourceService,
    options: DeploymentSimulationOptions = {},
  ) {
    this.enabled = options.enabled ?? true;
    this.delayMs = options.readyDelayMs ?? 50;
    this.pods = options.pods === true ? new PodSimulator(service) : undefined;
  }

  /** Makes the named Deployment behave as asked from now on, and re-evaluates it. */
  setBehaviour(namespace: string, name: string, behaviour: RolloutBehaviour): void {
    this.behaviours.set(objectId(namespace, name), behaviour);
    for (const key of [DEPLOYMENTS, DAEMONSETS]) {
      const object = this.service.store.get(key, namespace, name);
      if (object) this.schedule(key, object);
    }
  }

  observe(key: string, object: JsonObject): void {
    if (!this.enabled || (key !== DEPLOYMENTS && key !== DAEMONSETS)) return;
    this.schedule(key, object);
  }

  stop(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  private schedule(key: string, object: JsonObject): void {
    const { namespace, name } = identityOf(object);
    const id = `${key}:${objectId(namespace, name)}`;
    if (this.pending.has(id)) return;
    const timer = setTimeout(() => {
      this.pending.delete(id);
      if (key === DAEMONSETS) this.reconcileDaemonSet(namespace, name);
      else this.reconcile(namespace, name);
    }, this.delayMs);
    timer.unref();
    this.pending.set(id, timer);
  }

  private reconcile(namespace: string | undefined, name: string): void {
    const current = this.service.store.get(DEPLOYMENTS, namespace, name);
    if (!current || (isObject(current.metadata) && current.metadata.deletionTimestamp !== undefined)) return;
    const behaviour = this.behaviours.get(objectId(namespace, name)) ?? 'healthy';
    const next = clone(current);
    const status = this.statusFor(current, behaviour);
    status.conditions = keepUnchangedConditions(current.status, status.conditions);
    next.status = status;
    this.service.systemUpdate(DEPLOYMENTS, next);
    const pods = { healthy: 'all', unready: 'none', 'crash-loop': 'crash-loop', stuck: 'stuck' } as const;
    this.pods?.sync(current, pods[behaviour]);
  }

  private reconcileDaemonSet(namespace: string | undefined, name: string): void {
    const id = objectId(namespace, name);
    const current = this.service.store.get(DAEMONSETS, namespace, name);
    if (!current || (isObject(current.metadata) && current.metadata.deletionTimestamp !== undefined)) {
      this.daemonPods.delete(id);
      return;
    }
    const pods = this.daemonPods.get(id) ?? new Map<string, { hash: string; ready: boolean }>();
    this.daemonPods.set(id, pods);
    const behaviour = this.behaviours.get(id) ?? 'healthy';
    const step = stepDaemonSet(current, this.service.store.list(NODES), pods, behaviour === 'healthy');
    const next = clone(current);
    next.status = step.status;
    this.service.systemUpdate(DAEMONSETS, next);
    // The status write alone does not bring the rollout further: the next step is a new reconcile.
    if (!step.settled) this.schedule(DAEMONSETS, current);
  }

  private statusFor(deployment: JsonObject, behaviour: RolloutBehaviour): JsonObject {
    const spec = isObject(deployment.spec) ? deployment.spec : {};
    const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const generation = isObject(deployment.metadata) ? deployment.metadata.generation : undefined;
    const previous = isObject(deployment.status) ? deployment.status : {};
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const selector = Object.entries(
      stringMap(isObject(spec.selector) ? spec.selector.matchLabels : undefined),
    )
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    const base: JsonObject = {
      observedGeneration: generation ?? 1,
      ...(selector === '' ? {} : { selector }),
    };
    if (behaviour === 'unready' || behaviour === 'crash-loop') {
      return {
        ...base,
        ...counts({ replicas, updatedReplicas: replicas, unavailableReplicas: replicas }),
        conditions: [
          condition(
            'Available',
            'False',
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
            now,
          ),
          condition(
            'Progressing',
            'True',
            'ReplicaSetUpdated',
            `ReplicaSet "${identityOf(deployment).name}" is progressing.`,
            now,
          ),
        ],
      };
    }
    if (behaviour === 'stuck') {
      const ready = typeof previous.readyReplicas === 'number' ? previous.readyReplicas : 0;
      return {
        ...base,
        ...counts({
          replicas,
          updatedReplicas: Math.min(1, replicas),
          readyReplicas: ready,
          availableReplicas: ready,
          unavailableReplicas: Math.max(0, replicas - ready),
        }),
        conditions: [
          condition(
            'Available',
            'False',
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
            now,
          ),
          condition(
            'Progressing',
            'False',
            'ProgressDeadlineExceeded',
            `ReplicaSet "${identityOf(deployment).name}" has timed out progressing.`,
            now,
          ),
        ],
      };
    }
    return {
      ...base,
      ...counts({
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
      }),
      conditions: [
        condition(
          'Available',
          'True',
          'MinimumReplicasAvailable',
          'Deployment has minimum availability.',
          now,
        ),
        condition(
          'Progressing',
          'True',
          'NewReplicaSetAvailable',
          `ReplicaSet "${identityOf(deployment).name}" has successfully progressed.`,
          now,
        ),
      ],
    };
  }
}
