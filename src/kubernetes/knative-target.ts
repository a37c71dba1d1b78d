/**
 * WorkloadPort for Knative Service targets (`serving.knative.dev/v1` Service, `spec.provider:
 * knative`), as Flagger's KnativeController runs them (pkg/canary/knative_controller.go). Knative
 * creates a Revision for every change to the Service's template; Serin runs no workload of its
 * own. The primary is the revision the `flagger.app/primary-revision` annotation names, recorded
 * at initialisation and moved to the latest revision by a promotion; the canary is the latest
 * revision (`status.latestCreatedRevisionName`). The split between them is the knative routing
 * provider's (src/routing/providers/knative.ts). Nothing scales: Knative scales revisions by
 * their traffic.
 *
 * Readiness is the Revision's `Ready` condition: `Unknown` while Knative brings it up (wait),
 * `False` once Knative gave up on it (a failed revision stays failed: not retriable, so a run
 * rolls back instead of waiting for its deadline).
 */
import type { Canary } from '../api/canary.js';
import type { Readiness, Revision } from '../engine/ports.js';
import {
  KNATIVE_REVISION,
  KNATIVE_SERVICE,
  latestCreatedRevisionOf,
  PRIMARY_REVISION_ANNOTATION,
  primaryRevisionOf,
} from '../routing/providers/knative.js';
import type { KubeClient, KubeObject } from './client.js';
import { canaryNamespace, isRecord, sha256 } from './objects.js';

export class KnativeTargetError extends Error {}

const READY: Readiness = { ready: true, retriable: true, message: 'nothing to wait for' };

function readyCondition(revision: KubeObject): { status?: unknown; reason?: unknown; message?: unknown } {
  const status = isRecord(revision.status) ? revision.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isRecord) : [];
  return conditions.find((c) => c.type === 'Ready') ?? {};
}

export class KnativeTargetWorkloads {
  constructor(private readonly client: KubeClient) {}

  async target(canary: Canary): Promise<KubeObject> {
    const ns = canaryNamespace(canary);
    const { name } = canary.spec.targetRef;
    const service = await this.client.get(KNATIVE_SERVICE, ns, name);
    if (!service) throw new KnativeTargetError(`Knative Service ${ns}/${name} (spec.targetRef) not found`);
    return service;
  }

  /** The latest revision, which Knative names once it has seen the template. */
  private async latest(canary: Canary, service?: KubeObject): Promise<string> {
    const live = service ?? (await this.target(canary));
    const name = latestCreatedRevisionOf(live);
    if (name === undefined)
      throw new KnativeTargetError(
        `Knative Service ${canaryNamespace(canary)}/${live.metadata.name} (spec.targetRef) has no status.latestCreatedRevisionName yet: Knative has not created its revision`,
      );
    return name;
  }

  /** Records `revision` as the primary; the resourceVersion makes it refuse a Service that changed since it was read. */
  private async recordPrimary(service: KubeObject, revision: string): Promise<void> {
    if (primaryRevisionOf(service) === revision) return;
    await this.client.patch(KNATIVE_SERVICE, service.metadata.namespace ?? '', service.metadata.name, {
      metadata: {
        resourceVersion: service.metadata.resourceVersion,
        annotations: { [PRIMARY_REVISION_ANNOTATION]: revision },
      },
    });
  }

  /** The first time: the revision the Service serves now becomes the primary (Flagger's Initialize). */
  async initialize(canary: Canary, options: { waitForPrimary: boolean }): Promise<Readiness> {
    const service = await this.target(canary);
    if (primaryRevisionOf(service) === undefined)
      await this.recordPrimary(service, await this.latest(canary, service));
    return options.waitForPrimary ? this.isPrimaryReady(canary) : READY;
  }

  /** A new revision is a new template: the revision's name identifies it. */
  async targetRevision(canary: Canary): Promise<Revision> {
    return { specHash: sha256(await this.latest(canary)).slice(0, 32), configs: {} };
  }

  private async revisionReadiness(canary: Canary, name: string, role: string): Promise<Readiness> {
    const ns = canaryNamespace(canary);
    const revision = await this.client.get(KNATIVE_REVISION, ns, name);
    if (!revision)
      return {
        ready: false,
        retriable: true,
        message: `${role} Knative Revision ${ns}/${name} does not exist yet`,
      };
    const ready = readyCondition(revision);
    if (ready.status === 'True')
      return { ready: true, retriable: true, message: `Knative Revision ${name} is ready` };
    const why = typeof ready.message === 'string' ? `: ${ready.message}` : '';
    return {
      ready: false,
      retriable: ready.status !== 'False',
      message: `${role} Knative Revision ${ns}/${name} is not ready${why}`,
    };
  }

  async isPrimaryReady(canary: Canary): Promise<Readiness> {
    const primary = primaryRevisionOf(await this.target(canary));
    if (primary === undefined)
      return { ready: false, retriable: true, message: `no ${PRIMARY_REVISION_ANNOTATION} recorded yet` };
    return this.revisionReadiness(canary, primary, 'primary');
  }

  async isCanaryReady(canary: Canary): Promise<Readiness> {
    return this.revisionReadiness(canary, await this.latest(canary), 'canary');
  }

  /** The latest revision becomes the primary (Flagger's Promote). */
  async promote(canary: Canary): Promise<void> {
    const service = await this.target(canary);
    await this.recordPrimary(service, await this.latest(canary, service));
  }

  /** Nothing to give back: Knative keeps every revision, and the router gives the traffic back. */
  revert(): Promise<Readiness> {
    return Promise.resolve(READY);
  }
}
