/**
 * Whether a rendered object is one a cluster with the provider's CRD installed would store as
 * written: every schema rule holds (the test API server's validator, with kube-apiserver's field
 * paths) and nothing is pruned (a field the CRD does not declare would be dropped silently).
 */
import { deepEqual, type JsonObject } from '../apiserver/json.js';
import { pruneObject, validateObject, type Schema } from '../apiserver/structural-schema.js';

export function crdProblems(object: unknown, schema: Schema): string[] {
  const json = JSON.parse(JSON.stringify(object)) as JsonObject;
  const problems = validateObject(json, schema).map((c) => `${c.field}: ${c.message}`);
  if (!deepEqual(pruneObject(json, schema), json))
    problems.push('fields the CRD does not declare are pruned');
  return problems;
}
