/**
 * Where a Canary's status lives so that a real API server keeps all of it (ADR 0010).
 *
 * Serin's `serin.dev` CRD declares Serin's whole status. Flagger's stock `flagger.app` CRD declares
 * only Flagger's status fields, and the API server prunes everything else on every write: the
 * last command applied, decisions, checks, readiness timers, the gate being waited at, the
 * judge's state. For `flagger.app` Canaries Serin therefore keeps its complete status in a
 * companion ConfigMap, `<canary>-serin-state`, owned by the Canary (garbage-collected with it),
 * and writes only the fields Flagger declares to the Canary's status, for kubectl, Flagger's tools
 * and dashboards. The companion is written first and is authoritative: a crash between the two
 * writes leaves a stale projection, which the next read repairs, never lost state.
 */
import type { Canary, CanaryStatus } from '../api/canary.js';
import { FLAGGER_GROUP } from '../api/common.js';
import type { KubeClient, KubeObject } from './client.js';
import { canaryNamespace, ownerReferenceTo, sha256 } from './objects.js';
import { Resources, type ResourceType } from './resources.js';

/** The status fields Flagger's CRD declares (Flagger 1.44.0); a real API server prunes the rest. */
export const FLAGGER_STATUS_FIELDS = [
  'phase',
  'failedChecks',
  'canaryWeight',
  'iterations',
  'trackedConfigs',
  'lastAppliedSpec',
  'lastPromotedSpec',
  'lastTransitionTime',
  'sessionAffinityCookie',
  'primarySessionAffinityCookie',
  'previousSessionAffinityCookie',
  'conditions',
] as const satisfies readonly (keyof CanaryStatus)[];

export const STATE_SUFFIX = '-serin-state';
/** The ConfigMap key holding the complete status as JSON. */
export const STATE_KEY = 'status.json';
export const STATE_OF_LABEL = 'serin.dev/state-of';

/** Whether this group's CRD may prune Serin's status, so the companion is needed. */
export function needsCompanion(type: ResourceType): boolean {
  return type.group === FLAGGER_GROUP;
}

/** Longest object name a real API server accepts (a DNS subdomain). */
const NAME_MAX = 253;
/** Longest label value a real API server accepts. */
const LABEL_VALUE_MAX = 63;
const DIGEST_CHARS = 10;

/** `text` cut to `max` characters, ending in a digest of the whole so distinct inputs stay distinct. */
function shortened(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max - DIGEST_CHARS - 1).replace(/[-.]+$/, '');
  return `${head}-${sha256(text).slice(0, DIGEST_CHARS)}`;
}

/**
 * The companion's name: `<canary>-serin-state`, shortened with a digest when the Canary's own
 * name is so long that the suffix would pass the API server's limit.
 */
export function stateName(canaryName: string): string {
  return shortened(`${canaryName}${STATE_SUFFIX}`, NAME_MAX);
}

/** The `serin.dev/state-of` label value: the Canary's name, shortened to a valid label value. */
export function stateOfLabelValue(canaryName: string): string {
  return shortened(canaryName, LABEL_VALUE_MAX);
}

/** The part of a status Flagger's CRD keeps, in the order Flagger declares it. */
export function flaggerProjection(status: CanaryStatus): CanaryStatus {
  const projected: Record<string, unknown> = {};
  for (const field of FLAGGER_STATUS_FIELDS) {
    if (status[field] !== undefined) projected[field] = status[field];
  }
  return projected;
}

/** The companion ConfigMap holding `status` for `canary`. */
export function stateConfigMap(canary: Canary, status: CanaryStatus): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: stateName(canary.metadata.name),
      namespace: canaryNamespace(canary),
      labels: {
        'app.kubernetes.io/managed-by': 'serin',
        [STATE_OF_LABEL]: stateOfLabelValue(canary.metadata.name),
      },
      ownerReferences: [{ ...ownerReferenceTo(canary), controller: false }],
    },
    data: { [STATE_KEY]: JSON.stringify(status) },
  };
}

/** Writes the complete status to the companion; no write when it already holds exactly this. */
export async function writeCompanion(
  client: KubeClient,
  canary: Canary,
  status: CanaryStatus,
): Promise<void> {
  await client.applyIfChanged(Resources.configMap, stateConfigMap(canary, status));
}

function ownedByThisCanary(object: KubeObject, uid: string | undefined): boolean {
  return (object.metadata.ownerReferences ?? []).some((ref) => ref.kind === 'Canary' && ref.uid === uid);
}

/**
 * The status the companion holds for this Canary, or undefined: none yet (a Canary Flagger ran,
 * or one Serin has not written), one left by an earlier Canary of the same name, or unreadable.
 */
export async function readCompanion(client: KubeClient, raw: KubeObject): Promise<CanaryStatus | undefined> {
  const namespace = raw.metadata.namespace ?? 'default';
  const companion = await client.get(Resources.configMap, namespace, stateName(raw.metadata.name));
  if (!companion || !ownedByThisCanary(companion, raw.metadata.uid)) return undefined;
  const text = (companion.data as Record<string, string> | undefined)?.[STATE_KEY];
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as CanaryStatus) : undefined;
  } catch {
    return undefined;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
}

/**
 * The Canary with its complete status, read-only (for the CLI): for a group whose CRD prunes
 * Serin's fields, the companion's status replaces the Canary's; it is written first, so it is
 * never behind.
 */
export async function readCompleteStatus<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType,
  raw: T,
): Promise<T> {
  if (!needsCompanion(type)) return raw;
  const complete = await readCompanion(client, raw);
  return complete ? { ...raw, status: complete } : raw;
}

/**
 * What the controller reads before a tick: the complete status, and when the Canary's status is
 * not the projection of the companion (a crash between the two writes) the projection is written
 * again.
 */
export async function withCompleteStatus(
  client: KubeClient,
  type: ResourceType,
  raw: KubeObject,
): Promise<KubeObject> {
  const complete = await readCompleteStatus(client, type, raw);
  if (complete === raw) return raw;
  const projection = flaggerProjection((complete.status ?? {}) as CanaryStatus);
  const live = flaggerProjection((raw.status ?? {}) as CanaryStatus);
  if (!sameJson(projection, live)) {
    await client.replace(type, { ...raw, status: projection }, 'status');
  }
  return complete;
}
