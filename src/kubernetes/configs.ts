/**
 * Config tracking: the ConfigMaps and Secrets a pod template uses, their checksums (a change is a
 * new revision) and their `-primary` copies (the primary never shares config with the canary).
 * Rules follow Flagger's: volumes, projected sources, env valueFrom and envFrom, in containers and
 * init containers; only Opaque/basic-auth/ssh-auth/tls Secrets; opt-out by annotation.
 */
import type { Canary } from '../api/canary.js';
import type { KubeClient, KubeObject } from './client.js';
import { isRecord, ownerReferenceTo, primaryName, sha256, stableJson, type Json } from './objects.js';
import { Resources } from './resources.js';

export interface ConfigRef {
  kind: 'configmap' | 'secret';
  name: string;
  optional: boolean;
}

const TRACKED_SECRET_TYPES = new Set([
  'Opaque',
  'kubernetes.io/basic-auth',
  'kubernetes.io/ssh-auth',
  'kubernetes.io/tls',
]);
const OPT_OUT_ANNOTATIONS = ['serin.dev/config-tracking', 'flagger.app/config-tracking'];

const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);

function add(refs: Map<string, ConfigRef>, kind: ConfigRef['kind'], source: unknown, nameKey: string): void {
  if (!isRecord(source)) return;
  const name = source[nameKey];
  if (typeof name !== 'string' || name === '') return;
  const key = `${kind}/${name}`;
  const optional = source.optional === true;
  const existing = refs.get(key);
  // A config used mandatorily anywhere is mandatory.
  refs.set(key, { kind, name, optional: existing ? existing.optional && optional : optional });
}

function scanContainer(refs: Map<string, ConfigRef>, container: Json): void {
  for (const env of records(container.env)) {
    const from = env.valueFrom;
    if (!isRecord(from)) continue;
    add(refs, 'configmap', from.configMapKeyRef, 'name');
    add(refs, 'secret', from.secretKeyRef, 'name');
  }
  for (const from of records(container.envFrom)) {
    add(refs, 'configmap', from.configMapRef, 'name');
    add(refs, 'secret', from.secretRef, 'name');
  }
}

/** Every ConfigMap/Secret reference in a pod spec, keyed `configmap/<name>` or `secret/<name>`. */
export function configRefs(podSpec: Json): Map<string, ConfigRef> {
  const refs = new Map<string, ConfigRef>();
  for (const volume of records(podSpec.volumes)) {
    add(refs, 'configmap', volume.configMap, 'name');
    add(refs, 'secret', volume.secret, 'secretName');
    const projected = volume.projected;
    if (isRecord(projected)) {
      for (const source of records(projected.sources)) {
        add(refs, 'configmap', source.configMap, 'name');
        add(refs, 'secret', source.secret, 'name');
      }
    }
  }
  for (const c of [...records(podSpec.containers), ...records(podSpec.initContainers)])
    scanContainer(refs, c);
  return refs;
}

export interface TrackedConfig {
  ref: ConfigRef;
  object: KubeObject;
  checksum: string;
}

function optedOut(object: KubeObject): boolean {
  return OPT_OUT_ANNOTATIONS.some((a) => object.metadata.annotations?.[a]?.startsWith('disable') === true);
}

/** Reads the tracked configs; a missing mandatory one is an error naming it. */
export async function readTrackedConfigs(
  client: KubeClient,
  namespace: string,
  podSpec: Json,
): Promise<TrackedConfig[]> {
  const tracked: TrackedConfig[] = [];
  for (const ref of configRefs(podSpec).values()) {
    const type = ref.kind === 'configmap' ? Resources.configMap : Resources.secret;
    const object = await client.get(type, namespace, ref.name);
    if (!object) {
      if (ref.optional) continue;
      throw new Error(
        `${ref.kind === 'configmap' ? 'ConfigMap' : 'Secret'} ${namespace}/${ref.name} used by the target does not exist`,
      );
    }
    if (
      ref.kind === 'secret' &&
      !TRACKED_SECRET_TYPES.has(typeof object.type === 'string' ? object.type : 'Opaque')
    )
      continue;
    if (optedOut(object)) continue;
    tracked.push({ ref, object, checksum: sha256(stableJson(object.data ?? {})).slice(0, 16) });
  }
  return tracked;
}

export function checksums(tracked: readonly TrackedConfig[]): Record<string, string> {
  return Object.fromEntries(tracked.map((t) => [`${t.ref.kind}/${t.ref.name}`, t.checksum]));
}

/** Creates or updates the `-primary` copy of every tracked config, owned by the Canary. */
export async function copyConfigsToPrimary(
  client: KubeClient,
  canary: Canary,
  tracked: readonly TrackedConfig[],
): Promise<void> {
  for (const { ref, object } of tracked) {
    const type = ref.kind === 'configmap' ? Resources.configMap : Resources.secret;
    const copy: KubeObject = {
      apiVersion: 'v1',
      kind: type.kind,
      metadata: {
        name: primaryName(ref.name),
        namespace: object.metadata.namespace,
        labels: object.metadata.labels ?? {},
        ownerReferences: [ownerReferenceTo(canary)],
      },
      data: object.data ?? {},
    };
    if (object.binaryData !== undefined) copy.binaryData = object.binaryData;
    if (ref.kind === 'secret') copy.type = object.type ?? 'Opaque';
    await client.applyIfChanged(type, copy);
  }
}

/** Points every tracked reference in a pod spec at its `-primary` copy (returns a new spec). */
export function renameConfigRefs(podSpec: Json, tracked: readonly TrackedConfig[]): Json {
  const names = { configmap: new Set<string>(), secret: new Set<string>() };
  for (const t of tracked) names[t.ref.kind].add(t.ref.name);
  const rename = (kind: ConfigRef['kind'], source: unknown, key: string): void => {
    if (isRecord(source) && typeof source[key] === 'string' && names[kind].has(source[key])) {
      source[key] = primaryName(source[key]);
    }
  };
  const spec = structuredClone(podSpec);
  for (const volume of records(spec.volumes)) {
    rename('configmap', volume.configMap, 'name');
    rename('secret', volume.secret, 'secretName');
    if (isRecord(volume.projected)) {
      for (const s of records(volume.projected.sources)) {
        rename('configmap', s.configMap, 'name');
        rename('secret', s.secret, 'name');
      }
    }
  }
  for (const c of [...records(spec.containers), ...records(spec.initContainers)]) {
    for (const env of records(c.env)) {
      if (!isRecord(env.valueFrom)) continue;
      rename('configmap', env.valueFrom.configMapKeyRef, 'name');
      rename('secret', env.valueFrom.secretKeyRef, 'name');
    }
    for (const from of records(c.envFrom)) {
      rename('configmap', from.configMapRef, 'name');
      rename('secret', from.secretRef, 'name');
    }
  }
  return spec;
}
