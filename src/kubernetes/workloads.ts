/**
 * WorkloadPort on Deployment and DaemonSet targets: the `<target>-primary` clone, stopping the
 * target (the canary) between runs, config tracking, the primary autoscaler, readiness and
 * promotion. What differs per kind is in pod-workload-kinds.ts; `kind: Service` targets, which
 * have no workload of their own, are service-target.ts's and are handed over to it, as Knative
 * Service targets are handed to knative-target.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Canary } from '../api/canary.js';
import { analysisOf } from '../engine/analysis-config.js';
import type { Readiness, Revision, WorkloadPort } from '../engine/ports.js';
import { isConflict, type KubeClient, type KubeObject } from './client.js';
import {
  checksums,
  copyConfigsToPrimary,
  readTrackedConfigs,
  renameConfigRefs,
  type TrackedConfig,
} from './configs.js';
import {
  applyPrimaryScaler,
  pauseTargetScaler,
  resumeTargetScaler,
  scalerMinReplicas,
} from './autoscalers.js';
import {
  canaryNamespace,
  isRecord,
  ownerReferenceTo,
  primaryName,
  sha256,
  stableJson,
  withoutFluxKeys,
  type Json,
} from './objects.js';
import {
  isRunning,
  podWorkloadKind,
  withoutParking,
  type PodWorkload,
  type PodWorkloadKind,
} from './pod-workload-kinds.js';
import { podSelector, podsHealth } from './readiness.js';
import { Resources } from './resources.js';
import { ServiceTargetWorkloads } from './service-target.js';
import { KnativeTargetWorkloads } from './knative-target.js';
import { isKnativeTarget } from '../routing/providers/knative.js';
import {
  applyApexService,
  applyCanaryAndPrimaryServices,
  pointApexAtTarget,
  type Selector,
} from './services.js';

export const DEFAULT_SELECTOR_LABELS = ['app', 'name', 'app.kubernetes.io/name'];
/** Changes on every promotion so the primary rolls even when only configs changed. */
export const PROMOTION_ID_ANNOTATION = 'serin.dev/promotion-id';

/** A Deployment or DaemonSet: the fields Serin reads are the same. */
export interface Deployment extends KubeObject, PodWorkload {
  metadata: KubeObject['metadata'];
  spec: PodWorkload['spec'];
}

export class WorkloadError extends Error {}

export interface WorkloadOptions {
  selectorLabels?: string[];
  now?: () => Date;
}

function podSpecOf(d: Deployment): Json {
  return isRecord(d.spec.template.spec) ? d.spec.template.spec : {};
}

function templateMeta(d: Deployment): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  const meta = isRecord(d.spec.template.metadata) ? d.spec.template.metadata : {};
  return {
    labels: { ...((meta.labels as Record<string, string> | undefined) ?? {}) },
    annotations: { ...((meta.annotations as Record<string, string> | undefined) ?? {}) },
  };
}

/** Rewrites label selectors in affinity/topology rules that pick the target's pods to pick the primary's. */
function retargetSelectors(value: unknown, sel: Selector): void {
  if (Array.isArray(value)) {
    for (const v of value) retargetSelectors(v, sel);
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'matchLabels' && isRecord(child) && child[sel.label] === sel.value)
      child[sel.label] = `${sel.value}-primary`;
    else retargetSelectors(child, sel);
  }
}

export class DeploymentWorkloads implements WorkloadPort {
  private readonly selectorLabels: string[];
  private readonly now: () => Date;
  private readonly services: ServiceTargetWorkloads;
  private readonly knative: KnativeTargetWorkloads;

  constructor(
    private readonly client: KubeClient,
    options: WorkloadOptions = {},
  ) {
    this.selectorLabels = options.selectorLabels ?? DEFAULT_SELECTOR_LABELS;
    this.now = options.now ?? (() => new Date());
    this.services = new ServiceTargetWorkloads(client);
    this.knative = new KnativeTargetWorkloads(client);
  }

  /** The kind's behaviour; a kind with no pods of its own (a Service) has none. */
  private kindOf(canary: Canary): PodWorkloadKind {
    const kind = podWorkloadKind(canary);
    if (!kind)
      throw new WorkloadError(
        `spec.targetRef.kind: expected Deployment or DaemonSet, got ${canary.spec.targetRef.kind}`,
      );
    return kind;
  }

  private isServiceTarget(canary: Canary): boolean {
    return canary.spec.targetRef.kind === 'Service' && !this.isKnative(canary);
  }

  /** A Knative Service target: Knative runs its revisions (knative-target.ts). */
  private isKnative(canary: Canary): boolean {
    return isKnativeTarget(canary.spec.targetRef);
  }

  get kubeClient(): KubeClient {
    return this.client;
  }

  async target(canary: Canary): Promise<Deployment> {
    const kind = this.kindOf(canary);
    const { name } = canary.spec.targetRef;
    const d = await this.client.get<Deployment>(kind.type, canaryNamespace(canary), name);
    if (!d)
      throw new WorkloadError(`${kind.kind} ${canaryNamespace(canary)}/${name} (spec.targetRef) not found`);
    return d;
  }

  primary(canary: Canary): Promise<Deployment | undefined> {
    return this.client.get<Deployment>(
      this.kindOf(canary).type,
      canaryNamespace(canary),
      primaryName(canary.spec.targetRef.name),
    );
  }

  /** The selector label: the first of the configured labels present in the target's selector. */
  selectorOf(target: Deployment): Selector {
    const matchLabels = target.spec.selector?.matchLabels ?? {};
    for (const label of this.selectorLabels) {
      const value = matchLabels[label];
      if (value !== undefined) return { label, value };
    }
    throw new WorkloadError(
      `${target.kind ?? 'Deployment'} ${target.metadata.name}: spec.selector.matchLabels has none of the labels ${this.selectorLabels.join(', ')}`,
    );
  }

  /** The primary's pod template for a target, as a promotion writes it (also read by adoption.ts). */
  primaryTemplate(target: Deployment, sel: Selector, tracked: readonly TrackedConfig[]): Json {
    const meta = templateMeta(target);
    // A parked DaemonSet's nodeSelector key is how the canary stops, never part of the revision.
    const podSpec = withoutParking({ spec: podSpecOf(target) }).spec;
    const spec = renameConfigRefs(isRecord(podSpec) ? podSpec : {}, tracked);
    retargetSelectors(spec.affinity, sel);
    retargetSelectors(spec.topologySpreadConstraints, sel);
    return {
      metadata: {
        labels: { ...meta.labels, [sel.label]: `${sel.value}-primary` },
        annotations: { ...meta.annotations, [PROMOTION_ID_ANNOTATION]: randomUUID() },
      },
      spec,
    };
  }

  private async createPrimary(canary: Canary, target: Deployment, sel: Selector): Promise<void> {
    const kind = this.kindOf(canary);
    const tracked = await readTrackedConfigs(this.client, canaryNamespace(canary), podSpecOf(target));
    await copyConfigsToPrimary(this.client, canary, tracked);
    const name = primaryName(target.metadata.name);
    const primary: Deployment = {
      apiVersion: 'apps/v1',
      kind: kind.kind,
      metadata: {
        name,
        namespace: canaryNamespace(canary),
        labels: { ...withoutFluxKeys(target.metadata.labels), [sel.label]: `${sel.value}-primary` },
        annotations: withoutFluxKeys(target.metadata.annotations),
        ownerReferences: [ownerReferenceTo(canary)],
      },
      spec: {
        selector: { matchLabels: { [sel.label]: `${sel.value}-primary` } },
        template: this.primaryTemplate(target, sel, tracked),
      },
    };
    if (kind.kind === 'Deployment')
      primary.spec.replicas = (target.spec.replicas ?? 1) > 0 ? (target.spec.replicas ?? 1) : 1;
    for (const key of kind.copiedSpecKeys) {
      if (target.spec[key] !== undefined) primary.spec[key] = target.spec[key];
    }
    try {
      await this.client.create(kind.type, primary);
    } catch (error) {
      if (!isConflict(error)) throw error; // created meanwhile by an earlier, interrupted tick
    }
  }

  /** Flagger refuses a DaemonSet that OnDelete would never roll: the primary could not be promoted. */
  private checkStrategy(canary: Canary, target: Deployment): void {
    const strategy = isRecord(target.spec.updateStrategy) ? target.spec.updateStrategy.type : undefined;
    if (this.kindOf(canary).kind === 'DaemonSet' && strategy !== undefined && strategy !== 'RollingUpdate')
      throw new WorkloadError(
        `DaemonSet ${target.metadata.name}: spec.updateStrategy.type must be RollingUpdate, got ${JSON.stringify(strategy)}`,
      );
  }

  async initialize(canary: Canary, options: { waitForPrimary: boolean }): Promise<Readiness> {
    if (this.isKnative(canary)) return this.knative.initialize(canary, options);
    if (this.isServiceTarget(canary)) return this.services.initialize(canary);
    const target = await this.target(canary);
    const sel = this.selectorOf(target);
    this.checkStrategy(canary, target);
    await applyCanaryAndPrimaryServices(this.client, canary, sel, target);
    if (!(await this.primary(canary))) await this.createPrimary(canary, target, sel);
    await applyPrimaryScaler(this.client, canary, false);
    const readiness = options.waitForPrimary
      ? await this.isPrimaryReady(canary)
      : { ready: true, retriable: true, message: 'primary created' };
    // The apex Service moves to the primary only once the primary can serve.
    if (readiness.ready) await applyApexService(this.client, canary, sel, target);
    return readiness;
  }

  async targetRevision(canary: Canary): Promise<Revision> {
    if (this.isKnative(canary)) return this.knative.targetRevision(canary);
    if (this.isServiceTarget(canary)) return this.services.targetRevision(canary);
    const target = await this.target(canary);
    const tracked = await readTrackedConfigs(this.client, canaryNamespace(canary), podSpecOf(target));
    const template = withoutParking(target.spec.template);
    return { specHash: sha256(stableJson(template)).slice(0, 32), configs: checksums(tracked) };
  }

  async isPrimaryReady(canary: Canary): Promise<Readiness> {
    if (this.isKnative(canary)) return this.knative.isPrimaryReady(canary);
    if (this.isServiceTarget(canary)) return this.services.isPrimaryReady();
    const kind = this.kindOf(canary);
    const primary = await this.primary(canary);
    if (!primary)
      return { ready: false, retriable: true, message: `primary ${kind.kind} does not exist yet` };
    if (kind.kind === 'Deployment' && primary.spec.replicas === 0) {
      return { ready: false, retriable: true, message: `${primary.metadata.name} has 0 replicas` };
    }
    const threshold = analysisOf(canary)?.primaryReadyThreshold ?? 100;
    return kind.readiness(primary, threshold, canary, this.now());
  }

  async isCanaryReady(canary: Canary): Promise<Readiness> {
    if (this.isKnative(canary)) return this.knative.isCanaryReady(canary);
    if (this.isServiceTarget(canary)) return this.services.isCanaryReady();
    const kind = this.kindOf(canary);
    const target = await this.target(canary);
    const threshold = analysisOf(canary)?.canaryReadyThreshold ?? 100;
    const readiness = kind.readiness(target, threshold, canary, this.now());
    return { ...readiness, workload: await this.health(kind, target) };
  }

  /** What the workload's pods say: restarts and the waiting reason of a failing container. */
  private async health(kind: PodWorkloadKind, d: Deployment): Promise<NonNullable<Readiness['workload']>> {
    const labelSelector = podSelector(d);
    const counts = kind.counts(d);
    try {
      const pods = labelSelector
        ? (await this.client.list(Resources.pod, d.metadata.namespace, { labelSelector })).items
        : [];
      return podsHealth(d, pods, counts);
    } catch (error) {
      // Readiness still comes from the workload; the status says why the details are missing.
      return { ...podsHealth(d, [], counts), message: `cannot read the pods: ${(error as Error).message}` };
    }
  }

  /** Flagger's ScaleFromZero: the target's own replicas, else the primary's (or the autoscaler's minimum), else 1. */
  async replicasForTarget(canary: Canary, target: Deployment): Promise<number> {
    if ((target.spec.replicas ?? 0) > 0) return target.spec.replicas ?? 1;
    const scalerMin = await scalerMinReplicas(this.client, canary);
    if (scalerMin !== undefined) return Math.max(1, scalerMin);
    const primary = await this.primary(canary);
    return Math.max(1, primary?.spec.replicas ?? 1);
  }

  /** Stops (`parked`) or restarts the target with `replicas`, writing only when that changes something. */
  private async parkTarget(canary: Canary, parked: boolean, replicas = 0): Promise<void> {
    const kind = this.kindOf(canary);
    const target = await this.target(canary);
    const running = isRunning(kind, target);
    const done =
      kind.kind === 'Deployment'
        ? target.spec.replicas === (parked ? 0 : replicas)
        : parked
          ? kind.isParked(target)
          : running;
    if (done) return; // idle ticks write nothing
    await this.client.patch(
      kind.type,
      canaryNamespace(canary),
      target.metadata.name,
      kind.parkingPatch(parked, replicas),
    );
  }

  async scaleCanaryUp(canary: Canary): Promise<void> {
    // A Service has nothing to scale, and Knative scales revisions itself (Flagger's no-ops).
    if (this.isServiceTarget(canary) || this.isKnative(canary)) return;
    await resumeTargetScaler(this.client, canary);
    const target = await this.target(canary);
    await this.parkTarget(canary, false, await this.replicasForTarget(canary, target));
  }

  async scaleCanaryDown(canary: Canary): Promise<void> {
    if (this.isServiceTarget(canary) || this.isKnative(canary)) return;
    // The autoscaler first, so it does not scale the canary straight back up.
    await pauseTargetScaler(this.client, canary);
    await this.parkTarget(canary, true);
  }

  async promote(canary: Canary): Promise<void> {
    if (this.isKnative(canary)) return this.knative.promote(canary);
    if (this.isServiceTarget(canary)) return this.services.promote(canary);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.promoteOnce(canary);
        return;
      } catch (error) {
        if (!isConflict(error) || attempt >= 4) throw error;
      }
    }
  }

  private async promoteOnce(canary: Canary): Promise<void> {
    const kind = this.kindOf(canary);
    const target = await this.target(canary);
    const sel = this.selectorOf(target);
    const primary = await this.primary(canary);
    if (!primary)
      throw new WorkloadError(`primary ${kind.kind} ${primaryName(target.metadata.name)} not found`);
    const tracked = await readTrackedConfigs(this.client, canaryNamespace(canary), podSpecOf(target));
    await copyConfigsToPrimary(this.client, canary, tracked);
    const next = structuredClone(primary);
    for (const key of kind.copiedSpecKeys) {
      if (target.spec[key] === undefined) Reflect.deleteProperty(next.spec, key);
      else next.spec[key] = target.spec[key];
    }
    if (kind.kind === 'Deployment' && canary.spec.autoscalerRef === undefined) {
      next.spec.replicas =
        (target.spec.replicas ?? 0) > 0 ? target.spec.replicas : (primary.spec.replicas ?? 1);
    }
    next.spec.template = this.primaryTemplate(target, sel, tracked);
    await this.client.replace(kind.type, next);
    // Autoscaler changes ride along with promotions (as in Flagger): test them through a canary run.
    await applyPrimaryScaler(this.client, canary, true);
  }

  /** Gives the target its replicas back (from the primary) and reports whether it can serve. */
  async revert(canary: Canary): Promise<Readiness> {
    if (this.isKnative(canary)) return this.knative.revert();
    if (this.isServiceTarget(canary)) return this.services.revert();
    const kind = this.kindOf(canary);
    const target = await this.target(canary);
    await resumeTargetScaler(this.client, canary);
    if (!isRunning(kind, target)) {
      const primary = await this.primary(canary);
      const replicas = Math.max(1, primary?.spec.replicas ?? (await this.replicasForTarget(canary, target)));
      await this.parkTarget(canary, false, replicas);
    }
    const readiness = await this.isCanaryReady(canary);
    // Traffic goes back to the target only once it can take it.
    if (readiness.ready) await pointApexAtTarget(this.client, canary, this.selectorOf(target));
    return readiness;
  }
}
