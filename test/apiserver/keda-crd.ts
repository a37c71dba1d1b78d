/**
 * KEDA's ScaledObject (`keda.sh/v1alpha1`) as the test API server serves it.
 *
 * Two sources, one chosen per process:
 *
 * - `SERIN_KEDA_CRDS` naming a file (KEDA's published `keda.sh_scaledobjects.yaml`, or a release's
 *   `keda-<version>-crds.yaml`): that CRD exactly as a cluster with KEDA installed serves it.
 * - otherwise, the schema facts below, written from KEDA's published CRD (v2.x,
 *   `config/crd/bases/keda.sh_scaledobjects.yaml`) for the fields Serin reads and writes. The
 *   pinned `@kubernetes-models/keda` ships only compiled validators (no schema to recover, unlike
 *   the Istio and Gateway API models), so the facts are checked against it in keda-crd.test.ts.
 *
 * The facts: `spec` is required, and in it `scaleTargetRef` (with a non-empty `name`) and
 * `triggers` (at least one, each with a non-empty `type` and a string-to-string `metadata`);
 * replica counts and periods are int32 with KEDA's minimums (`maxReplicaCount` and
 * `pollingInterval` at least 1, the others at least 0); `fallback` needs `failureThreshold` and
 * `replicas`; `authenticationRef.kind` is TriggerAuthentication or ClusterTriggerAuthentication;
 * `minReplicaCount` may not exceed `maxReplicaCount` (KEDA's CEL rule, 100 when max is unset).
 * Not restated: the HPA `behavior` block under `advanced.horizontalPodAutoscalerConfig` and the
 * status, kept as they are written.
 */
import { readFileSync } from 'node:fs';

import { parseAllDocuments } from 'yaml';

import { isObject, type JsonObject } from './json.js';

const CRDS_ENV = 'SERIN_KEDA_CRDS';
const NAME = 'scaledobjects.keda.sh';

const int32 = (minimum: number): JsonObject => ({ type: 'integer', format: 'int32', minimum });
const string: JsonObject = { type: 'string' };
const object = (properties: JsonObject, required?: string[]): JsonObject => ({
  type: 'object',
  properties,
  ...(required ? { required } : {}),
});
const PRESERVED: JsonObject = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

function scaledObjectSchema(): JsonObject {
  const trigger = object(
    {
      type: { type: 'string', minLength: 1 },
      name: string,
      metadata: { type: 'object', additionalProperties: string },
      metricType: string,
      useCachedMetrics: { type: 'boolean' },
      authenticationRef: object(
        {
          name: string,
          kind: { type: 'string', enum: ['TriggerAuthentication', 'ClusterTriggerAuthentication'] },
        },
        ['name'],
      ),
    },
    ['metadata', 'type'],
  );
  const spec = object(
    {
      scaleTargetRef: object(
        {
          apiVersion: string,
          kind: string,
          name: { type: 'string', minLength: 1 },
          envSourceContainerName: string,
        },
        ['name'],
      ),
      pollingInterval: int32(1),
      initialCooldownPeriod: int32(0),
      cooldownPeriod: int32(0),
      idleReplicaCount: int32(0),
      minReplicaCount: int32(0),
      maxReplicaCount: int32(1),
      fallback: object(
        {
          failureThreshold: int32(0),
          replicas: int32(0),
          behavior: {
            type: 'string',
            enum: [
              'static',
              'currentReplicas',
              'currentReplicasIfHigher',
              'currentReplicasIfLower',
              'scalingModifiers',
            ],
            default: 'static',
          },
        },
        ['failureThreshold', 'replicas'],
      ),
      advanced: object({
        horizontalPodAutoscalerConfig: object({ name: string, behavior: PRESERVED }),
        restoreToOriginalReplicaCount: { type: 'boolean' },
        scalingModifiers: object({
          formula: string,
          target: string,
          activationTarget: string,
          metricType: { type: 'string', enum: ['AverageValue', 'Value'] },
        }),
      }),
      triggers: { type: 'array', minItems: 1, items: trigger },
    },
    ['scaleTargetRef', 'triggers'],
  );
  spec['x-kubernetes-validations'] = [
    {
      rule: '!has(self.minReplicaCount) || self.minReplicaCount <= (has(self.maxReplicaCount) ? self.maxReplicaCount : 100)',
      message: 'minReplicaCount must be less than or equal to maxReplicaCount',
    },
  ];
  return object({ apiVersion: string, kind: string, metadata: { type: 'object' }, spec, status: PRESERVED }, [
    'spec',
  ]);
}

function column(name: string, jsonPath: string, type = 'string'): JsonObject {
  return { name, type, jsonPath };
}

/** The CRD built from the facts, in KEDA's published shape (names, short name, columns, status subresource). */
function factsCrd(): JsonObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: NAME },
    spec: {
      group: 'keda.sh',
      names: {
        kind: 'ScaledObject',
        listKind: 'ScaledObjectList',
        plural: 'scaledobjects',
        singular: 'scaledobject',
        shortNames: ['so'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: scaledObjectSchema() },
          additionalPrinterColumns: [
            column('ScaleTargetKind', '.status.scaleTargetKind'),
            column('ScaleTargetName', '.spec.scaleTargetRef.name'),
            column('Min', '.spec.minReplicaCount', 'integer'),
            column('Max', '.spec.maxReplicaCount', 'integer'),
            column('Ready', '.status.conditions[?(@.type=="Ready")].status'),
            column('Active', '.status.conditions[?(@.type=="Active")].status'),
            column('Paused', '.status.conditions[?(@.type=="Paused")].status'),
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
        },
      ],
    },
  };
}

/** The ScaledObject CRD from the file `SERIN_KEDA_CRDS` names, when it is set. */
function publishedCrd(path: string): JsonObject {
  for (const document of parseAllDocuments(readFileSync(path, 'utf8'))) {
    const value: unknown = document.toJS();
    if (isObject(value) && isObject(value.metadata) && value.metadata.name === NAME) return value;
  }
  throw new Error(`${CRDS_ENV}=${path}: no CustomResourceDefinition ${NAME} in the file`);
}

/** KEDA's ScaledObject CRD: the published file when `SERIN_KEDA_CRDS` names one, else the facts. */
export function kedaScaledObjectCrd(): JsonObject {
  const path = process.env[CRDS_ENV];
  return path !== undefined && path !== '' ? publishedCrd(path) : factsCrd();
}

/** The CRD built from the facts, whatever the environment says (for the test that checks them). */
export const kedaScaledObjectFactsCrd = factsCrd;
