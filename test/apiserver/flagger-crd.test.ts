/**
 * The Flagger CRD written out in flagger-crd.ts against Flagger's own crd.yaml. Run with
 * `FLAGGER_CRD=/path/to/flagger/artifacts/flagger/crd.yaml npx vitest run test/apiserver/flagger-crd.test.ts`.
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

import {
  FLAGGER_STATUS_FIELDS,
  FLAGGER_VERSION,
  stockFlaggerAlertProviderCrd,
  stockFlaggerCanaryCrd,
  stockFlaggerMetricTemplateCrd,
} from './flagger-crd.js';
import { isObject, type JsonObject } from './json.js';

/** The keywords a real API server acts on; descriptions and Go-ish `format: string|int32` do nothing. */
const KEYWORDS = new Set([
  'type',
  'properties',
  'items',
  'additionalProperties',
  'required',
  'enum',
  'pattern',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'default',
  'nullable',
  'format',
  'oneOf',
  'anyOf',
  'allOf',
  'not',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-validations',
]);
const INERT_FORMATS = new Set(['string', 'int32']);

function structure(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(structure);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const key of Object.keys(node).sort()) {
    if (!KEYWORDS.has(key)) continue;
    if (key === 'format' && typeof node.format === 'string' && INERT_FORMATS.has(node.format)) continue;
    const value = node[key];
    if (key === 'properties' && isObject(value)) {
      const properties: JsonObject = {};
      for (const name of Object.keys(value).sort()) properties[name] = structure(value[name]) as JsonObject;
      out.properties = properties;
    } else if (key === 'required' && Array.isArray(value)) out.required = [...value].sort();
    else out[key] = structure(value) as JsonObject;
  }
  return out;
}

function versionOf(crd: JsonObject): JsonObject {
  const versions = (crd.spec as JsonObject).versions as JsonObject[];
  return versions[0] ?? {};
}

const file = process.env.FLAGGER_CRD;

describe(`Flagger ${FLAGGER_VERSION} Canary CRD`, () => {
  it('declares exactly the status fields issue 10 measured', () => {
    const status = (
      ((versionOf(stockFlaggerCanaryCrd()).schema as JsonObject).openAPIV3Schema as JsonObject)
        .properties as JsonObject
    ).status as JsonObject;
    expect(Object.keys(status.properties as JsonObject).sort()).toEqual([...FLAGGER_STATUS_FIELDS].sort());
    expect(status['x-kubernetes-preserve-unknown-fields']).toBeUndefined();
  });

  it.skipIf(file === undefined).each([
    ['canaries.flagger.app', stockFlaggerCanaryCrd],
    ['metrictemplates.flagger.app', stockFlaggerMetricTemplateCrd],
    ['alertproviders.flagger.app', stockFlaggerAlertProviderCrd],
  ] as const)(
    `%s matches Flagger's crd.yaml structurally (FLAGGER_CRD=${file ?? 'unset: skipped, set it to compare'})`,
    (name, build) => {
      const documents = parseAllDocuments(readFileSync(file ?? '', 'utf8')).map((d) => d.toJS() as unknown);
      const real = documents.find(
        (d): d is JsonObject => isObject(d) && isObject(d.metadata) && d.metadata.name === name,
      );
      expect(real, `${name} in the file`).toBeDefined();
      const ours = build();
      const theirs = real ?? {};
      expect((ours.spec as JsonObject).names).toEqual((theirs.spec as JsonObject).names);
      const { schema: ourSchema, ...ourVersion } = versionOf(ours);
      const { schema: theirSchema, ...theirVersion } = versionOf(theirs);
      expect(ourVersion).toEqual(theirVersion);
      expect(structure((ourSchema as JsonObject).openAPIV3Schema)).toEqual(
        structure((theirSchema as JsonObject).openAPIV3Schema),
      );
    },
  );
});
