/**
 * Plays Knative Serving's controllers for `serving.knative.dev/v1` Services, closely enough for a
 * controller suite to run a canary on one:
 *
 * - every new template (the Service's `spec.template`, compared with the newest Revision's) gets a
 *   Revision named `<service>-<5-digit configuration generation>` (`<service>-00001`, …) or the
 *   template's own `metadata.name`, labelled and owned as Knative does (owned by the Service here:
 *   the Configuration in between is not simulated);
 * - a Revision starts with `Ready: Unknown` and becomes `Ready: True` after a delay, or `False`
 *   (reason `ExitCode1`) while a test makes the Service's new revisions fail;
 * - the Service's status: `observedGeneration`, `latestCreatedRevisionName`,
 *   `latestReadyRevisionName`, `conditions`, `url`, and `traffic` resolved from `spec.traffic`
 *   (`latestRevision: true` names the latest ready revision; a Service without `spec.traffic`
 *   serves 100% of the latest, which Knative's defaulting webhook writes into the spec and this
 *   simulation only shows in the status). A target naming a revision that does not exist or is
 *   not ready keeps the previous `status.traffic` and sets `RoutesReady: False`, as Knative's
 *   route reconciler does.
 *
 * Not simulated: Configurations and Routes as objects, autoscaling, tags' URLs, pods.
 */
import { clone, isObject, type JsonObject } from './json.js';
import type { ResourceService } from './objects.js';
import { identityOf, objectId } from './store.js';

const SERVICES = 'serving.knative.dev/services';
const REVISIONS = 'serving.knative.dev/revisions';
const SERVICE_LABEL = 'serving.knative.dev/service';
const GENERATION_LABEL = 'serving.knative.dev/configurationGeneration';

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function condition(type: string, status: string, reason?: string, message?: string): JsonObject {
  return {
    type,
    status,
    lastTransitionTime: now(),
    ...(reason !== undefined ? { reason } : {}),
    ...(message !== undefined ? { message } : {}),
  };
}

function readyOf(revision: JsonObject | undefined): string | undefined {
  const status = isObject(revision?.status) ? revision.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isObject) : [];
  const ready = conditions.find((c) => c.type === 'Ready')?.status;
  return typeof ready === 'string' ? ready : undefined;
}

/** Ready when both parts are, failed when one failed, unknown otherwise (Knative's condition set). */
function overall(...parts: string[]): string {
  if (parts.every((p) => p === 'True')) return 'True';
  return parts.includes('False') ? 'False' : 'Unknown';
}

const meta = (o: JsonObject): JsonObject => (isObject(o.metadata) ? o.metadata : {});
const labels = (o: JsonObject): JsonObject =>
  isObject(meta(o).labels) ? (meta(o).labels as JsonObject) : {};

export class KnativeSimulator {
  private readonly failing = new Set<string>();
  private readonly pending = new Set<NodeJS.Timeout>();

  constructor(
    private readonly service: ResourceService,
    private readonly readyDelayMs = 30,
  ) {}

  /** From now on, the Service's new revisions fail (`Ready: False`) while `failing` is true. */
  failNewRevisions(namespace: string, name: string, failing: boolean): void {
    if (failing) this.failing.add(objectId(namespace, name));
    else this.failing.delete(objectId(namespace, name));
  }

  observe(key: string, object: JsonObject): void {
    if (key === SERVICES) this.reconcileService(object);
    else if (key === REVISIONS) {
      const owner = labels(object)[SERVICE_LABEL];
      const { namespace } = identityOf(object);
      const service =
        typeof owner === 'string' ? this.service.store.get(SERVICES, namespace, owner) : undefined;
      if (service) this.reconcileService(service);
    }
  }

  stop(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }

  private revisionsOf(namespace: string | undefined, name: string): JsonObject[] {
    return this.service.store
      .list(REVISIONS)
      .filter((r) => identityOf(r).namespace === namespace && labels(r)[SERVICE_LABEL] === name)
      .sort((a, b) => Number(labels(a)[GENERATION_LABEL]) - Number(labels(b)[GENERATION_LABEL]));
  }

  private reconcileService(current: JsonObject): void {
    const { namespace, name, uid } = identityOf(current);
    if (meta(current).deletionTimestamp !== undefined) return;
    const spec = isObject(current.spec) ? current.spec : {};
    const template = isObject(spec.template) ? spec.template : {};
    const revisions = this.revisionsOf(namespace, name);
    const newest = revisions.at(-1);
    if (!newest || JSON.stringify(newest.spec) !== JSON.stringify(template.spec ?? {})) {
      this.createRevision(namespace, name, uid, template, revisions.length + 1);
      return; // the Revision's creation brings the Service back here
    }
    this.writeStatus(current, revisions);
  }

  private createRevision(
    namespace: string | undefined,
    service: string,
    uid: string,
    template: JsonObject,
    generation: number,
  ): void {
    const templateMeta = isObject(template.metadata) ? template.metadata : {};
    const name =
      typeof templateMeta.name === 'string'
        ? templateMeta.name
        : `${service}-${String(generation).padStart(5, '0')}`;
    const type = this.service.registry.byKey(REVISIONS);
    if (!type) return;
    const revision: JsonObject = {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Revision',
      metadata: {
        name,
        labels: {
          ...(isObject(templateMeta.labels) ? templateMeta.labels : {}),
          [SERVICE_LABEL]: service,
          'serving.knative.dev/configuration': service,
          [GENERATION_LABEL]: String(generation),
        },
        ...(isObject(templateMeta.annotations) ? { annotations: templateMeta.annotations } : {}),
        ownerReferences: [
          {
            apiVersion: 'serving.knative.dev/v1',
            kind: 'Service',
            name: service,
            uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: clone(isObject(template.spec) ? template.spec : {}),
    };
    try {
      this.service.create({ type, version: 'v1', namespace }, revision, {
        manager: 'controller',
        dryRun: false,
      });
    } catch {
      return; // a revision of that name exists (a template naming one twice): Knative fails it too
    }
    const failing = this.failing.has(objectId(namespace, service));
    this.setRevisionStatus(namespace, name, 'Unknown', 'Deploying');
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      if (failing)
        this.setRevisionStatus(namespace, name, 'False', 'ExitCode1', 'Container failed with: exit status 1');
      else this.setRevisionStatus(namespace, name, 'True');
    }, this.readyDelayMs);
    timer.unref();
    this.pending.add(timer);
  }

  private setRevisionStatus(
    namespace: string | undefined,
    name: string,
    ready: string,
    reason?: string,
    message?: string,
  ): void {
    const revision = this.service.store.get(REVISIONS, namespace, name);
    if (!revision) return;
    const next = clone(revision);
    next.status = {
      observedGeneration: 1,
      conditions: [condition('Ready', ready, reason, message), condition('ContainerHealthy', ready, reason)],
    };
    this.service.systemUpdate(REVISIONS, next);
  }

  private resolveTraffic(spec: JsonObject, revisions: JsonObject[], latestReady: string | undefined) {
    const traffic = Array.isArray(spec.traffic)
      ? spec.traffic.filter(isObject)
      : [{ latestRevision: true, percent: 100 }];
    const resolved: JsonObject[] = [];
    for (const target of traffic) {
      const latest = target.latestRevision === true;
      const revisionName = latest ? latestReady : target.revisionName;
      const revision = revisions.find((r) => identityOf(r).name === revisionName);
      if (typeof revisionName !== 'string' || readyOf(revision) !== 'True')
        return { missing: typeof revisionName === 'string' ? revisionName : '' };
      resolved.push({
        ...(typeof target.tag === 'string' ? { tag: target.tag } : {}),
        revisionName,
        latestRevision: latest,
        ...(typeof target.percent === 'number' ? { percent: target.percent } : {}),
      });
    }
    return { resolved };
  }

  private writeStatus(current: JsonObject, revisions: JsonObject[]): void {
    const { namespace, name } = identityOf(current);
    const spec = isObject(current.spec) ? current.spec : {};
    const previous = isObject(current.status) ? current.status : {};
    const latestCreated = identityOf(revisions.at(-1) ?? {}).name;
    const ready = revisions.filter((r) => readyOf(r) === 'True');
    const latestReady = ready.length > 0 ? identityOf(ready.at(-1)!).name : undefined;
    const configurationsReady = readyOf(revisions.at(-1)) ?? 'Unknown';
    const { resolved, missing } = this.resolveTraffic(spec, revisions, latestReady);
    const routesReady = resolved ? 'True' : 'False';
    const status: JsonObject = {
      observedGeneration: meta(current).generation ?? 1,
      latestCreatedRevisionName: latestCreated,
      ...(latestReady !== undefined ? { latestReadyRevisionName: latestReady } : {}),
      url: `http://${name}.${namespace ?? 'default'}.example.com`,
      address: { url: `http://${name}.${namespace ?? 'default'}.svc.cluster.local` },
      traffic: resolved ?? (Array.isArray(previous.traffic) ? previous.traffic : []),
      conditions: [
        condition('ConfigurationsReady', configurationsReady),
        resolved
          ? condition('RoutesReady', 'True')
          : condition(
              'RoutesReady',
              'False',
              'RevisionMissing',
              `Revision "${missing}" referenced in traffic not found.`,
            ),
        condition('Ready', overall(configurationsReady, routesReady)),
      ],
    };
    // Conditions keep their timestamps while nothing changes, so a settled Service is not rewritten.
    const before = Array.isArray(previous.conditions) ? previous.conditions.filter(isObject) : [];
    status.conditions = (status.conditions as JsonObject[]).map(
      (c) => before.find((b) => b.type === c.type && b.status === c.status && b.reason === c.reason) ?? c,
    );
    const next = clone(current);
    next.status = status;
    this.service.systemUpdate(SERVICES, next);
  }
}
