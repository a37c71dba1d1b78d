import { z } from 'zod';
import { AlertProviderSpec } from './alert-provider.js';
import { CanarySpec, CanaryStatus } from './canary.js';
import { API_VERSION, SERIN_GROUP } from './common.js';
import { MetricTemplateSpec } from './metric-template.js';

type JsonSchema = Record<string, unknown>;

function isRecord(v: unknown): v is JsonSchema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mapValues(record: Record<string, unknown>, f: (v: unknown) => unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}

/**
 * Rewrites zod's OpenAPI 3.0 output into a structural schema the API server accepts: no `$schema`,
 * no `additionalProperties: false` beside `properties`, preserve-unknown objects without
 * `additionalProperties`, int-or-string without a `type`.
 */
export function toStructural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toStructural);
  if (!isRecord(node)) return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema' || key === 'propertyNames' || key === 'id') continue;
    // `properties` maps field names (a field may well be called `id`) to schemas.
    out[key] = key === 'properties' && isRecord(value) ? mapValues(value, toStructural) : toStructural(value);
  }
  if (out.additionalProperties === false) delete out.additionalProperties;
  if (out['x-kubernetes-preserve-unknown-fields'] === true) {
    delete out.additionalProperties;
    out.type = 'object';
  }
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (isRecord(out.additionalProperties) && Object.keys(out.additionalProperties).length === 0) {
    delete out.additionalProperties;
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  return out;
}

export function openApiSchema(schema: z.ZodType): JsonSchema {
  return toStructural(
    z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }),
  ) as JsonSchema;
}

const FORBIDDEN = [
  '$ref',
  'definitions',
  'dependencies',
  'patternProperties',
  'additionalItems',
  'const',
  '$schema',
];

function nodeProblems(node: JsonSchema, at: string): string[] {
  const problems: string[] = [];
  for (const key of FORBIDDEN) if (key in node) problems.push(`${at}: forbidden field ${key}`);
  if (
    node.additionalProperties !== undefined &&
    isRecord(node.properties) &&
    Object.keys(node.properties).length > 0
  ) {
    problems.push(`${at}: additionalProperties together with properties`);
  }
  const special =
    node['x-kubernetes-int-or-string'] === true || node['x-kubernetes-preserve-unknown-fields'] === true;
  const inBranch = /\/(anyOf|oneOf|allOf)\//.test(`${at}/`);
  if (!special && !inBranch && typeof node.type !== 'string') problems.push(`${at}: missing type`);
  if (Array.isArray(node.items)) problems.push(`${at}: array-form items`);
  if (node.type === 'null') problems.push(`${at}: type null`);
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    const branches = node[key];
    if (special || !Array.isArray(branches)) continue;
    branches.forEach((sub, i) => {
      if (isRecord(sub) && (sub.properties !== undefined || sub.description !== undefined)) {
        problems.push(`${at}/${key}/${i}: a branch may only carry value validations`);
      }
    });
  }
  return problems;
}

/** Checks the apiextensions structural-schema rules that a generated schema can break. */
export function structuralProblems(node: unknown, path = ''): string[] {
  if (!isRecord(node)) return [];
  const problems = nodeProblems(node, path || '/');
  if (isRecord(node.properties)) {
    for (const [prop, sub] of Object.entries(node.properties)) {
      problems.push(...structuralProblems(sub, `${path}/properties/${prop}`));
    }
  }
  for (const key of ['items', 'additionalProperties']) {
    if (isRecord(node[key])) problems.push(...structuralProblems(node[key], `${path}/${key}`));
  }
  return problems;
}

interface CrdOptions {
  kind: string;
  plural: string;
  shortNames?: string[];
  spec: z.ZodType;
  status?: z.ZodType;
  printerColumns?: {
    name: string;
    type: string;
    jsonPath: string;
    priority?: number;
    description?: string;
  }[];
}

function crd(options: CrdOptions): JsonSchema {
  const properties: JsonSchema = { spec: openApiSchema(options.spec) };
  if (options.status) properties.status = openApiSchema(options.status);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${options.plural}.${SERIN_GROUP}` },
    spec: {
      group: SERIN_GROUP,
      names: {
        kind: options.kind,
        listKind: `${options.kind}List`,
        plural: options.plural,
        singular: options.kind.toLowerCase(),
        ...(options.shortNames ? { shortNames: options.shortNames } : {}),
        categories: ['all', 'serin'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          ...(options.status ? { subresources: { status: {} } } : {}),
          ...(options.printerColumns ? { additionalPrinterColumns: options.printerColumns } : {}),
          schema: {
            openAPIV3Schema: {
              type: 'object',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                ...properties,
              },
            },
          },
        },
      ],
    },
  };
}

/** The CustomResourceDefinitions Serin installs, generated from the schemas Serin validates with. */
export function customResourceDefinitions(): JsonSchema[] {
  return [
    crd({
      kind: 'Canary',
      plural: 'canaries',
      // Flagger's CRD has the same plural and no short names: Serin's own short names keep
      // `kubectl get scn` unambiguous when both CRDs are installed.
      shortNames: ['scn', 'scanary'],
      spec: CanarySpec,
      status: CanaryStatus,
      printerColumns: [
        { name: 'Status', type: 'string', jsonPath: '.status.phase' },
        { name: 'Weight', type: 'number', jsonPath: '.status.canaryWeight' },
        { name: 'FailedChecks', type: 'integer', jsonPath: '.status.failedChecks', priority: 1 },
        { name: 'Interval', type: 'string', jsonPath: '.spec.analysis.interval', priority: 1 },
        { name: 'Mirror', type: 'boolean', jsonPath: '.spec.analysis.mirror', priority: 1 },
        { name: 'StepWeight', type: 'number', jsonPath: '.spec.analysis.stepWeight', priority: 1 },
        { name: 'StepWeights', type: 'string', jsonPath: '.spec.analysis.stepWeights', priority: 1 },
        { name: 'MaxWeight', type: 'number', jsonPath: '.spec.analysis.maxWeight', priority: 1 },
        { name: 'Suspended', type: 'boolean', jsonPath: '.spec.suspend', priority: 1 },
        { name: 'LastTransitionTime', type: 'string', jsonPath: '.status.lastTransitionTime' },
      ],
    }),
    crd({ kind: 'MetricTemplate', plural: 'metrictemplates', shortNames: ['mt'], spec: MetricTemplateSpec }),
    crd({ kind: 'AlertProvider', plural: 'alertproviders', shortNames: ['ap'], spec: AlertProviderSpec }),
  ];
}
