/**
 * Plays the DaemonSet controller and the kubelet for one DaemonSet: one pod per node whose labels
 * match the pod template's `nodeSelector`, rolled out node by node as the RollingUpdate strategy
 * allows (`maxUnavailable`, an integer or a percentage of the desired count rounded up, at least
 * one), never replaced under OnDelete. Each step is one simulator delay: a new pod is unavailable
 * for one step, then ready (unless the behaviour says pods never become ready).
 *
 * The status follows the real controller's fields: `desiredNumberScheduled`,
 * `currentNumberScheduled`, `numberMisscheduled` and `numberReady` are always present (they are
 * not omitempty in apps/v1), `updatedNumberScheduled`, `numberAvailable`, `numberUnavailable` and
 * `observedGeneration` only when non-zero. Not simulated: taints and tolerations, node affinity,
 * `minReadySeconds` and `maxSurge` (a pod is replaced in place).
 */
import { createHash } from 'node:crypto';

import { isObject, stringMap, type JsonObject } from './json.js';

/** The pod a node runs for the DaemonSet: which template it was made from, and whether it is ready. */
interface NodePod {
  hash: string;
  ready: boolean;
}

export interface DaemonSetStep {
  status: JsonObject;
  /** Whether another step is needed (pods still starting or still on an older template). */
  settled: boolean;
}

export function templateHash(template: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(template ?? {}))
    .digest('hex')
    .slice(0, 10);
}

/** Names of the nodes whose labels carry every key/value of the pod template's nodeSelector. */
export function eligibleNodes(daemonSet: JsonObject, nodes: readonly JsonObject[]): string[] {
  const spec = isObject(daemonSet.spec) ? daemonSet.spec : {};
  const template = isObject(spec.template) ? spec.template : {};
  const podSpec = isObject(template.spec) ? template.spec : {};
  const selector = Object.entries(stringMap(podSpec.nodeSelector));
  return nodes
    .filter((node) => {
      const labels = stringMap(isObject(node.metadata) ? node.metadata.labels : undefined);
      return selector.every(([key, value]) => labels[key] === value);
    })
    .map((node) =>
      isObject(node.metadata) && typeof node.metadata.name === 'string' ? node.metadata.name : '',
    );
}

/** How many pods may be unavailable at once: Kubernetes' GetScaledValueFromIntOrPercent, rounded up, at least 1. */
function maxUnavailable(spec: JsonObject, desired: number): number {
  const strategy = isObject(spec.updateStrategy) ? spec.updateStrategy : {};
  const rolling = isObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
  const value = rolling.maxUnavailable ?? 1;
  if (typeof value === 'number') return Math.max(1, value);
  const percent = typeof value === 'string' ? /^(\d+)%$/.exec(value) : null;
  return Math.max(1, percent ? Math.ceil((desired * Number(percent[1])) / 100) : 1);
}

function isRollingUpdate(spec: JsonObject): boolean {
  const strategy = isObject(spec.updateStrategy) ? spec.updateStrategy : {};
  return strategy.type === undefined || strategy.type === 'RollingUpdate';
}

/**
 * One step of the controller: drops pods from nodes that no longer fit, marks pods that had a
 * step to start as ready, starts pods on fitting nodes that have none, and replaces old pods as
 * far as `maxUnavailable` allows. `pods` (by node name) is updated in place.
 */
export function stepDaemonSet(
  daemonSet: JsonObject,
  nodes: readonly JsonObject[],
  pods: Map<string, NodePod>,
  podsBecomeReady: boolean,
): DaemonSetStep {
  const spec = isObject(daemonSet.spec) ? daemonSet.spec : {};
  const hash = templateHash(spec.template);
  const eligible = new Set(eligibleNodes(daemonSet, nodes));
  for (const node of [...pods.keys()]) if (!eligible.has(node)) pods.delete(node);
  if (podsBecomeReady) for (const pod of pods.values()) pod.ready = true;
  for (const node of eligible) if (!pods.has(node)) pods.set(node, { hash, ready: false });
  const desired = eligible.size;
  if (isRollingUpdate(spec)) {
    let room = maxUnavailable(spec, desired) - [...pods.values()].filter((pod) => !pod.ready).length;
    for (const [node, pod] of pods) {
      if (room <= 0) break;
      if (pod.hash === hash) continue;
      pods.set(node, { hash, ready: false });
      room -= 1;
    }
  }
  const all = [...pods.values()];
  const ready = all.filter((pod) => pod.ready).length;
  const updated = all.filter((pod) => pod.hash === hash).length;
  const generation = isObject(daemonSet.metadata) ? daemonSet.metadata.generation : undefined;
  const optional: Record<string, number> = {
    observedGeneration: typeof generation === 'number' ? generation : 1,
    updatedNumberScheduled: updated,
    numberAvailable: ready,
    numberUnavailable: desired - ready,
  };
  const status: JsonObject = {
    currentNumberScheduled: all.length,
    numberMisscheduled: 0,
    desiredNumberScheduled: desired,
    numberReady: ready,
  };
  for (const [key, value] of Object.entries(optional)) if (value > 0) status[key] = value;
  const oldPodsLeft = isRollingUpdate(spec) && updated < all.length;
  // Pods that never become ready stall the rollout: nothing changes until the behaviour does.
  return { status, settled: !podsBecomeReady || (ready === all.length && !oldPodsLeft) };
}
