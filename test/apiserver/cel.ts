/**
 * CEL `x-kubernetes-validations` of a CRD's structural schema, evaluated as kube-apiserver's
 * apiextensions validator does (k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel), with
 * `@bufbuild/cel` as the CEL runtime:
 *
 * - a rule runs at its schema node for every value present there (absent and `null` values are
 *   not validated), after defaulting, with `self` bound to that value;
 * - values are typed by the schema: `integer` is CEL `int` (a bigint here), `number` is `double`,
 *   an object with `properties` is an object whose property names are escaped as Kubernetes
 *   escapes them (a CEL keyword `k` becomes `__k__`, `__` `__underscores__`, `.` `__dot__`,
 *   `-` `__dash__`, `/` `__slash__`), a map (`additionalProperties`) keeps its keys;
 * - a rule that reads `oldSelf` is a transition rule: it runs only on an update, where an old
 *   value exists at the same place;
 * - a failed rule is one cause at the node's field path (plus the rule's `fieldPath`), reason
 *   `FieldValueInvalid` unless the rule names another, message `Invalid value: "<type>": <message>`
 *   (`messageExpression` evaluated when it yields a string);
 * - a rule that does not compile or fails at run time is reported at its path, never skipped.
 *
 * Not modelled: the cost budget, `format: date-time`/`duration` as CEL timestamps and durations,
 * the Kubernetes library functions (`isURL`, `quantity`, `ip`, ...) beyond the standard library.
 */
import { celEnv, isCelError, parse, plan, type CelResult } from '@bufbuild/cel';

import { isObject, type JsonObject, type JsonValue } from './json.js';
import type { FieldCause, Schema } from './structural-schema.js';

type CelInput = bigint | number | string | boolean | null | CelInput[] | Map<string, CelInput>;

/** The names CEL reserves: a property so named is read as `__name__`. */
const CEL_KEYWORDS = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

/** Kubernetes' escaping of a property name for CEL (`namespace` → `__namespace__`). */
export function escapeCelProperty(name: string): string {
  if (CEL_KEYWORDS.has(name)) return `__${name}__`;
  return name
    .replaceAll('__', '__underscores__')
    .replaceAll('.', '__dot__')
    .replaceAll('-', '__dash__')
    .replaceAll('/', '__slash__');
}

function schemaAt(value: JsonValue | undefined): Schema | undefined {
  return isObject(value) ? value : undefined;
}

/** A JSON value as CEL sees it under its schema (types and property names as Kubernetes gives them). */
export function celValue(value: JsonValue, schema: Schema | undefined): CelInput {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    const integer = schema?.type === 'integer' || (schema?.type !== 'number' && Number.isInteger(value));
    return integer ? BigInt(value) : value;
  }
  if (Array.isArray(value)) {
    const items = schemaAt(schema?.items);
    return value.map((item) => celValue(item, items));
  }
  const properties = schemaAt(schema?.properties);
  const additional = schemaAt(schema?.additionalProperties);
  const out = new Map<string, CelInput>();
  for (const [key, entry] of Object.entries(value)) {
    if (entry === undefined) continue;
    const declared = schemaAt(properties?.[key]);
    if (declared) out.set(escapeCelProperty(key), celValue(entry, declared));
    else if (properties && !additional) out.set(escapeCelProperty(key), celValue(entry, undefined));
    else out.set(key, celValue(entry, additional));
  }
  return out;
}

type Program = (bindings: Record<string, CelInput>) => CelResult;

const env = celEnv();
const programs = new Map<string, Program | Error>();

/** The compiled rule, or the reason it does not compile (kept, so each rule compiles once). */
function compile(expression: string): Program | Error {
  let program = programs.get(expression);
  if (program === undefined) {
    try {
      const planned = plan(env, parse(expression));
      program = (bindings) => planned(bindings);
    } catch (error) {
      program = error instanceof Error ? error : new Error(String(error));
    }
    programs.set(expression, program);
  }
  return program;
}

/** Evaluates one expression; a compile or run-time error comes back as an `Error`. */
export function evaluateCel(expression: string, bindings: Record<string, CelInput>): unknown {
  const program = compile(expression);
  if (program instanceof Error) return program;
  const result = program(bindings);
  if (isCelError(result)) return new Error(result.message);
  return result;
}

interface Rule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
}

function rulesOf(schema: Schema): Rule[] {
  const rules = schema['x-kubernetes-validations'];
  if (!Array.isArray(rules)) return [];
  return rules.filter(isObject).flatMap((rule) => {
    if (typeof rule.rule !== 'string') return [];
    const text = (key: string) => (typeof rule[key] === 'string' ? rule[key] : undefined);
    return [
      {
        rule: rule.rule,
        message: text('message'),
        messageExpression: text('messageExpression'),
        reason: text('reason'),
        fieldPath: text('fieldPath'),
      },
    ];
  });
}

const REASONS: Record<string, FieldCause['reason']> = {
  FieldValueInvalid: 'FieldValueInvalid',
  FieldValueForbidden: 'FieldValueForbidden',
  FieldValueRequired: 'FieldValueRequired',
  FieldValueDuplicate: 'FieldValueDuplicate',
};

/** The type kube-apiserver names in `Invalid value: "<type>"` for a CEL failure. */
function schemaTypeName(schema: Schema, value: JsonValue): string {
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(value)) return 'array';
  if (isObject(value)) return 'object';
  return typeof value;
}

function joinPath(path: string, fieldPath: string | undefined): string {
  if (fieldPath === undefined || fieldPath === '') return path;
  const relative = fieldPath.startsWith('.') ? fieldPath.slice(1) : fieldPath;
  return path === '' ? relative : `${path}.${relative}`;
}

class CelValidator {
  readonly causes: FieldCause[] = [];

  node(value: JsonValue, old: JsonValue | undefined, schema: Schema, path: string): void {
    if (value === null) return;
    this.rules(value, old, schema, path);
    if (Array.isArray(value)) {
      const items = schemaAt(schema.items);
      if (!items) return;
      // Kubernetes pairs old and new list items by index only for atomic lists it can correlate;
      // transition rules on list items are not used by the schemas served here.
      value.forEach((item, index) => {
        this.node(item, undefined, items, `${path}[${index}]`);
      });
      return;
    }
    if (!isObject(value)) return;
    const properties = schemaAt(schema.properties) ?? {};
    const additional = schemaAt(schema.additionalProperties);
    const prefix = path === '' ? '' : `${path}.`;
    const oldObject = isObject(old) ? old : undefined;
    for (const [key, entry] of Object.entries(value)) {
      if (entry === undefined || (path === '' && key === 'metadata')) continue;
      const declared = schemaAt(properties[key]);
      if (declared) this.node(entry, oldObject?.[key], declared, `${prefix}${key}`);
      else if (additional) this.node(entry, oldObject?.[key], additional, `${path}[${key}]`);
    }
  }

  private rules(value: JsonValue, old: JsonValue | undefined, schema: Schema, path: string): void {
    const rules = rulesOf(schema);
    if (rules.length === 0) return;
    const self = celValue(value, schema);
    const oldSelf = old === undefined || old === null ? undefined : celValue(old, schema);
    for (const rule of rules) {
      const transition = /\boldSelf\b/.test(rule.rule);
      if (transition && oldSelf === undefined) continue;
      const bindings: Record<string, CelInput> = oldSelf === undefined ? { self } : { self, oldSelf };
      const result = evaluateCel(rule.rule, bindings);
      if (result === true) continue;
      const type = schemaTypeName(schema, value);
      if (result instanceof Error) {
        this.causes.push({
          reason: 'FieldValueInvalid',
          field: path,
          message: `Invalid value: "${type}": rule "${rule.rule}" could not be evaluated: ${result.message}`,
        });
        continue;
      }
      this.causes.push({
        reason: REASONS[rule.reason ?? ''] ?? 'FieldValueInvalid',
        field: joinPath(path, rule.fieldPath),
        message: `Invalid value: "${type}": ${this.message(rule, bindings)}`,
      });
    }
  }

  private message(rule: Rule, bindings: Record<string, CelInput>): string {
    if (rule.messageExpression !== undefined) {
      const computed = evaluateCel(rule.messageExpression, bindings);
      if (typeof computed === 'string' && computed.trim() !== '') return computed;
    }
    return rule.message ?? `failed rule: ${rule.rule}`;
  }
}

/**
 * Every CEL rule of the schema that the object breaks, with kube-apiserver's paths and messages;
 * `old` is the stored object on an update (transition rules run only then).
 */
export function validateCelRules(object: JsonObject, schema: Schema, old?: JsonObject): FieldCause[] {
  const validator = new CelValidator();
  validator.node(object, old, schema, '');
  return validator.causes;
}

/** Every rule in the schema that does not compile, by path: the API server refuses such a CRD. */
export function uncompilableCelRules(schema: Schema, path = ''): string[] {
  const own = rulesOf(schema).flatMap((rule) => {
    const program = compile(rule.rule);
    return program instanceof Error ? [`${path || '<root>'}: ${rule.rule}: ${program.message}`] : [];
  });
  const children: [Schema | undefined, string][] = [
    [schemaAt(schema.items), `${path}[*]`],
    [schemaAt(schema.additionalProperties), `${path}{*}`],
    ...Object.entries(schemaAt(schema.properties) ?? {}).map(([key, sub]): [Schema | undefined, string] => [
      schemaAt(sub),
      path === '' ? key : `${path}.${key}`,
    ]),
  ];
  return [...own, ...children.flatMap(([sub, subPath]) => (sub ? uncompilableCelRules(sub, subPath) : []))];
}
