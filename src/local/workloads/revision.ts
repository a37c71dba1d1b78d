import { createHash } from 'node:crypto';
import type { Workload } from '../../api/workload.js';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/**
 * The revision of a workload: a hash of what its processes run (the spec and the labels), as a
 * Deployment's pod-template hash. Key order and absent fields do not change it.
 */
export function workloadRevision(workload: Pick<Workload, 'metadata' | 'spec'>): string {
  const subject = { labels: workload.metadata.labels ?? {}, spec: workload.spec };
  return createHash('sha256')
    .update(JSON.stringify(canonical(subject)))
    .digest('hex')
    .slice(0, 16);
}
