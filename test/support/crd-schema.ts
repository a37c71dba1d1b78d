/**
 * What the test API server's CRDs make of a rendered object, without a server: the served
 * version's structural schema validates it and prunes nothing from it. A provider's render tests
 * use it so every object they render is one its published CRD accepts as written.
 */
import { expect } from 'vitest';
import type { JsonObject } from '../apiserver/json.js';
import { routingCrds } from '../apiserver/standard-crds.js';
import { pruneObject, validateObject } from '../apiserver/structural-schema.js';

interface CrdVersion {
  name: string;
  schema?: { openAPIV3Schema?: JsonObject };
}

function schemaFor(apiVersion: string, kind: string): JsonObject {
  const [group, version] = apiVersion.split('/') as [string, string];
  for (const crd of routingCrds()) {
    const spec = crd.spec as unknown as { group: string; names: { kind: string }; versions: CrdVersion[] };
    if (spec.group !== group || spec.names.kind !== kind) continue;
    const served = spec.versions.find((v) => v.name === version)?.schema?.openAPIV3Schema;
    if (served) return served;
  }
  throw new Error(`the test API server serves no ${apiVersion} ${kind}`);
}

/** Fails unless `object` validates against its CRD's schema and survives pruning unchanged. */
export function expectAcceptedByCrd(object: { apiVersion: string; kind: string }): void {
  const json = structuredClone(object) as unknown as JsonObject;
  const schema = schemaFor(object.apiVersion, object.kind);
  const { metadata: _metadata, ...body } = json;
  expect(validateObject(json, schema), `${object.apiVersion} ${object.kind} validates`).toEqual([]);
  const pruned = pruneObject(structuredClone(json), schema);
  const { metadata: _pm, ...prunedBody } = pruned;
  expect(prunedBody, `${object.apiVersion} ${object.kind}: nothing pruned`).toEqual(body);
}
