/**
 * WorkloadPort for `kind: Service` targets: routing-only canaries, as Flagger's ServiceController
 * runs them. The user's Service (the target) selects whatever workloads they run; Serin runs no
 * workload of its own. `<target>-canary` is a copy of the target, brought in line with it on every
 * reconcile, so it follows the new selector or ports as soon as the user changes them;
 * `<target>-primary` is a copy made once and then changed only by a promotion, which copies the
 * target's spec onto it. The target Service itself is never written: it stays the apex the mesh
 * routes for. Nothing scales, and both sides count as ready (Flagger's readiness for a Service).
 */
import type { Canary } from '../api/canary.js';
import type { Readiness, Revision } from '../engine/ports.js';
import type { KubeClient, KubeObject } from './client.js';
import { portableServiceSpec, renderServiceCopy, type TargetWorkload } from '../routing/render/kubernetes.js';
import { canaryNamespace, primaryName, sha256, stableJson } from './objects.js';
import { Resources } from './resources.js';

const READY: Readiness = {
  ready: true,
  retriable: true,
  message: 'a Service target has no workload to wait for',
};

export class ServiceTargetError extends Error {}

export class ServiceTargetWorkloads {
  constructor(private readonly client: KubeClient) {}

  async target(canary: Canary): Promise<KubeObject> {
    const ns = canaryNamespace(canary);
    const { name } = canary.spec.targetRef;
    const svc = await this.client.get(Resources.service, ns, name);
    if (!svc) throw new ServiceTargetError(`Service ${ns}/${name} (spec.targetRef) not found`);
    return svc;
  }

  /** A copy of the target under `name`, owned by the Canary, as Flagger's buildService makes it. */
  private copy(canary: Canary, target: KubeObject, name: string): KubeObject {
    return renderServiceCopy(canary, target, name) as KubeObject;
  }

  async initialize(canary: Canary): Promise<Readiness> {
    const target = await this.target(canary);
    const { name } = canary.spec.targetRef;
    await this.client.applyIfChanged(Resources.service, this.copy(canary, target, `${name}-canary`));
    const primary = await this.client.get(Resources.service, canaryNamespace(canary), primaryName(name));
    if (!primary)
      await this.client.applyIfChanged(Resources.service, this.copy(canary, target, primaryName(name)));
    return READY;
  }

  /** The revision is the target's spec: a new selector or port list is a new revision. */
  async targetRevision(canary: Canary): Promise<Revision> {
    const target = await this.target(canary);
    return {
      specHash: sha256(stableJson(portableServiceSpec(target as TargetWorkload))).slice(0, 32),
      configs: {},
    };
  }

  isPrimaryReady(): Promise<Readiness> {
    return Promise.resolve(READY);
  }

  isCanaryReady(): Promise<Readiness> {
    return Promise.resolve(READY);
  }

  /** Copies the target's spec, labels and annotations onto `<target>-primary`. */
  async promote(canary: Canary): Promise<void> {
    const target = await this.target(canary);
    await this.client.applyIfChanged(
      Resources.service,
      this.copy(canary, target, primaryName(target.metadata.name)),
    );
  }

  /** Nothing to give back: the target Service was never changed. */
  revert(): Promise<Readiness> {
    return Promise.resolve(READY);
  }
}
