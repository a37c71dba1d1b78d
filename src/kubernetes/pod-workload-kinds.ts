/**
 * What differs between the two pod-running target kinds, Deployment and DaemonSet, as Flagger's
 * deployment and daemonset controllers do it: which spec fields the primary copies, how readiness
 * is read, and how the canary is stopped between runs. A Deployment scales to zero replicas; a
 * DaemonSet cannot scale, so its pod template gets a nodeSelector no node carries
 * (`serin.dev/scale-to-zero: "true"`, Flagger's `flagger.app/scale-to-zero` under Serin's name)
 * and the DaemonSet controller removes its pods.
 */
import type { Canary } from '../api/canary.js';
import type { Readiness } from '../engine/ports.js';
import { PARKING_KEYS } from '../routing/render/kubernetes.js';
import { isRecord, type Json } from './objects.js';
import {
  daemonSetCounts,
  daemonSetReadiness,
  deploymentCounts,
  deploymentReadiness,
  type PodCounts,
} from './readiness.js';
import { Resources, type ResourceType } from './resources.js';

/** The nodeSelector key that parks a DaemonSet canary on no node. */
export const SCALE_TO_ZERO_KEY = 'serin.dev/scale-to-zero';
/** Flagger's key for the same: a DaemonSet Flagger parked is brought back by Serin too. */
export const FLAGGER_SCALE_TO_ZERO_KEY = 'flagger.app/scale-to-zero';

export interface PodWorkload extends Json {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; generation?: number; [key: string]: unknown };
  spec: Json & { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template: Json };
  status?: Json;
}

export interface PodWorkloadKind {
  kind: 'Deployment' | 'DaemonSet';
  type: ResourceType;
  /** Spec fields the primary takes from the target, at creation and on every promotion. */
  copiedSpecKeys: readonly string[];
  readiness(workload: PodWorkload, thresholdPercent: number, canary: Canary, now: Date): Readiness;
  counts(workload: PodWorkload): PodCounts;
  /** Whether the canary (the target) is stopped. */
  isParked(target: PodWorkload): boolean;
  /** The merge patch that stops (`parked`) or restarts the target; `replicas` for kinds that scale. */
  parkingPatch(parked: boolean, replicas: number): Json;
}

function nodeSelectorOf(template: Json): Record<string, string> {
  const spec = isRecord(template.spec) ? template.spec : {};
  return isRecord(spec.nodeSelector) ? (spec.nodeSelector as Record<string, string>) : {};
}

/**
 * A pod template without the parking keys (and without a nodeSelector they leave empty): what
 * the target's revision is computed from and what the primary gets, so parking is no new revision.
 */
export function withoutParking(template: Json): Json {
  const copy = structuredClone(template);
  const spec = isRecord(copy.spec) ? copy.spec : undefined;
  if (!spec || !isRecord(spec.nodeSelector)) return copy;
  for (const key of PARKING_KEYS) Reflect.deleteProperty(spec.nodeSelector, key);
  if (Object.keys(spec.nodeSelector).length === 0) Reflect.deleteProperty(spec, 'nodeSelector');
  return copy;
}

const deploymentKind: PodWorkloadKind = {
  kind: 'Deployment',
  type: Resources.deployment,
  copiedSpecKeys: ['progressDeadlineSeconds', 'minReadySeconds', 'revisionHistoryLimit', 'strategy'],
  readiness: (workload, threshold, canary, now) =>
    deploymentReadiness(workload, threshold, canary.spec.progressDeadlineSeconds, now),
  counts: deploymentCounts,
  isParked: (target) => target.spec.replicas === 0,
  parkingPatch: (parked, replicas) => ({ spec: { replicas: parked ? 0 : replicas } }),
};

const daemonSetKind: PodWorkloadKind = {
  kind: 'DaemonSet',
  type: Resources.daemonSet,
  copiedSpecKeys: ['minReadySeconds', 'revisionHistoryLimit', 'updateStrategy'],
  readiness: (workload, threshold, canary, now) =>
    daemonSetReadiness(
      workload,
      threshold,
      canary.spec.progressDeadlineSeconds,
      canary.status?.lastTransitionTime,
      now,
    ),
  counts: daemonSetCounts,
  isParked: (target) => {
    const selector = nodeSelectorOf(target.spec.template);
    return selector[SCALE_TO_ZERO_KEY] === 'true' && selector[FLAGGER_SCALE_TO_ZERO_KEY] === undefined;
  },
  parkingPatch: (parked) => ({
    spec: {
      template: {
        spec: {
          // A JSON merge patch: null removes a key. Flagger's key goes either way (Serin parks with its own).
          nodeSelector: { [SCALE_TO_ZERO_KEY]: parked ? 'true' : null, [FLAGGER_SCALE_TO_ZERO_KEY]: null },
        },
      },
    },
  }),
};

/** Whether a target is running (not parked): a DaemonSet without any parking key. */
export function isRunning(kind: PodWorkloadKind, target: PodWorkload): boolean {
  if (kind.kind === 'Deployment') return (target.spec.replicas ?? 1) > 0;
  const selector = nodeSelectorOf(target.spec.template);
  return PARKING_KEYS.every((key) => selector[key] === undefined);
}

/** The kind's behaviour for a Canary's `spec.targetRef.kind`, or undefined for a kind with no pods of its own. */
export function podWorkloadKind(canary: Pick<Canary, 'spec'>): PodWorkloadKind | undefined {
  switch (canary.spec.targetRef.kind) {
    case 'Deployment':
      return deploymentKind;
    case 'DaemonSet':
      return daemonSetKind;
    default:
      return undefined;
  }
}
