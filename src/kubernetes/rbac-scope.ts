/**
 * A namespace-scoped install (`serin install --scope namespace`, deploy/namespaced/role.yaml) runs
 * the controller with a Role, and a Role cannot grant a cluster-scoped kind: the API server would
 * answer 403 on the first write. A provider that writes one (Kuma's TrafficRoute) is refused before
 * anything is applied, naming the field, rather than failing half-way through initialisation.
 */
import type { CapabilityIssue } from '../api/capability-issue.js';
import { invalid } from '../api/capability-issue.js';
import type { RoutingProviderId } from '../routing/providers/ids.js';
import { providerById } from '../routing/providers/registry.js';

/** The cluster-scoped kinds a provider writes, as `Kind (plural.group)`. */
export function clusterScopedKinds(id: RoutingProviderId): string[] {
  return providerById(id)
    .resources.filter((r) => !r.namespaced)
    .map((r) => `${r.kind} (${r.plural}.${r.group})`);
}

/** Why a provider cannot run under a namespaced Role, naming `path` (a field or a flag), or undefined. */
export function namespacedRbacProblem(id: RoutingProviderId, path: string): CapabilityIssue | undefined {
  const kinds = clusterScopedKinds(id);
  if (kinds.length === 0) return undefined;
  return invalid(
    path,
    `the ${id} provider writes ${kinds.join(', ')}, which is cluster-scoped, and this controller runs ` +
      `with a namespaced Role (--namespaced-rbac), which cannot grant it: install Serin cluster-wide ` +
      `(serin install --scope cluster) to run ${id} Canaries`,
  );
}
