/**
 * Knative Serving's Service and Revision (`serving.knative.dev/v1`), as a cluster with Knative
 * Serving installed serves them: the structural schemas come from the pinned
 * `@kubernetes-models/knative` (generated from Knative's published CRDs), and `knativeServiceCauses`
 * is the part of Knative's validating webhook Serin's writes can trip: the `spec.traffic` rules of
 * knative.dev/serving pkg/apis/serving/v1 (route_validation.go), run on every write of a Service.
 */
import { crdSchemaFromModel } from './model-crd-schemas.js';
import { crdObject } from './standard-crds.js';
import { isObject, type JsonObject } from './json.js';

const MODELS = '@kubernetes-models/knative/serving.knative.dev/v1';

export const knativeServiceSchema = (): JsonObject => crdSchemaFromModel(`${MODELS}/Service`);
export const knativeRevisionSchema = (): JsonObject => crdSchemaFromModel(`${MODELS}/Revision`);

export function knativeCrds(): JsonObject[] {
  return [
    crdObject({
      group: 'serving.knative.dev',
      kind: 'Service',
      plural: 'services',
      versions: ['v1'],
      shortNames: ['kservice', 'ksvc'],
      categories: ['all', 'knative', 'serving'],
      schemas: { v1: knativeServiceSchema() },
    }),
    crdObject({
      group: 'serving.knative.dev',
      kind: 'Revision',
      plural: 'revisions',
      versions: ['v1'],
      shortNames: ['rev'],
      categories: ['all', 'knative', 'serving'],
      schemas: { v1: knativeRevisionSchema() },
    }),
  ];
}

export interface KnativeCause {
  reason: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden';
  field: string;
  message: string;
}

/**
 * Knative's webhook on a Service's `spec.traffic`: a target names a revision or follows the latest
 * (not both, not neither; a Service has no `configurationName` of its own to name), its percent is
 * within 0–100, tags are unique, and the percents sum to 100.
 */
export function knativeServiceCauses(service: JsonObject): KnativeCause[] {
  const spec = isObject(service.spec) ? service.spec : {};
  if (spec.traffic === undefined) return [];
  if (!Array.isArray(spec.traffic))
    return [{ reason: 'FieldValueInvalid', field: 'spec.traffic', message: 'expected a list' }];
  const causes: KnativeCause[] = [];
  const tags = new Set<string>();
  let sum = 0;
  spec.traffic.forEach((entry, i) => {
    const path = `spec.traffic[${String(i)}]`;
    const target = isObject(entry) ? entry : {};
    const latest = target.latestRevision === true;
    const named = typeof target.revisionName === 'string' && target.revisionName !== '';
    if (target.configurationName !== undefined)
      causes.push({
        reason: 'FieldValueForbidden',
        field: `${path}.configurationName`,
        message: 'must not set the field(s)',
      });
    if (latest && named)
      causes.push({
        reason: 'FieldValueInvalid',
        field: `${path}.revisionName`,
        message: 'may not set revisionName if latestRevision is true',
      });
    if (!latest && !named)
      causes.push({
        reason: 'FieldValueRequired',
        field: `${path}.revisionName`,
        message: 'expected exactly one, got neither: revisionName, or latestRevision: true',
      });
    const percent = target.percent;
    if (typeof percent === 'number') {
      if (percent < 0 || percent > 100)
        causes.push({
          reason: 'FieldValueInvalid',
          field: `${path}.percent`,
          message: `expected 0 <= ${String(percent)} <= 100`,
        });
      sum += percent;
    }
    if (typeof target.tag === 'string') {
      if (tags.has(target.tag))
        causes.push({
          reason: 'FieldValueInvalid',
          field: `${path}.tag`,
          message: `Duplicate value: "${target.tag}"`,
        });
      tags.add(target.tag);
    }
  });
  if (spec.traffic.length > 0 && sum !== 100)
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.traffic',
      message: `Traffic targets sum to ${String(sum)}, want 100`,
    });
  return causes;
}
