/**
 * Taking over Canaries Flagger ran, without re-running them. Called before the engine's tick.
 *
 * Flagger records revisions as its own hash of the pod template (fnv32a over a Go printout,
 * encoded with Kubernetes' SafeEncodeString alphabet), which Serin cannot recompute. So Serin
 * recognises a status Flagger wrote by that format, and decides from the workloads themselves:
 * when the target's pod template is what Flagger's promotion leaves on the primary (labels and
 * config references renamed to `-primary`, the same config contents), the revision is the
 * promoted one and the hashes are rewritten to Serin's; nothing runs, no hook, no alert, no
 * traffic change. A target that differs is a real new revision and runs as usual.
 *
 * It also releases Flagger's finalizer on deletion (after Serin's own revert) and reads the
 * original configuration Flagger saved on a VirtualService it took over.
 */
import type { Canary, CanaryStatus } from '../api/canary.js';
import type { StatusPort } from '../engine/ports.js';
import type { KubeObject } from './client.js';
import { checksums, readTrackedConfigs } from './configs.js';
import { isRecord, stableJson, type Json } from './objects.js';
import { PROMOTION_ID_ANNOTATION, type DeploymentWorkloads } from './workloads.js';

/** Flagger's finalizer, added with revertOnDeletion (pkg/controller/finalizer.go). */
export const FLAGGER_FINALIZER = 'finalizer.flagger.app';
/** Where Flagger saves the spec of a VirtualService it took over (pkg/router/router.go). */
export const FLAGGER_ORIGINAL_CONFIGURATION = 'flagger.kubernetes.io/original-configuration';
const KUBECTL_LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** Flagger's per-promotion annotation on the primary's pod template. */
const FLAGGER_ID_ANNOTATION = 'flagger-id';

/** `rand.SafeEncodeString` of a decimal uint32: at most 10 characters of this alphabet. */
const FLAGGER_HASH = /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/;

export function isFlaggerHash(value: string | undefined): boolean {
  return value !== undefined && FLAGGER_HASH.test(value);
}

/** A status Flagger wrote: its hash in lastAppliedSpec or lastPromotedSpec. */
export function flaggerWroteStatus(status: CanaryStatus | undefined): boolean {
  return isFlaggerHash(status?.lastAppliedSpec) || isFlaggerHash(status?.lastPromotedSpec);
}

/** Phases in which Flagger leaves the primary serving everything and the target idle. */
const SETTLED = new Set(['Initialized', 'Succeeded', 'Failed']);

function withoutPromotionIds(template: unknown): string {
  const copy: Json = isRecord(template) ? structuredClone(template) : {};
  const meta = isRecord(copy.metadata) ? copy.metadata : {};
  if (isRecord(meta.annotations)) {
    const kept = Object.entries(meta.annotations).filter(
      ([key]) => key !== FLAGGER_ID_ANNOTATION && key !== PROMOTION_ID_ANNOTATION,
    );
    meta.annotations = kept.length > 0 ? Object.fromEntries(kept) : undefined;
  }
  copy.metadata = meta;
  return stableJson(copy);
}

/**
 * Whether the primary runs exactly the target's revision: the template Serin's promotion would
 * write (which is Flagger's shape) equals the live primary's, and every config the target uses
 * has the same contents as its `-primary` copy.
 */
export async function primaryRunsTarget(workloads: DeploymentWorkloads, canary: Canary): Promise<boolean> {
  const target = await workloads.target(canary);
  const primary = await workloads.primary(canary);
  if (!primary) return false;
  const client = workloads.kubeClient;
  const ns = canary.metadata.namespace ?? 'default';
  const podSpec = (d: KubeObject): Json => {
    const template = (d.spec as { template?: Json } | undefined)?.template;
    return isRecord(template?.spec) ? template.spec : {};
  };
  const tracked = await readTrackedConfigs(client, ns, podSpec(target));
  const expected = workloads.primaryTemplate(target, workloads.selectorOf(target), tracked);
  if (withoutPromotionIds(expected) !== withoutPromotionIds(primary.spec.template)) return false;
  const copies = checksums(await readTrackedConfigs(client, ns, podSpec(primary)));
  return Object.entries(checksums(tracked)).every(([key, sum]) => copies[`${key}-primary`] === sum);
}

/**
 * Rewrites a status Flagger wrote into Serin's hashes when the workloads show the revision is
 * already promoted (or, after a rollback, already judged), so the tick that follows runs nothing.
 * Returns whether it wrote.
 */
export async function adoptFlaggerStatus(
  canary: Canary,
  workloads: DeploymentWorkloads,
  status: StatusPort,
): Promise<boolean> {
  const current = canary.status;
  if (!current || !flaggerWroteStatus(current) || !SETTLED.has(current.phase ?? '')) return false;
  const rev = await workloads.targetRevision(canary);
  const promoted = await primaryRunsTarget(workloads, canary);
  if (!promoted && current.phase !== 'Failed') return false; // a new revision: it runs as usual
  const next: CanaryStatus = {
    ...current,
    lastAppliedSpec: rev.specHash,
    // After a rollback the primary runs an older revision that Serin has no hash for: Flagger's
    // value stays, so reverting the target to it counts as a new revision (docs/migrating-from-flagger.md).
    ...(promoted ? { lastPromotedSpec: rev.specHash } : {}),
    trackedConfigs: rev.configs,
  };
  await status.write(canary, next);
  return true;
}

/** The finalizers Serin releases once a Canary's deletion is done: its own and Flagger's. */
export function holdsFinalizer(canary: Canary, own: string): boolean {
  const finalizers = canary.metadata.finalizers ?? [];
  return finalizers.includes(own) || finalizers.includes(FLAGGER_FINALIZER);
}

export function releaseFinalizers(finalizers: readonly string[] | undefined, own: string): string[] {
  return (finalizers ?? []).filter((f) => f !== own && f !== FLAGGER_FINALIZER);
}

/**
 * The spec a VirtualService had before Flagger took it over, read as Flagger reads it on revert:
 * kubectl's last-applied configuration first (Flagger saves no copy when it is there), else
 * Flagger's own saved copy. JSON text, or undefined when neither is there.
 */
export function flaggerOriginalSpec(annotations: Record<string, string> | undefined): string | undefined {
  const lastApplied = annotations?.[KUBECTL_LAST_APPLIED];
  if (lastApplied !== undefined) {
    try {
      const parsed = JSON.parse(lastApplied) as { spec?: unknown };
      if (isRecord(parsed.spec)) return JSON.stringify(parsed.spec);
    } catch {
      // not kubectl's JSON: fall through to Flagger's own copy
    }
  }
  return annotations?.[FLAGGER_ORIGINAL_CONFIGURATION];
}
