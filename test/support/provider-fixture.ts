/**
 * A Flagger Canary for a provider's unit tests: podinfo in namespace `test`, port 9898, a weighted
 * analysis, with `spec` merged over it; parsed as the schema parses it, with the raw document the
 * capability checks read.
 */
import { CanaryDocument, type Canary } from '../../src/api/canary.js';

export interface ProviderCanary {
  canary: Canary;
  raw: Record<string, unknown>;
}

type Json = Record<string, unknown>;

export function providerCanary(provider: string, spec: Json = {}, analysis?: Json): ProviderCanary {
  const { service, ...rest } = spec;
  const raw: Json = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test', uid: '1f0c5a52-0000-4000-8000-0000000000aa' },
    spec: {
      provider,
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898, ...(service as Json | undefined) },
      analysis: analysis ?? { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 },
      ...rest,
    },
  };
  return { canary: CanaryDocument.parse(raw), raw };
}
