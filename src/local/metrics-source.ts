import type {
  LocalMetricsSnapshot,
  LocalMetricsSource,
  LocalWorkloadCounters,
} from '../analysis/local-source.js';
import type { TelemetrySnapshot } from './router/index.js';

/**
 * The router's counters at the granularity the analysis reads them: one entry per reporter and
 * workload. The router keeps one entry per version too, and a canary workload serves several
 * versions over its life (v2, then v3 under the same name, as a Deployment would), so the entries
 * are summed here. Sums of cumulative counters stay cumulative: a version that appears started at 0.
 */
export function workloadCounters(router: { snapshot(): TelemetrySnapshot }): LocalMetricsSource {
  return {
    snapshot(): LocalMetricsSnapshot {
      const snap = router.snapshot();
      const merged = new Map<
        string,
        LocalWorkloadCounters & { durationBuckets: { le: number; count: number }[] }
      >();
      for (const w of snap.workloads) {
        const key = `${w.reporter}|${w.namespace}|${w.workload}`;
        const into = merged.get(key);
        if (!into) {
          merged.set(key, {
            reporter: w.reporter,
            workload: w.workload,
            namespace: w.namespace,
            requests: w.requests,
            nonServerErrors: w.nonServerErrors,
            durationBuckets: w.durationBuckets.map((b) => ({ le: b.le, count: b.count })),
          });
          continue;
        }
        into.requests += w.requests;
        into.nonServerErrors += w.nonServerErrors;
        const byLe = new Map(w.durationBuckets.map((b) => [b.le, b.count]));
        for (const b of into.durationBuckets) b.count += byLe.get(b.le) ?? 0;
      }
      return { takenAtMs: snap.takenAtMs, workloads: [...merged.values()] };
    },
  };
}
