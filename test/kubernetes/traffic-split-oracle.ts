/**
 * How an SMI mesh reads a TrafficSplit (SMI spec, linkerd-smi, OSM): each backend gets its weight's
 * share of the sum of all backend weights; a v1alpha1 weight is a Kubernetes quantity ("1", "500m",
 * "2k"), later versions a number. Written from the spec for the controller suites, independent of
 * Serin's reader.
 */
import type { KubeObject } from '../../src/kubernetes/client.js';

const SUFFIX: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9 };

function quantity(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const m = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G)?$/.exec(value);
  return m ? Number(m[1]) * SUFFIX[m[2] ?? '']! : undefined;
}

/** The canary backend's share (0–100, rounded) of the traffic the split sends. */
export function trafficSplitCanaryShare(split: KubeObject, canaryService: string): number | undefined {
  const backends = (split.spec as { backends?: { service: string; weight: unknown }[] } | undefined)
    ?.backends;
  if (!backends) return undefined;
  const weights = backends.map((b) => ({ service: b.service, weight: quantity(b.weight) ?? 0 }));
  const total = weights.reduce((sum, b) => sum + b.weight, 0);
  const canary = weights.find((b) => b.service === canaryService);
  if (!canary || total === 0) return undefined;
  return Math.round((canary.weight * 100) / total);
}
