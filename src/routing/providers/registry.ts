/**
 * Every routing provider Serin runs, one module each. A provider is chosen by a Canary's
 * `spec.provider` (Flagger's spelling) or, when unset, by the platform's default (the controller's
 * `--provider`, `istio` otherwise).
 */
import { unsupportedBy, type CapabilityIssue } from '../../api/capability-issue.js';
import { appMeshProvider } from './appmesh-v1beta2.js';
import { contourProvider } from './contour.js';
import { apisixProvider } from './apisix.js';
import { gatewayApiProvider } from './gateway-api.js';
import { glooProvider } from './gloo.js';
import type { RoutingProviderId } from './ids.js';
import { istioProvider } from './istio.js';
import { kubernetesProvider } from './kubernetes.js';
import { nginxProvider } from './nginx.js';
import { skipperProvider } from './skipper.js';
import { linkerdProvider } from './linkerd.js';
import { osmProvider } from './osm.js';
import { smiV1alpha1Provider } from './smi-v1alpha1.js';
import { smiV1alpha2Provider } from './smi-v1alpha2.js';
import { smiV1alpha3Provider } from './smi-v1alpha3.js';
import { kumaProvider } from './kuma.js';
import { knativeProvider } from './knative.js';
import { traefikProvider } from './traefik.js';
import type { RoutingProvider } from './types.js';

export const ROUTING_PROVIDERS: readonly RoutingProvider[] = [
  istioProvider,
  gatewayApiProvider,
  kubernetesProvider,
  nginxProvider,
  skipperProvider,
  // SMI TrafficSplit: linkerd, osm, smi:v1alpha1..3
  linkerdProvider,
  osmProvider,
  smiV1alpha1Provider,
  smiV1alpha2Provider,
  smiV1alpha3Provider,
  contourProvider,
  glooProvider,
  traefikProvider,
  apisixProvider,
  kumaProvider,
  appMeshProvider,
  knativeProvider,
];

const byName = new Map<string, RoutingProvider>(
  ROUTING_PROVIDERS.flatMap((p) => p.names.map((name) => [name, p] as const)),
);

/** The `spec.provider` values Serin runs, for messages and docs. */
export const SUPPORTED_PROVIDER_NAMES: readonly string[] = [...byName.keys()];

export function providerById(id: RoutingProviderId): RoutingProvider {
  const provider = ROUTING_PROVIDERS.find((p) => p.id === id);
  if (provider === undefined) throw new Error(`routing provider ${id} is not registered`);
  return provider;
}

/** The provider a `spec.provider` value means; `fallback` when unset; undefined when Serin has none. */
export function providerNamed(
  name: unknown,
  fallback: RoutingProviderId = 'istio',
): RoutingProvider | undefined {
  if (name === undefined || name === '') return providerById(fallback);
  return typeof name === 'string' ? byName.get(name) : undefined;
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What the Canary asks of routing that this provider cannot express, from its declared features:
 * the same rule for every provider, so none silently drops a match, a mirror or stickiness.
 */
export function featureIssues(provider: RoutingProvider, spec: Readonly<Json>): CapabilityIssue[] {
  const key = spec.analysis !== undefined ? 'analysis' : 'canaryAnalysis';
  const analysis = isRecord(spec[key]) ? spec[key] : {};
  const f = provider.features;
  const issues: CapabilityIssue[] = [];
  const matches = Array.isArray(analysis.match) ? analysis.match.filter(isRecord) : [];
  const headerNames = matches.flatMap((m) => (isRecord(m.headers) ? Object.keys(m.headers) : []));
  if (!f.headers && headerNames.some((h) => h.toLowerCase() !== 'cookie'))
    issues.push(unsupportedBy(`spec.${key}.match`, provider.id, 'routing on request headers'));
  if (!f.cookies && headerNames.some((h) => h.toLowerCase() === 'cookie'))
    issues.push(unsupportedBy(`spec.${key}.match`, provider.id, 'routing on a cookie'));
  if (!f.headers && !f.cookies && headerNames.length === 0 && matches.length > 0)
    issues.push(unsupportedBy(`spec.${key}.match`, provider.id, 'request matches'));
  if (!f.mirror && analysis.mirror === true)
    issues.push(unsupportedBy(`spec.${key}.mirror`, provider.id, 'mirroring traffic to the canary'));
  if (!f.sessionAffinity && analysis.sessionAffinity !== undefined)
    issues.push(unsupportedBy(`spec.${key}.sessionAffinity`, provider.id, 'session affinity'));
  if (!f.weights) {
    for (const field of ['stepWeight', 'stepWeights', 'maxWeight', 'stepWeightPromotion'])
      if (analysis[field] !== undefined)
        issues.push(
          unsupportedBy(
            `spec.${key}.${field}`,
            provider.id,
            'a weighted split (use iterations for blue/green)',
          ),
        );
  }
  return issues;
}
