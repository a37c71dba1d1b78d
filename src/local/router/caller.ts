import { peerIdentity, type SourceIdentity } from './telemetry.js';
import type { RouterIdentity, ServiceDefinition } from './types.js';

/**
 * Who is calling. A sidecar knows its own workload; the local router serves every caller, so a
 * caller names itself with the `x-serin-source: <namespace>/<workload>` request header (a bare
 * workload is in the router's namespace). The workload's labels come from the router
 * configuration (the endpoints of the services it serves); requests without the header come from
 * the router's configured identity. The header is an identity claim for routing (`sourceLabels`,
 * `sourceNamespace`) and telemetry (`source_*`), not an authentication: it is never forwarded.
 */
export const SOURCE_HEADER = 'x-serin-source';

export interface Caller {
  namespace: string;
  labels: Readonly<Record<string, string>>;
  /** Stable per caller: telemetry keys its series by this object. */
  identity: SourceIdentity;
}

const CALLER_CACHE_LIMIT = 1024;

export class Callers {
  readonly default: Caller;
  private readonly labelsByWorkload = new Map<string, Readonly<Record<string, string>>>();
  private readonly cache = new Map<string, Caller>();

  constructor(
    services: readonly ServiceDefinition[],
    private readonly self: RouterIdentity,
  ) {
    for (const s of services) {
      for (const e of s.endpoints) {
        const key = `${s.namespace}/${e.workload}`;
        if (!this.labelsByWorkload.has(key)) {
          const labels = e.version === undefined ? (e.labels ?? {}) : { ...e.labels, version: e.version };
          this.labelsByWorkload.set(key, labels);
        }
      }
    }
    this.default = this.caller(self.namespace, self.workload, self.labels ?? {});
  }

  /** The caller a request names in {@link SOURCE_HEADER}, or the router's own identity. */
  resolve(header: string | undefined): Caller {
    const value = header?.trim();
    if (value === undefined || value === '') return this.default;
    const cached = this.cache.get(value);
    if (cached !== undefined) return cached;
    const slash = value.indexOf('/');
    const namespace = slash < 0 ? this.self.namespace : value.slice(0, slash);
    const workload = slash < 0 ? value : value.slice(slash + 1);
    const caller = this.caller(
      namespace,
      workload,
      this.labelsByWorkload.get(`${namespace}/${workload}`) ?? {},
    );
    if (this.cache.size >= CALLER_CACHE_LIMIT) this.cache.clear();
    this.cache.set(value, caller);
    return caller;
  }

  private caller(namespace: string, workload: string, labels: Readonly<Record<string, string>>): Caller {
    return { namespace, labels, identity: peerIdentity(workload, namespace, labels, this.self.cluster) };
  }
}
