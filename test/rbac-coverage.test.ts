/**
 * The controller's ClusterRole and its namespaced Role grant every kind a routing provider writes:
 * the generic router reads (get), server-side applies (patch, and create when the object is new)
 * and deletes on finalize; the user's own objects a provider only reads or patches (a Knative
 * Service) get exactly those verbs. A provider whose kind is missing here would fail on a real cluster with
 * a 403 that no suite on the test API server (which has no RBAC) would show.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROUTING_PROVIDERS } from '../src/routing/providers/registry.js';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
}

const root = join(import.meta.dirname, '..', 'deploy');

function rulesIn(file: string, kind: string): Rule[] {
  return parseAllDocuments(readFileSync(join(root, file), 'utf8'))
    .map((d) => d.toJS() as { kind?: string; rules?: Rule[] })
    .filter((d) => d.kind === kind)
    .flatMap((d) => d.rules ?? []);
}

function granted(rules: Rule[], group: string, plural: string): Set<string> {
  return new Set(
    rules
      .filter((r) => r.apiGroups?.includes(group) && r.resources?.includes(plural))
      .flatMap((r) => r.verbs ?? []),
  );
}

describe.each([
  ['rbac/cluster-role.yaml', 'ClusterRole'],
  ['namespaced/role.yaml', 'Role'],
])('%s', (file, kind) => {
  const rules = rulesIn(file, kind);
  for (const provider of ROUTING_PROVIDERS) {
    // A Role cannot grant a cluster-scoped kind (Kuma's TrafficRoute): docs/providers.md says so.
    for (const resource of provider.resources.filter((r) => kind === 'ClusterRole' || r.namespaced)) {
      const own = provider.userOwned?.find((u) => u.resource === resource);
      it(`grants ${provider.id}'s ${resource.plural}.${resource.group || 'core'}`, () => {
        const verbs = granted(rules, resource.group, resource.plural);
        if (own === undefined) {
          for (const verb of ['get', 'create', 'patch', 'delete']) expect([...verbs]).toContain(verb);
          return;
        }
        // The user's own objects: exactly what Serin does to them, nothing more (least privilege).
        expect([...verbs].sort()).toEqual([...own.verbs].sort());
      });
    }
  }
});
