/**
 * The openAPIV3Schema of the Istio and Gateway API CRDs, recovered from the pinned
 * `@kubernetes-models/istio` and `@kubernetes-models/gateway-api` packages. Each model module
 * embeds the JSON schema its generator derived from the CRD's openAPIV3Schema; this module turns
 * that JSON-schema dialect back into the structural schema the CRD declared:
 *
 * - `nullable: true` is dropped everywhere. The generator marks every property that is not
 *   `required` nullable (so an absent field passes its ajv validation); the CRDs themselves mark
 *   only a few (Istio's protobuf wrapper types). Dropping it means a `null` written to one of those
 *   few is removed instead of kept, which no Serin write depends on.
 * - The top level's `apiVersion`, `kind` and `metadata` (a `$ref` to ObjectMeta or `null`) become the
 *   plain `string`/`string`/`object` a CRD schema carries (the API server owns metadata), and the
 *   generator's `apiVersion`/`kind` entries in the top-level `required` are removed.
 * - An object with an empty `properties` and no `additionalProperties` is the generator's rendering
 *   of `x-kubernetes-preserve-unknown-fields: true` (e.g. Istio's `status`), so it becomes that
 *   again; an empty `properties` beside `additionalProperties` (a map) is simply dropped.
 * - `anyOf`/`oneOf` of exactly `{type: integer}` and `{type: string}` is the generator's rendering
 *   of `x-kubernetes-int-or-string: true`, restored as the CRD writes it (the flag plus `anyOf`).
 * - Everything else (`type`, `properties`, `items`, `additionalProperties`, `required`, `enum`,
 *   `format`, `pattern`, lengths, bounds, `default`, and `oneOf`/`anyOf`/`allOf`/`not` value
 *   validations) is kept as it is. Any other keyword, or a `$ref` / `type: null` anywhere but the
 *   top-level metadata, throws: the conversion refuses what it does not understand.
 *
 * Lost in the generator and so not recoverable here: descriptions, CEL `x-kubernetes-validations`
 * (gateway-api-crd.ts adds the HTTPRoute rules back as facts) and `x-kubernetes-list-type` markers.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { isObject, type JsonObject, type JsonValue } from './json.js';

const require = createRequire(import.meta.url);

/** Keywords kept as they are, with sub-schemas under them converted in turn. */
const VALUE_KEYWORDS = new Set([
  'type',
  'format',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
  'uniqueItems',
  'required',
  'default',
]);
const COMBINATORS = ['oneOf', 'anyOf', 'allOf'] as const;

/** The JSON schema a model module embeds (`const schema = {...};`, a JSON literal). */
export function modelJsonSchema(modelModule: string): JsonObject {
  const file = require.resolve(modelModule);
  const source = readFileSync(file, 'utf8');
  const start = source.indexOf('const schema = {');
  const end = source.indexOf('\n};\n', start);
  if (start < 0 || end < 0) throw new Error(`${file}: no embedded "const schema = {...};" found`);
  const parsed: unknown = JSON.parse(source.slice(start + 'const schema = '.length, end + 2));
  if (!isObject(parsed)) throw new Error(`${file}: embedded schema is not an object`);
  return parsed;
}

function isIntOrString(alternatives: JsonValue | undefined): boolean {
  if (!Array.isArray(alternatives) || alternatives.length !== 2) return false;
  const types = alternatives.map((branch) =>
    isObject(branch) && Object.keys(branch).length === 1 ? branch.type : undefined,
  );
  return types.includes('integer') && types.includes('string');
}

/**
 * `oneOf: [X, {type: null}]` is how some generators (the Knative models') render a field that is X
 * or absent, the way others write `nullable: true` beside X: the structural reading is X itself.
 */
function nullableAlternative(alternatives: JsonValue | undefined): JsonValue | undefined {
  if (!Array.isArray(alternatives) || alternatives.length !== 2) return undefined;
  const [first, second] = alternatives;
  const isNull = (v: JsonValue | undefined) =>
    isObject(v) && Object.keys(v).length === 1 && v.type === 'null';
  if (isNull(second) && isObject(first)) return first;
  if (isNull(first) && isObject(second)) return second;
  return undefined;
}

function convertMap(value: JsonValue, path: string): JsonObject {
  if (!isObject(value)) throw new Error(`${path}: expected an object of schemas`);
  return Object.fromEntries(
    Object.entries(value).map(([key, sub]) => [key, convertNode(sub, `${path}.${key}`)]),
  );
}

function convertList(value: JsonValue, path: string): JsonValue[] {
  if (!Array.isArray(value)) throw new Error(`${path}: expected a list of schemas`);
  return value.map((sub, index) => convertNode(sub, `${path}[${String(index)}]`));
}

function convertStructure(schema: JsonObject, path: string, out: JsonObject): void {
  const properties = schema.properties;
  const emptyProperties = isObject(properties) && Object.keys(properties).length === 0;
  if (properties !== undefined && !emptyProperties)
    out.properties = convertMap(properties, `${path}.properties`);
  if (schema.additionalProperties !== undefined) {
    const additional = schema.additionalProperties;
    if (additional === true || (isObject(additional) && Object.keys(additional).length === 0)) {
      out['x-kubernetes-preserve-unknown-fields'] = true;
    } else {
      out.additionalProperties = convertNode(additional, `${path}.additionalProperties`);
    }
  } else if (emptyProperties) {
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  if (schema.items !== undefined) out.items = convertNode(schema.items, `${path}.items`);
  if (schema.not !== undefined) out.not = convertNode(schema.not, `${path}.not`);
}

function convertNode(value: JsonValue | undefined, path: string): JsonObject {
  if (!isObject(value)) throw new Error(`${path}: expected a schema object`);
  const out: JsonObject = {};
  for (const [key, sub] of Object.entries(value)) {
    if (key === 'nullable' || key === 'properties' || key === 'additionalProperties') continue;
    if (key === 'items' || key === 'not' || (COMBINATORS as readonly string[]).includes(key)) continue;
    if (!VALUE_KEYWORDS.has(key))
      throw new Error(`${path}: keyword "${key}" has no structural-schema reading`);
    if (key === 'type' && (sub === 'null' || typeof sub !== 'string')) {
      throw new Error(`${path}: type ${JSON.stringify(sub)} has no structural-schema reading`);
    }
    out[key] = sub;
  }
  convertStructure(value, path, out);
  for (const combinator of COMBINATORS) {
    const alternatives = value[combinator];
    if (alternatives === undefined) continue;
    const nullableOf = nullableAlternative(alternatives);
    if (nullableOf !== undefined) {
      Object.assign(out, convertNode(nullableOf, `${path}.${combinator}[0]`));
    } else if (isIntOrString(alternatives)) {
      out['x-kubernetes-int-or-string'] = true;
      out.anyOf = [{ type: 'integer' }, { type: 'string' }];
    } else {
      out[combinator] = convertList(alternatives, `${path}.${combinator}`);
    }
  }
  return out;
}

/** The structural openAPIV3Schema of the CRD version a model module was generated from. */
export function crdSchemaFromModel(modelModule: string): JsonObject {
  return crdSchemaFromJsonSchema(modelJsonSchema(modelModule), modelModule);
}

/** The structural openAPIV3Schema behind a model's JSON schema; `source` names it in errors. */
export function crdSchemaFromJsonSchema(schema: JsonObject, source: string): JsonObject {
  const properties = schema.properties;
  if (!isObject(properties)) throw new Error(`${source}: top-level schema has no properties`);
  const { apiVersion: _apiVersion, kind: _kind, metadata: _metadata, ...fields } = properties;
  const required = Array.isArray(schema.required)
    ? schema.required.filter((name) => name !== 'apiVersion' && name !== 'kind')
    : [];
  const converted = convertNode({ type: 'object', properties: fields }, source);
  return {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      ...(converted.properties as JsonObject),
    },
    ...(required.length > 0 ? { required } : {}),
  };
}
