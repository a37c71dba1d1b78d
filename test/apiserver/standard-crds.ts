import {
  stockFlaggerAlertProviderCrd,
  stockFlaggerCanaryCrd,
  stockFlaggerMetricTemplateCrd,
} from './flagger-crd.js';
import { httpRouteSchemas } from './gateway-api-crd.js';
import type { JsonObject } from './json.js';
import { kedaScaledObjectCrd } from './keda-crd.js';
import { crdSchemaFromModel } from './model-crd-schemas.js';
import { smiCrds } from './smi-crd.js';
import { appMeshCrds } from './appmesh-crd.js';
import { contourCrds } from './contour-crd.js';
import { glooCrds } from './gloo-crd.js';
import { traefikCrds } from './traefik-crd.js';
import { apisixCrds } from './apisix-crd.js';
import { kumaCrds } from './kuma-crd.js';
import { knativeCrds } from './knative-crd.js';

interface CrdSpec {
  group: string;
  kind: string;
  plural: string;
  versions: string[];
  shortNames?: string[];
  categories?: string[];
  columns?: JsonObject[];
  scope?: 'Namespaced' | 'Cluster';
  /** openAPIV3Schema per version; a version without one is permissive (any fields kept). */
  schemas?: Partial<Record<string, JsonObject>>;
}

const PERMISSIVE: JsonObject = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

/** A CRD with a status subresource, served in every listed version (the first one stored). */
export function crdObject(spec: CrdSpec): JsonObject {
  const singular = spec.kind.toLowerCase();
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${spec.plural}.${spec.group}` },
    spec: {
      group: spec.group,
      names: {
        kind: spec.kind,
        listKind: `${spec.kind}List`,
        plural: spec.plural,
        singular,
        ...(spec.shortNames ? { shortNames: spec.shortNames } : {}),
        ...(spec.categories ? { categories: spec.categories } : {}),
      },
      scope: spec.scope ?? 'Namespaced',
      versions: spec.versions.map((name, index) => ({
        name,
        served: true,
        storage: index === 0,
        subresources: { status: {} },
        schema: { openAPIV3Schema: spec.schemas?.[name] ?? PERMISSIVE },
        ...(spec.columns ? { additionalPrinterColumns: spec.columns } : {}),
      })),
    },
  };
}

const AGE: JsonObject = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

const ISTIO_MODELS = '@kubernetes-models/istio/networking.istio.io';
const GATEWAY_API_MODELS = '@kubernetes-models/gateway-api/gateway.networking.k8s.io';

/**
 * Istio's schemas per served version, from the pinned models. The models carry v1beta1 and
 * v1alpha3 only: `networking.istio.io/v1` stays permissive (any field kept) until a model release
 * generated from an Istio with v1 is pinned. Istio publishes one schema for all its versions, so
 * writing v1beta1 (as the controller does) is checked exactly.
 */
function istioSchemas(kind: string): Record<string, JsonObject> {
  return {
    v1beta1: crdSchemaFromModel(`${ISTIO_MODELS}/v1beta1/${kind}`),
    v1alpha3: crdSchemaFromModel(`${ISTIO_MODELS}/v1alpha3/${kind}`),
  };
}

function gatewayApiSchemas(kind: string): Record<string, JsonObject> {
  return {
    v1: crdSchemaFromModel(`${GATEWAY_API_MODELS}/v1/${kind}`),
    v1beta1: crdSchemaFromModel(`${GATEWAY_API_MODELS}/v1beta1/${kind}`),
  };
}

/**
 * Istio networking and Gateway API kinds the controller writes, registered as a cluster with them
 * installed would, with the structural schemas their projects publish (so a field a real server
 * would prune or reject is pruned or rejected here too).
 */
export function routingCrds(): JsonObject[] {
  const istio = ['v1', 'v1beta1', 'v1alpha3'];
  return [
    crdObject({
      group: 'networking.istio.io',
      kind: 'VirtualService',
      plural: 'virtualservices',
      versions: istio,
      schemas: istioSchemas('VirtualService'),
      shortNames: ['vs'],
      categories: ['istio-io', 'networking-istio-io'],
      columns: [
        { name: 'Gateways', type: 'string', jsonPath: '.spec.gateways' },
        { name: 'Hosts', type: 'string', jsonPath: '.spec.hosts' },
        AGE,
      ],
    }),
    crdObject({
      group: 'networking.istio.io',
      kind: 'DestinationRule',
      plural: 'destinationrules',
      versions: istio,
      schemas: istioSchemas('DestinationRule'),
      shortNames: ['dr'],
      categories: ['istio-io', 'networking-istio-io'],
      columns: [{ name: 'Host', type: 'string', jsonPath: '.spec.host' }, AGE],
    }),
    crdObject({
      group: 'networking.istio.io',
      kind: 'Gateway',
      plural: 'gateways',
      versions: istio,
      schemas: istioSchemas('Gateway'),
      shortNames: ['gw'],
      categories: ['istio-io', 'networking-istio-io'],
    }),
    crdObject({
      group: 'gateway.networking.k8s.io',
      kind: 'HTTPRoute',
      plural: 'httproutes',
      versions: ['v1', 'v1beta1'],
      schemas: httpRouteSchemas(),
      categories: ['gateway-api'],
      columns: [{ name: 'Hostnames', type: 'string', jsonPath: '.spec.hostnames' }, AGE],
    }),
    crdObject({
      group: 'gateway.networking.k8s.io',
      kind: 'Gateway',
      plural: 'gateways',
      versions: ['v1', 'v1beta1'],
      schemas: gatewayApiSchemas('Gateway'),
      shortNames: ['gtw'],
      categories: ['gateway-api'],
      columns: [{ name: 'Class', type: 'string', jsonPath: '.spec.gatewayClassName' }, AGE],
    }),
    ...smiCrds(),
    ...contourCrds(),
    ...glooCrds(),
    ...traefikCrds(),
    ...apisixCrds(),
    ...kumaCrds(),
    ...appMeshCrds(),
    ...knativeCrds(),
  ];
}

/** Autoscaler kinds a Canary's `autoscalerRef` may name besides the built-in HPA: KEDA's ScaledObject. */
export function autoscalerCrds(): JsonObject[] {
  return [kedaScaledObjectCrd()];
}

const CANARY_COLUMNS: JsonObject[] = [
  { name: 'Status', type: 'string', jsonPath: '.status.phase' },
  { name: 'Weight', type: 'integer', jsonPath: '.status.canaryWeight' },
  { name: 'LastTransitionTime', type: 'string', jsonPath: '.status.lastTransitionTime' },
];

/**
 * Flagger's Canary with Flagger's published schema, so Flagger manifests apply unchanged and
 * whatever Flagger's CRD does not declare is pruned, as on a cluster with Flagger installed.
 */
export function flaggerCanaryCrd(): JsonObject {
  return stockFlaggerCanaryCrd();
}

/** Flagger's MetricTemplate with Flagger's published schema, as Flagger's crd.yaml installs it. */
export function flaggerMetricTemplateCrd(): JsonObject {
  return stockFlaggerMetricTemplateCrd();
}

/** Flagger's AlertProvider with Flagger's published schema, as Flagger's crd.yaml installs it. */
export function flaggerAlertProviderCrd(): JsonObject {
  return stockFlaggerAlertProviderCrd();
}

/** Serin's Canary as a stand-in, used only when deploy/crds does not provide the generated one. */
export function fallbackSerinCanaryCrd(): JsonObject {
  return crdObject({
    group: 'serin.dev',
    kind: 'Canary',
    plural: 'canaries',
    versions: ['v1beta1'],
    shortNames: ['cn'],
    categories: ['all', 'serin'],
    columns: CANARY_COLUMNS,
  });
}
