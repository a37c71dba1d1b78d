/**
 * The superset `canaries.flagger.app` CRD (ADR 0010): Serin's own Canary schema, served in
 * Flagger's group, for clusters that no longer run Flagger. It keeps every field Serin reads and
 * writes, where Flagger's stock CRD prunes Serin's spec and status fields. Never install it while
 * Flagger runs: Flagger's chart owns `canaries.flagger.app` and would put its own back.
 */
import { NOISE_GUARD_DEFAULT } from './canary.js';
import { toYaml } from './yaml.js';
import { FLAGGER_GROUP, SERIN_GROUP } from './common.js';
import { customResourceDefinitions } from './crd.js';

type Json = Record<string, unknown>;

export const SUPERSET_FILE = 'canaries.flagger.app.yaml';

/** Flagger documents keep Flagger's meaning: the noise guard defaults to off in flagger.app. */
function withFlaggerDefaults(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withFlaggerDefaults);
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    const next = withFlaggerDefaults(value);
    out[key] =
      key === 'noiseGuard' && typeof next === 'object' && next !== null && 'default' in next
        ? { ...(next as Json), default: NOISE_GUARD_DEFAULT.flagger }
        : next;
  }
  return out;
}

/** Serin's Canary CRD moved to flagger.app, with Flagger's names (no short names: Serin's CRD has them). */
export function flaggerSupersetCrd(): Json {
  const serin = customResourceDefinitions().find(
    (crd) => (crd.metadata as { name: string }).name === `canaries.${SERIN_GROUP}`,
  );
  if (!serin) throw new Error(`canaries.${SERIN_GROUP} is missing from the generated CRDs`);
  const spec = withFlaggerDefaults(serin.spec) as Json;
  return {
    ...serin,
    metadata: {
      name: `canaries.${FLAGGER_GROUP}`,
      labels: { 'app.kubernetes.io/managed-by': 'serin', 'serin.dev/flagger-crd': 'superset' },
    },
    spec: {
      ...spec,
      group: FLAGGER_GROUP,
      names: {
        kind: 'Canary',
        listKind: 'CanaryList',
        plural: 'canaries',
        singular: 'canary',
        categories: ['all'],
      },
    },
  };
}

const HEADER =
  '# Generated from src/api by scripts/generate-crds.ts. Do not edit by hand.\n' +
  '# Superset flagger.app Canary CRD: only for clusters that no longer run Flagger (docs/install.md).\n';

export function renderFlaggerSupersetFile(): string {
  return HEADER + toYaml(flaggerSupersetCrd(), { lineWidth: 0 });
}
