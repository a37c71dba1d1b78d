/**
 * What kube-apiserver does with a CRD's structural `openAPIV3Schema` on every write and read:
 * prune the fields the schema does not declare, drop nulls where they are not `nullable`, fill in
 * `default`s, then validate. The semantics follow apiextensions-apiserver (pruning, structural
 * defaulting, kube-openapi validation) for the parts custom resources in this project use:
 *
 * - pruning keeps `apiVersion`, `kind` and `metadata` at the root and in
 *   `x-kubernetes-embedded-resource` objects, keeps everything under
 *   `x-kubernetes-preserve-unknown-fields` (still pruning the `properties` it declares), keeps
 *   `x-kubernetes-int-or-string` values as they are, and ignores `oneOf`/`anyOf`/`allOf`/`not`
 *   (in a structural schema they may not declare fields of their own);
 * - a `null` in a property that is not `nullable` is removed, then defaulted if it has a `default`;
 * - defaults apply top-down, so a defaulted object gets its own properties' defaults;
 * - validation reports every problem with its field path and the reason kube-apiserver uses.
 *
 * CEL `x-kubernetes-validations` are evaluated beside this validation, by `cel.ts`.
 *
 * Not modelled: validation ratcheting of unchanged fields,
 * `x-kubernetes-list-type` uniqueness, `multipleOf`, `minProperties`/`maxProperties`, formats
 * other than `date-time`.
 *
 * `pattern` is Go's regexp, unanchored, as kube-openapi runs it: through re2js, a port of Go's engine.
 */
import { RE2JS } from 're2js';

import { clone, isObject, type JsonObject, type JsonValue } from './json.js';

export type Schema = JsonObject;

/** One `field.Error` as kube-apiserver puts it in `details.causes[]`. */
export interface FieldCause {
  reason:
    | 'FieldValueRequired'
    | 'FieldValueInvalid'
    | 'FieldValueForbidden'
    | 'FieldValueDuplicate'
    | 'FieldValueTypeInvalid'
    | 'FieldValueNotSupported'
    | 'FieldValueTooMany'
    | 'FieldValueTooLong';
  field: string;
  message: string;
}

const ROOT_KEPT = new Set(['apiVersion', 'kind', 'metadata']);
/** ObjectMeta fields an embedded resource's `metadata` keeps (everything else is pruned). */
const OBJECT_META = new Set([
  'name',
  'generateName',
  'namespace',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

function schemaAt(value: JsonValue | undefined): Schema | undefined {
  return isObject(value) ? value : undefined;
}

function preserves(schema: Schema): boolean {
  return schema['x-kubernetes-preserve-unknown-fields'] === true;
}

// ---------------------------------------------------------------- pruning

function pruneValue(value: JsonValue, schema: Schema): JsonValue {
  if (schema['x-kubernetes-int-or-string'] === true) return value;
  if (Array.isArray(value)) {
    const items = schemaAt(schema.items);
    return items ? value.map((item) => pruneValue(item, items)) : value;
  }
  if (isObject(value)) return pruneFields(value, schema, schema['x-kubernetes-embedded-resource'] === true);
  return value;
}

function pruneMetadata(metadata: JsonValue | undefined): JsonValue | undefined {
  if (!isObject(metadata)) return metadata;
  const kept: JsonObject = {};
  for (const [key, entry] of Object.entries(metadata)) if (OBJECT_META.has(key)) kept[key] = entry;
  return kept;
}

function pruneFields(value: JsonObject, schema: Schema, embedded: boolean): JsonObject {
  const properties = schemaAt(schema.properties) ?? {};
  const additional = schema.additionalProperties;
  const out: JsonObject = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry === undefined) continue;
    const declared = schemaAt(properties[key]);
    if (declared) out[key] = pruneValue(entry, declared);
    else if (embedded && key === 'metadata') out[key] = pruneMetadata(entry);
    else if (embedded && ROOT_KEPT.has(key)) out[key] = entry;
    else if (isObject(additional)) out[key] = pruneValue(entry, additional);
    else if (additional === true || preserves(schema)) out[key] = entry;
  }
  return out;
}

/**
 * Drops every field the schema does not declare. The root's `apiVersion`, `kind` and `metadata`
 * are never pruned by the schema (metadata is ObjectMeta, handled by the server itself).
 */
export function pruneObject(object: JsonObject, schema: Schema): JsonObject {
  const pruned = pruneFields(object, schema, false);
  for (const key of ROOT_KEPT) if (object[key] !== undefined) pruned[key] = object[key];
  return pruned;
}

// ---------------------------------------------------------------- defaulting

function defaultValue(value: JsonValue, schema: Schema): void {
  if (Array.isArray(value)) {
    const items = schemaAt(schema.items);
    if (items) for (const item of value) defaultValue(item, items);
    return;
  }
  if (!isObject(value)) return;
  const properties = schemaAt(schema.properties) ?? {};
  for (const [key, property] of Object.entries(properties)) {
    if (!isObject(property)) continue;
    if (value[key] === null && property.nullable !== true) Reflect.deleteProperty(value, key);
    if (value[key] === undefined && property.default !== undefined) value[key] = clone(property.default);
  }
  const additional = schemaAt(schema.additionalProperties);
  for (const [key, entry] of Object.entries(value)) {
    if (entry === undefined) continue;
    const sub = schemaAt(properties[key]) ?? (properties[key] === undefined ? additional : undefined);
    if (!sub) continue;
    if (entry === null && sub.nullable !== true && properties[key] === undefined) {
      Reflect.deleteProperty(value, key);
      continue;
    }
    defaultValue(entry, sub);
  }
}

/** Applies the schema's defaults in place (after pruning, on write and on read). */
export function applySchemaDefaults(object: JsonObject, schema: Schema): JsonObject {
  const metadata = object.metadata;
  defaultValue(object, schema);
  if (metadata !== undefined) object.metadata = metadata;
  return object;
}

// ---------------------------------------------------------------- validation

function typeName(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (isObject(value)) return 'object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function hasType(value: JsonValue, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

/** Go's `%v` of a value in "Invalid value: ..." messages: strings quoted, objects named by type. */
function shown(value: JsonValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || isObject(value) || Array.isArray(value)) return JSON.stringify(typeName(value));
  return String(value);
}

const compiledPatterns = new Map<string, RE2JS | undefined>();

/** Go's `regexp.MatchString`; a pattern Go cannot compile would have been refused with the CRD. */
function matchesPattern(pattern: string, value: string): boolean {
  if (!compiledPatterns.has(pattern)) {
    let compiled: RE2JS | undefined;
    try {
      compiled = RE2JS.compile(pattern);
    } catch {
      compiled = undefined;
    }
    compiledPatterns.set(pattern, compiled);
  }
  const compiled = compiledPatterns.get(pattern);
  return compiled === undefined || compiled.matcher(value).find();
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

class Validator {
  readonly causes: FieldCause[] = [];

  add(reason: FieldCause['reason'], field: string, message: string): void {
    if (!this.causes.some((c) => c.field === field && c.message === message)) {
      this.causes.push({ reason, field, message });
    }
  }

  node(value: JsonValue, schema: Schema, path: string): void {
    if (value === null) {
      if (schema.nullable === true) return;
      if (typeof schema.type === 'string') this.typeError(value, schema.type, path);
      return;
    }
    if (schema['x-kubernetes-int-or-string'] === true) {
      if (!hasType(value, 'integer') && !hasType(value, 'string')) this.typeError(value, 'integer', path);
      return;
    }
    if (typeof schema.type === 'string' && !hasType(value, schema.type)) {
      this.typeError(value, schema.type, path);
      return;
    }
    this.enumeration(value, schema, path);
    if (typeof value === 'string') this.string(value, schema, path);
    if (typeof value === 'number') this.number(value, schema, path);
    if (Array.isArray(value)) this.array(value, schema, path);
    if (isObject(value)) this.object(value, schema, path);
    this.combinators(value, schema, path);
  }

  private typeError(value: JsonValue, type: string, path: string): void {
    this.add(
      'FieldValueTypeInvalid',
      path,
      `Invalid value: ${shown(value)}: ${path} in body must be of type ${type}: ${JSON.stringify(typeName(value))}`,
    );
  }

  private enumeration(value: JsonValue, schema: Schema, path: string): void {
    if (!Array.isArray(schema.enum)) return;
    if (schema.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) return;
    const supported = schema.enum.map((allowed) => JSON.stringify(allowed)).join(', ');
    this.add(
      'FieldValueNotSupported',
      path,
      `Unsupported value: ${shown(value)}: supported values: ${supported}`,
    );
  }

  private string(value: string, schema: Schema, path: string): void {
    if (typeof schema.pattern === 'string' && !matchesPattern(schema.pattern, value)) {
      this.add(
        'FieldValueInvalid',
        path,
        `Invalid value: ${shown(value)}: ${path} in body should match '${schema.pattern}'`,
      );
    }
    // kube-openapi counts runes, not bytes.
    const length = Array.from(value).length;
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) {
      this.add('FieldValueTooLong', path, `Too long: may not be more than ${schema.maxLength} bytes`);
    }
    if (typeof schema.minLength === 'number' && length < schema.minLength) {
      this.add(
        'FieldValueInvalid',
        path,
        `Invalid value: ${shown(value)}: ${path} in body should be at least ${schema.minLength} chars long`,
      );
    }
    if (schema.format === 'date-time' && !DATE_TIME.test(value)) {
      this.add(
        'FieldValueInvalid',
        path,
        `Invalid value: ${shown(value)}: ${path} in body must be of type date-time: ${shown(value)}`,
      );
    }
  }

  private number(value: number, schema: Schema, path: string): void {
    const { minimum, maximum } = schema;
    if (typeof minimum === 'number') {
      const exclusive = schema.exclusiveMinimum === true;
      if (exclusive ? value <= minimum : value < minimum) {
        const relation = exclusive ? 'greater than' : 'greater than or equal to';
        this.add(
          'FieldValueInvalid',
          path,
          `Invalid value: ${value}: ${path} in body should be ${relation} ${minimum}`,
        );
      }
    }
    if (typeof maximum === 'number') {
      const exclusive = schema.exclusiveMaximum === true;
      if (exclusive ? value >= maximum : value > maximum) {
        const relation = exclusive ? 'less than' : 'less than or equal to';
        this.add(
          'FieldValueInvalid',
          path,
          `Invalid value: ${value}: ${path} in body should be ${relation} ${maximum}`,
        );
      }
    }
  }

  private array(value: JsonValue[], schema: Schema, path: string): void {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
      this.add(
        'FieldValueTooMany',
        path,
        `Too many: ${value.length}: must have at most ${schema.maxItems} items`,
      );
    }
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
      this.add(
        'FieldValueInvalid',
        path,
        `Invalid value: ${value.length}: ${path} in body should have at least ${schema.minItems} items`,
      );
    }
    const items = schemaAt(schema.items);
    if (items) {
      value.forEach((item, index) => {
        this.node(item, items, `${path}[${index}]`);
      });
    }
  }

  private object(value: JsonObject, schema: Schema, path: string): void {
    const prefix = path === '' ? '' : `${path}.`;
    if (Array.isArray(schema.required)) {
      for (const name of schema.required) {
        if (typeof name === 'string' && value[name] === undefined) {
          this.add('FieldValueRequired', `${prefix}${name}`, 'Required value');
        }
      }
    }
    const properties = schemaAt(schema.properties) ?? {};
    const additional = schemaAt(schema.additionalProperties);
    for (const [key, entry] of Object.entries(value)) {
      if (entry === undefined || (path === '' && key === 'metadata')) continue;
      const declared = schemaAt(properties[key]);
      if (declared) this.node(entry, declared, `${prefix}${key}`);
      else if (additional) this.node(entry, additional, `${path}[${key}]`);
    }
  }

  private branchValid(
    value: JsonValue,
    schema: Schema,
    path: string,
  ): { valid: boolean; causes: FieldCause[] } {
    const branch = new Validator();
    branch.node(value, schema, path);
    return { valid: branch.causes.length === 0, causes: branch.causes };
  }

  /** When no alternative holds, kube-openapi reports what each alternative missed as well. */
  private adopt(results: { causes: FieldCause[] }[]): void {
    for (const cause of results.flatMap((result) => result.causes)) {
      this.add(cause.reason, cause.field, cause.message);
    }
  }

  private combinators(value: JsonValue, schema: Schema, path: string): void {
    const field = path;
    if (Array.isArray(schema.allOf)) {
      for (const sub of schema.allOf) if (isObject(sub)) this.node(value, sub, path);
    }
    if (Array.isArray(schema.oneOf)) {
      const results = schema.oneOf.filter(isObject).map((sub) => this.branchValid(value, sub, path));
      const valid = results.filter((result) => result.valid).length;
      if (valid !== 1) {
        if (valid === 0) this.adopt(results);
        const found = valid === 0 ? 'Found none valid' : `Found ${valid} valid alternatives`;
        this.add(
          'FieldValueInvalid',
          field,
          `Invalid value: ${shown(value)}: must validate one and only one schema (oneOf). ${found}`,
        );
      }
    }
    if (Array.isArray(schema.anyOf)) {
      const results = schema.anyOf.filter(isObject).map((sub) => this.branchValid(value, sub, path));
      if (!results.some((result) => result.valid)) {
        this.adopt(results);
        this.add(
          'FieldValueInvalid',
          field,
          `Invalid value: ${shown(value)}: must validate at least one schema (anyOf)`,
        );
      }
    }
    if (isObject(schema.not) && this.branchValid(value, schema.not, path).valid) {
      this.add(
        'FieldValueInvalid',
        field,
        `Invalid value: ${shown(value)}: must not validate the schema (not)`,
      );
    }
  }
}

/** Every violation of the schema, with kube-apiserver's field paths and reasons. */
export function validateObject(object: JsonObject, schema: Schema): FieldCause[] {
  const validator = new Validator();
  validator.node(object, schema, '');
  return validator.causes;
}
