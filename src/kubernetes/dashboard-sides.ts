/**
 * The cluster dashboard's view of each side: the images the Deployment or DaemonSet (`<target>`
 * for the canary, `<target>-primary` for the primary) runs, or what a Service target's copy
 * selects, and the last lines of one of its pods through the pod log API: the failing pod's when
 * one fails, the previous instance's when its container restarted (what it died with). Secrets in
 * the lines are redacted; a log the controller may not read (RBAC, a container still starting) is
 * reported, never fatal.
 */
import { redactLogLine } from '../analysis/redact.js';
import type { Canary } from '../api/canary.js';
import type { Side, SideView } from '../dashboard/backend.js';
import type { KubeClient, KubeObject } from './client.js';
import { isKnativeTarget } from '../routing/providers/knative.js';
import { labelSelectorOf, podSelector } from './readiness.js';
import { Resources, TARGET_TYPES, type ResourceType } from './resources.js';

export const SIDE_LOG_LINES = 20;

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);

function imagesOf(deployment: KubeObject): string | undefined {
  const spec = isRecord(deployment.spec) ? deployment.spec : {};
  const template = isRecord(spec.template) ? spec.template : {};
  const podSpec = isRecord(template.spec) ? template.spec : {};
  const images = list(podSpec.containers).flatMap((c) => (typeof c.image === 'string' ? [c.image] : []));
  return images.length > 0 ? images.join(', ') : undefined;
}

interface LogTarget {
  pod: string;
  container: string;
  previous: boolean;
}

/** The pod that explains the side best (a container not ready first) and which of its logs to read. */
function logTargetOf(pods: readonly KubeObject[]): LogTarget | undefined {
  const candidates = pods.map((pod) => {
    const status = isRecord(pod.status) ? pod.status : {};
    const containers = list(status.containerStatuses);
    const troubled = containers.find((c) => c.ready !== true) ?? containers[0];
    return { pod, troubled: containers.some((c) => c.ready !== true), container: troubled };
  });
  const chosen = candidates.find((c) => c.troubled) ?? candidates[0];
  if (!chosen) return undefined;
  const spec = isRecord(chosen.pod.spec) ? chosen.pod.spec : {};
  const first = list(spec.containers)[0];
  const name = chosen.container?.name ?? first?.name;
  if (typeof name !== 'string') return undefined;
  const restarts = typeof chosen.container?.restartCount === 'number' ? chosen.container.restartCount : 0;
  const waiting = isRecord(chosen.container?.state) && isRecord(chosen.container.state.waiting);
  return { pod: chosen.pod.metadata.name, container: name, previous: restarts > 0 && waiting };
}

async function readLog(client: KubeClient, namespace: string, target: LogTarget): Promise<SideView> {
  const source = `pod ${target.pod}, container ${target.container}${target.previous ? ', previous instance' : ''}`;
  try {
    const text = await client.podLog(namespace, target.pod, {
      container: target.container,
      tailLines: SIDE_LOG_LINES,
      ...(target.previous ? { previous: true } : {}),
    });
    const lines = text.split('\n').filter((line) => line !== '');
    return { logTail: lines.map((line) => redactLogLine(line)), logSource: source };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { logTail: [], logSource: `${source}: cannot read its log (${why})` };
  }
}

/** A Service target's side is the Service copy: what it selects is its version, its pods are those. */
function serviceSelector(service: KubeObject): string | undefined {
  const spec = isRecord(service.spec) ? service.spec : {};
  return labelSelectorOf(isRecord(spec.selector) ? spec.selector : {});
}

async function sideOf(
  client: KubeClient,
  namespace: string,
  type: ResourceType,
  name: string,
): Promise<SideView> {
  const workload = await client.get(type, namespace, name);
  if (!workload) return { logTail: [] };
  const isService = type.kind === 'Service';
  const labelSelector = isService ? serviceSelector(workload) : podSelector(workload);
  const version = isService
    ? labelSelector === undefined
      ? undefined
      : `Service ${name} selecting ${labelSelector}`
    : imagesOf(workload);
  const pods = labelSelector
    ? (await client.list(Resources.pod, namespace, { labelSelector })).items.filter(
        (pod) => pod.metadata.deletionTimestamp === undefined,
      )
    : [];
  const target = logTargetOf(pods);
  const logs = target ? await readLog(client, namespace, target) : { logTail: [] };
  return { ...(version !== undefined ? { version } : {}), ...logs };
}

/**
 * Each side of a Canary on a cluster: `<target>-primary` and `<target>` of its kind (a Deployment,
 * a DaemonSet, or a Service target's copies). A Knative Service's sides are revisions of one
 * Service, which this view does not read: they show no version or log.
 */
export async function kubernetesSides(client: KubeClient, canary: Canary): Promise<Record<Side, SideView>> {
  const namespace = canary.metadata.namespace ?? 'default';
  const target = canary.spec.targetRef;
  const type = isKnativeTarget(target) ? undefined : TARGET_TYPES[target.kind];
  if (type === undefined) return { primary: { logTail: [] }, canary: { logTail: [] } };
  const [primary, canarySide] = await Promise.all([
    sideOf(client, namespace, type, `${target.name}-primary`),
    sideOf(client, namespace, type, target.name),
  ]);
  return { primary, canary: canarySide };
}
