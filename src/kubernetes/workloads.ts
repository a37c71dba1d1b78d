/**
 * WorkloadPort on Deployments: the `<target>-primary` clone, scaling the target (the canary) to
 * zero between runs, config tracking, the primary HPA, readiness and promotion.
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
import { applyPrimaryHpa, hpaMinReplicas } from './hpa.js';
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
import { deploymentReadiness, podSelector, podsHealth } from './readiness.js';
import { Resources } from './resources.js';
import {
  applyApexService,
  applyCanaryAndPrimaryServices,
  pointApexAtTarget,
  type Selector,
} from './services.js';

export const DEFAULT_SELECTOR_LABELS = ['app', 'name', 'app.kubernetes.io/name'];
/** Changes on every promotion so the primary rolls even when only configs changed. */
export const PROMOTION_ID_ANNOTATION = 'serin.dev/promotion-id';

export interface Deployment extends KubeObject {
  spec: Json & { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template: Json };
  status?: Json;
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

  constructor(
    private readonly client: KubeClient,
    options: WorkloadOptions = {},
  ) {
    this.selectorLabels = options.selectorLabels ?? DEFAULT_SELECTOR_LABELS;
    this.now = options.now ?? (() => new Date());
  }

  get kubeClient(): KubeClient {
    return this.client;
  }

  async target(canary: Canary): Promise<Deployment> {
    const { kind, name } = canary.spec.targetRef;
    if (kind !== 'Deployment')
      throw new WorkloadError(`spec.targetRef.kind: expected Deployment, got ${kind}`);
    const d = await this.client.get<Deployment>(Resources.deployment, canaryNamespace(canary), name);
    if (!d)
      throw new WorkloadError(`Deployment ${canaryNamespace(canary)}/${name} (spec.targetRef) not found`);
    return d;
  }

  primary(canary: Canary): Promise<Deployment | undefined> {
    return this.client.get<Deployment>(
      Resources.deployment,
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
      `Deployment ${target.metadata.name}: spec.selector.matchLabels has none of the labels ${this.selectorLabels.join(', ')}`,
    );
  }

  /** The primary's pod template for a target, as a promotion writes it (also read by adoption.ts). */
  primaryTemplate(target: Deployment, sel: Selector, tracked: readonly TrackedConfig[]): Json {
    const meta = templateMeta(target);
    const spec = renameConfigRefs(podSpecOf(target), tracked);
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
    const tracked = await readTrackedConfigs(this.client, canaryNamespace(canary), podSpecOf(target));
    await copyConfigsToPrimary(this.client, canary, tracked);
    const name = primaryName(target.metadata.name);
    const replicas = (target.spec.replicas ?? 1) > 0 ? (target.spec.replicas ?? 1) : 1;
    const primary: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name,
        namespace: canaryNamespace(canary),
        labels: { ...withoutFluxKeys(target.metadata.labels), [sel.label]: `${sel.value}-primary` },
        annotations: withoutFluxKeys(target.metadata.annotations),
        ownerReferences: [ownerReferenceTo(canary)],
      },
      spec: {
        replicas,
        selector: { matchLabels: { [sel.label]: `${sel.value}-primary` } },
        template: this.primaryTemplate(target, sel, tracked),
      },
    };
    for (const key of ['progressDeadlineSeconds', 'minReadySeconds', 'revisionHistoryLimit', 'strategy']) {
      if (target.spec[key] !== undefined) primary.spec[key] = target.spec[key];
    }
    try {
      await this.client.create(Resources.deployment, primary);
    } catch (error) {
      if (!isConflict(error)) throw error; // created meanwhile by an earlier, interrupted tick
    }
  }

  async initialize(canary: Canary, options: { waitForPrimary: boolean }): Promise<Readiness> {
    const target = await this.target(canary);
    const sel = this.selectorOf(target);
    await applyCanaryAndPrimaryServices(this.client, canary, sel, target);
    if (!(await this.primary(canary))) await this.createPrimary(canary, target, sel);
    await applyPrimaryHpa(this.client, canary, false);
    const readiness = options.waitForPrimary
      ? await this.isPrimaryReady(canary)
      : { ready: true, retriable: true, message: 'primary created' };
    // The apex Service moves to the primary only once the primary can serve.
    if (readiness.ready) await applyApexService(this.client, canary, sel, target);
    return readiness;
  }

  async targetRevision(canary: Canary): Promise<Revision> {
    const target = await this.target(canary);
    const tracked = await readTrackedConfigs(this.client, canaryNamespace(canary), podSpecOf(target));
    return { specHash: sha256(stableJson(target.spec.template)).slice(0, 32), configs: checksums(tracked) };
  }

  private deadline(canary: Canary): number {
    return canary.spec.progressDeadlineSeconds;
  }

  async isPrimaryReady(canary: Canary): Promise<Readiness> {
    const primary = await this.primary(canary);
    if (!primary) return { ready: false, retriable: true, message: 'primary Deployment does not exist yet' };
    if (primary.spec.replicas === 0) {
      return { ready: false, retriable: true, message: `${primary.metadata.name} has 0 replicas` };
    }
    const threshold = analysisOf(canary)?.primaryReadyThreshold ?? 100;
    return deploymentReadiness(primary, threshold, this.deadline(canary), this.now());
  }

  async isCanaryReady(canary: Canary): Promise<Readiness> {
    const target = await this.target(canary);
    const threshold = analysisOf(canary)?.canaryReadyThreshold ?? 100;
    const readiness = deploymentReadiness(target, threshold, this.deadline(canary), this.now());
    return { ...readiness, workload: await this.health(target) };
  }

  /** What the Deployment's pods say: restarts and the waiting reason of a failing container. */
  private async health(d: Deployment): Promise<NonNullable<Readiness['workload']>> {
    const labelSelector = podSelector(d);
    try {
      const pods = labelSelector
        ? (await this.client.list(Resources.pod, d.metadata.namespace, { labelSelector })).items
        : [];
      return podsHealth(d, pods);
    } catch (error) {
      // Readiness still comes from the Deployment; the status says why the details are missing.
      return { ...podsHealth(d, []), message: `cannot read the pods: ${(error as Error).message}` };
    }
  }

  /** Flagger's ScaleFromZero: the target's own replicas, else the primary's (or the HPA minimum), else 1. */
  async replicasForTarget(canary: Canary, target: Deployment): Promise<number> {
    if ((target.spec.replicas ?? 0) > 0) return target.spec.replicas ?? 1;
    const hpaMin = await hpaMinReplicas(this.client, canary);
    if (hpaMin !== undefined) return Math.max(1, hpaMin);
    const primary = await this.primary(canary);
    return Math.max(1, primary?.spec.replicas ?? 1);
  }

  private async scaleTarget(canary: Canary, replicas: number): Promise<void> {
    const target = await this.target(canary);
    if (target.spec.replicas === replicas) return; // idle ticks write nothing
    await this.client.patch(Resources.deployment, canaryNamespace(canary), target.metadata.name, {
      spec: { replicas },
    });
  }

  async scaleCanaryUp(canary: Canary): Promise<void> {
    const target = await this.target(canary);
    await this.scaleTarget(canary, await this.replicasForTarget(canary, target));
  }

  async scaleCanaryDown(canary: Canary): Promise<void> {
    await this.scaleTarget(canary, 0);
  }

  async promote(canary: Canary): Promise<void> {
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
    const target = await this.target(canary);
    const sel = this.selectorOf(target);
    const primary = await this.primary(canary);
    if (!primary)
      throw new WorkloadError(`primary Deployment ${primaryName(target.metadata.name)} not found`);
    const tracked = await readTrackedConfigs(this.client, canaryNamespace(canary), podSpecOf(target));
    await copyConfigsToPrimary(this.client, canary, tracked);
    const next = structuredClone(primary);
    for (const key of ['progressDeadlineSeconds', 'minReadySeconds', 'revisionHistoryLimit', 'strategy']) {
      if (target.spec[key] === undefined) Reflect.deleteProperty(next.spec, key);
      else next.spec[key] = target.spec[key];
    }
    if (canary.spec.autoscalerRef === undefined) {
      next.spec.replicas =
        (target.spec.replicas ?? 0) > 0 ? target.spec.replicas : (primary.spec.replicas ?? 1);
    }
    next.spec.template = this.primaryTemplate(target, sel, tracked);
    await this.client.replace(Resources.deployment, next);
    // HPA changes ride along with promotions (as in Flagger): test them through a canary run.
    await applyPrimaryHpa(this.client, canary, true);
  }

  /** Gives the target its replicas back (from the primary) and reports whether it can serve. */
  async revert(canary: Canary): Promise<Readiness> {
    const target = await this.target(canary);
    const primary = await this.primary(canary);
    const replicas = Math.max(1, primary?.spec.replicas ?? (await this.replicasForTarget(canary, target)));
    if ((target.spec.replicas ?? 0) === 0) await this.scaleTarget(canary, replicas);
    const readiness = await this.isCanaryReady(canary);
    // Traffic goes back to the target only once it can take it.
    if (readiness.ready) await pointApexAtTarget(this.client, canary, this.selectorOf(target));
    return readiness;
  }
}
