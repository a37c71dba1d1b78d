/**
 * The Gateway API HTTPRoute schema the test API server serves: the standard channel of
 * Gateway API v1.6 (the current release), with its CEL rules.
 *
 * Two sources, one of them chosen per process:
 *
 * - `SERIN_GATEWAY_API_CRDS` naming a file (a release's `standard-install.yaml`, or the HTTPRoute
 *   CRD alone): the CRD's own `openAPIV3Schema` per version, CEL rules and all, exactly as a
 *   cluster with that release installed serves it. No npm or Debian package ships the CRD YAML, so
 *   this is how a developer runs the suites against the real rule text.
 * - otherwise, the structural schema recovered from the pinned `@kubernetes-models/gateway-api`
 *   (generated from the v1.0 standard channel, which has no CEL: the generator drops
 *   `x-kubernetes-validations`), brought to the v1.6 standard channel by the additions below, and
 *   the CEL rules Serin's output depends on, written here as facts about the API (each states the
 *   constraint the v1.6 CRD enforces at that node; the wording of rules and messages is ours).
 *
 * Additions from v1.0 to v1.6 standard (every one checked against the v1.6.1 CRD with
 * `gateway-api-crd.test.ts` when `SERIN_GATEWAY_API_CRDS` is set): `rules` needs at least one item,
 * a rule may have a `name`, `matches` allows 64 items (was 8), filters gained `CORS` (`cors`),
 * `RequestMirror` gained `percent` and `fraction`, `RequestRedirect.statusCode` gained 303/307/308.
 * Experimental-channel fields (`retry`, `sessionPersistence`, external auth, ...) are not served:
 * a cluster with the standard channel prunes them, and so does this server.
 */
import { readFileSync } from 'node:fs';

import { parseAllDocuments } from 'yaml';

import { clone, isObject, type JsonObject, type JsonValue } from './json.js';
import { crdSchemaFromModel } from './model-crd-schemas.js';

/** The Gateway API release whose standard channel is served when no CRD file is given. */
export const GATEWAY_API_STANDARD_RELEASE = 'v1.6';

const MODELS = '@kubernetes-models/gateway-api/gateway.networking.k8s.io';
const CRDS_ENV = 'SERIN_GATEWAY_API_CRDS';

function child(schema: JsonObject, ...path: string[]): JsonObject {
  let node: JsonValue = schema;
  for (const key of path) {
    const next: JsonValue | undefined = isObject(node)
      ? key === '[]'
        ? node.items
        : isObject(node.properties)
          ? node.properties[key]
          : undefined
      : undefined;
    if (!isObject(next)) throw new Error(`HTTPRoute schema: no ${path.join('.')} to extend`);
    node = next;
  }
  return node;
}

type CelRule = { rule: string; message: string } & JsonObject;

function addRules(schema: JsonObject, rules: CelRule[]): void {
  const existing = Array.isArray(schema['x-kubernetes-validations'])
    ? schema['x-kubernetes-validations']
    : [];
  schema['x-kubernetes-validations'] = [...existing, ...rules.map((rule) => ({ ...rule }))];
}

const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const HEADER_NAME = "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$";
const ORIGIN =
  '(^\\*$)|(^(http(s)?):\\/\\/(((\\*\\.)?([a-zA-Z0-9\\-]+\\.)*[a-zA-Z0-9-]+|\\*)(:([0-9]{1,5}))?)$)';
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', '*'];

/** A `*` wildcard stands alone in a CORS list. */
function wildcardAlone(what: string): CelRule[] {
  return [{ rule: "'*' in self ? self.size() == 1 : true", message: `${what}: '*' must be the only entry` }];
}

function corsSchema(): JsonObject {
  const headerList = (extra: CelRule[]): JsonObject => ({
    type: 'array',
    maxItems: 64,
    items: { type: 'string', minLength: 1, maxLength: 256, pattern: HEADER_NAME },
    ...(extra.length > 0 ? { 'x-kubernetes-validations': extra.map((r) => ({ ...r })) } : {}),
  });
  return {
    type: 'object',
    properties: {
      allowCredentials: { type: 'boolean' },
      allowHeaders: headerList(wildcardAlone('allowHeaders')),
      allowMethods: {
        type: 'array',
        maxItems: 9,
        items: { type: 'string', enum: METHODS },
        'x-kubernetes-validations': wildcardAlone('allowMethods'),
      },
      allowOrigins: {
        type: 'array',
        maxItems: 64,
        items: { type: 'string', minLength: 1, maxLength: 253, pattern: ORIGIN },
        'x-kubernetes-validations': wildcardAlone('allowOrigins'),
      },
      exposeHeaders: headerList([]),
      maxAge: { type: 'integer', format: 'int32', minimum: 1, default: 5 },
    },
  };
}

const FILTER_FIELDS: Record<string, string> = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestMirror: 'requestMirror',
  RequestRedirect: 'requestRedirect',
  URLRewrite: 'urlRewrite',
  ExtensionRef: 'extensionRef',
  CORS: 'cors',
};

/** A filter carries the field of its type and no other filter's field. */
function filterRules(): CelRule[] {
  return Object.entries(FILTER_FIELDS).map(([type, field]) => ({
    rule: `has(self.${field}) == (self.type == '${type}')`,
    message: `filter.${field} is set exactly when filter.type is ${type}`,
  }));
}

/** A filter list repeats no filter type but RequestMirror and ExtensionRef, and never redirects and rewrites at once. */
function filterListRules(): CelRule[] {
  const single = ['CORS', 'RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite'];
  return [
    {
      rule: "self.exists(f, f.type == 'RequestRedirect') ? !self.exists(f, f.type == 'URLRewrite') : true",
      message: 'RequestRedirect and URLRewrite filters are mutually exclusive',
    },
    ...single.map((type) => ({
      rule: `size(self.filter(f, f.type == '${type}')) < 2`,
      message: `at most one ${type} filter`,
    })),
  ];
}

/** The path modifier's type names the one replacement field it carries. */
function pathModifierRules(): CelRule[] {
  return ['ReplaceFullPath', 'ReplacePrefixMatch'].flatMap((type) => {
    const field = type === 'ReplaceFullPath' ? 'replaceFullPath' : 'replacePrefixMatch';
    return [
      { rule: `self.type != '${type}' || has(self.${field})`, message: `type ${type} needs ${field}` },
      { rule: `!has(self.${field}) || self.type == '${type}'`, message: `${field} needs type ${type}` },
    ];
  });
}

const SERVICE_PORT: CelRule = {
  rule: "self.kind != 'Service' || size(self.group) > 0 || has(self.port)",
  message: 'a Service backend needs a port',
};

function extendFilter(filter: JsonObject): void {
  const type = child(filter, 'type');
  type.enum = Object.keys(FILTER_FIELDS);
  filter.properties = { ...(filter.properties as JsonObject), cors: corsSchema() };
  const mirror = child(filter, 'requestMirror');
  mirror.properties = {
    ...(mirror.properties as JsonObject),
    percent: { type: 'integer', format: 'int32', minimum: 0, maximum: 100 },
    fraction: {
      type: 'object',
      required: ['numerator'],
      properties: {
        numerator: { type: 'integer', format: 'int32', minimum: 0 },
        denominator: { type: 'integer', format: 'int32', minimum: 1, default: 100 },
      },
      'x-kubernetes-validations': [
        { rule: 'self.denominator >= self.numerator', message: 'fraction: numerator above denominator' },
      ],
    },
  };
  addRules(mirror, [
    {
      rule: '!has(self.percent) || !has(self.fraction)',
      message: 'requestMirror: percent or fraction, not both',
    },
  ]);
  addRules(child(filter, 'requestMirror', 'backendRef'), [SERVICE_PORT]);
  child(filter, 'requestRedirect', 'statusCode').enum = [301, 302, 303, 307, 308];
  addRules(child(filter, 'requestRedirect', 'path'), pathModifierRules());
  addRules(child(filter, 'urlRewrite', 'path'), pathModifierRules());
  addRules(filter, filterRules());
}

/** `<list>.exists_one(f, <filter f replaces the matched prefix by <kind>>)` over a filter list expression. */
function prefixReplacement(list: string, kind: 'urlRewrite' | 'requestRedirect'): string {
  return (
    `has(${list}) && ${list}.exists_one(f, has(f.${kind}) && has(f.${kind}.path) && ` +
    `f.${kind}.path.type == 'ReplacePrefixMatch' && has(f.${kind}.path.replacePrefixMatch))`
  );
}

const ONE_PREFIX_MATCH =
  "size(self.matches) == 1 && has(self.matches[0].path) && self.matches[0].path.type == 'PathPrefix'";

/** Replacing the matched prefix needs exactly one match, a PathPrefix one: in the rule or any backend. */
function ruleRules(): CelRule[] {
  const kinds = [
    ['urlRewrite', 'URLRewrite'],
    ['requestRedirect', 'RequestRedirect'],
  ] as const;
  return [
    {
      rule: '!has(self.backendRefs) || size(self.backendRefs) == 0 || !has(self.filters) || !self.filters.exists(f, has(f.requestRedirect))',
      message: 'a rule with backendRefs cannot redirect',
    },
    ...kinds.flatMap(([field, name]) => [
      {
        rule: `!(${prefixReplacement('self.filters', field)}) || (${ONE_PREFIX_MATCH})`,
        message: `${name} with ReplacePrefixMatch needs exactly one PathPrefix match`,
      },
      {
        rule: `!(has(self.backendRefs) && self.backendRefs.exists_one(b, ${prefixReplacement('b.filters', field)})) || (${ONE_PREFIX_MATCH})`,
        message: `a backend's ${name} with ReplacePrefixMatch needs exactly one PathPrefix match`,
      },
    ]),
  ];
}

/** Exact and PathPrefix values are normalised absolute paths of URL path characters. */
function pathMatchRules(): CelRule[] {
  const literal = "self.type == 'RegularExpression'";
  const forbidden = ['//', '/./', '/../', '%2f', '%2F', '#'];
  return [
    { rule: `${literal} || self.value.startsWith('/')`, message: 'a path starts with /' },
    ...forbidden.map((part) => ({
      rule: `${literal} || !self.value.contains('${part}')`,
      message: `a path does not contain ${part}`,
    })),
    ...['/..', '/.'].map((end) => ({
      rule: `${literal} || !self.value.endsWith('${end}')`,
      message: `a path does not end with ${end}`,
    })),
    {
      rule: `${literal} || self.value.matches(r"^([-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$")`,
      message: 'a path holds URL path characters and %-escapes only',
    },
  ];
}

const PARENT_KEY = (p: string) =>
  `[${p}.group, ${p}.kind, ${p}.name, has(${p}.__namespace__) ? ${p}.__namespace__ : '']`;
const SECTION = (p: string) => `(has(${p}.sectionName) ? ${p}.sectionName : '')`;

function parentRefRules(): CelRule[] {
  return [
    {
      rule: `self.all(a, self.all(b, ${PARENT_KEY('a')} != ${PARENT_KEY('b')} || (${SECTION('a')} == '') == (${SECTION('b')} == '')))`,
      message: 'parentRefs to one parent all name a sectionName, or none does',
    },
    {
      rule: `self.all(a, size(self.filter(b, ${PARENT_KEY('a')} == ${PARENT_KEY('b')} && ${SECTION('a')} == ${SECTION('b')})) == 1)`,
      message: 'parentRefs to one parent name distinct sectionNames',
    },
  ];
}

/** The v1.0 standard-channel model schema brought to the v1.6 standard channel. */
export function standardHttpRouteSchema(version: 'v1' | 'v1beta1'): JsonObject {
  const schema = clone(crdSchemaFromModel(`${MODELS}/${version}/HTTPRoute`));
  const rules = child(schema, 'spec', 'rules');
  rules.minItems = 1;
  const rule = child(rules, '[]');
  rule.properties = {
    ...(rule.properties as JsonObject),
    name: { type: 'string', minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN },
  };
  addRules(rule, ruleRules());
  const matches = child(rule, 'matches');
  matches.maxItems = 64;
  addRules(child(matches, '[]', 'path'), pathMatchRules());
  addRules(child(rule, 'timeouts'), [
    {
      rule: "!has(self.request) || !has(self.backendRequest) || duration(self.request) == duration('0s') || duration(self.backendRequest) <= duration(self.request)",
      message: 'timeouts: backendRequest longer than request',
    },
  ]);
  for (const filters of [child(rule, 'filters'), child(rule, 'backendRefs', '[]', 'filters')]) {
    extendFilter(child(filters, '[]'));
    addRules(filters, filterListRules());
  }
  addRules(child(rule, 'backendRefs', '[]'), [SERVICE_PORT]);
  addRules(child(schema, 'spec', 'parentRefs'), parentRefRules());
  return schema;
}

/** The HTTPRoute CRD's openAPIV3Schema per version, from a release's install YAML. */
export function httpRouteSchemasFromCrdFile(file: string): Record<string, JsonObject> {
  const documents = parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => doc.toJSON() as unknown);
  const crd = documents.find(
    (doc): doc is JsonObject =>
      isObject(doc as JsonValue) &&
      (doc as JsonObject).kind === 'CustomResourceDefinition' &&
      isObject((doc as JsonObject).metadata) &&
      ((doc as JsonObject).metadata as JsonObject).name === 'httproutes.gateway.networking.k8s.io',
  );
  if (!crd) throw new Error(`${CRDS_ENV}=${file}: no httproutes.gateway.networking.k8s.io CRD in it`);
  const versions = isObject(crd.spec) && Array.isArray(crd.spec.versions) ? crd.spec.versions : [];
  const out: Record<string, JsonObject> = {};
  for (const entry of versions) {
    if (!isObject(entry) || typeof entry.name !== 'string') continue;
    const schema = isObject(entry.schema) ? entry.schema.openAPIV3Schema : undefined;
    if (isObject(schema)) out[entry.name] = schema;
  }
  return out;
}

/** Where the served HTTPRoute schema comes from: the CRD file named in the environment, or the built-in facts. */
export function httpRouteSchemas(): Record<string, JsonObject> {
  const file = process.env[CRDS_ENV];
  if (file !== undefined && file !== '') return httpRouteSchemasFromCrdFile(file);
  return { v1: standardHttpRouteSchema('v1'), v1beta1: standardHttpRouteSchema('v1beta1') };
}
