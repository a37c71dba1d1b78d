/**
 * APISIX's ApisixRoute (`apisix.apache.org/v2`), as a cluster with the APISIX ingress controller's
 * CRDs installed serves it. No npm package carries this CRD, so its structural schema is written
 * here as facts, from the published CRD (apache/apisix-ingress-controller,
 * `config/crd/bases/apisix.apache.org_apisixroutes.yaml`): the HTTP routes are declared field by
 * field (Serin copies a user's route and must keep every field a cluster keeps, and nothing it
 * prunes); stream routes and plugin configs are kept as they come.
 */
import { crdObject } from './standard-crds.js';
import type { JsonObject } from './json.js';

const KEPT: JsonObject = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const STRING: JsonObject = { type: 'string' };
const STRINGS: JsonObject = { type: 'array', items: STRING };
const object = (properties: JsonObject, required?: string[]): JsonObject => ({
  type: 'object',
  properties,
  ...(required ? { required } : {}),
});

const BACKEND = object(
  {
    serviceName: STRING,
    servicePort: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
    resolveGranularity: STRING,
    subset: STRING,
    weight: { type: 'integer' },
  },
  ['serviceName', 'servicePort'],
);

const EXPRESSION = object(
  {
    op: STRING,
    set: STRINGS,
    value: STRING,
    subject: {
      ...object(
        {
          name: STRING,
          scope: { type: 'string', enum: ['Header', 'Query', 'Path', 'Cookie', 'Variable', 'Body'] },
        },
        ['scope'],
      ),
      'x-kubernetes-validations': [
        {
          rule: "self.scope == 'Path' || size(self.name) > 0",
          message: 'name is required when scope is not Path',
        },
      ],
    },
  },
  ['op', 'subject'],
);

const HTTP_ROUTE = object(
  {
    name: STRING,
    priority: { type: 'integer' },
    timeout: object({ connect: STRING, read: STRING, send: STRING }),
    match: object(
      {
        paths: STRINGS,
        methods: STRINGS,
        hosts: STRINGS,
        remoteAddrs: STRINGS,
        exprs: { type: 'array', items: EXPRESSION },
        filter_func: STRING,
      },
      ['paths'],
    ),
    backends: { type: 'array', items: BACKEND },
    upstreams: { type: 'array', items: object({ name: STRING, weight: { type: 'integer' } }) },
    websocket: { type: 'boolean' },
    plugin_config_name: STRING,
    plugin_config_namespace: STRING,
    plugins: {
      type: 'array',
      items: object(
        {
          name: STRING,
          enable: { type: 'boolean', default: true },
          config: { 'x-kubernetes-preserve-unknown-fields': true },
          secretRef: STRING,
        },
        ['enable', 'name'],
      ),
    },
    authentication: object(
      {
        enable: { type: 'boolean' },
        type: STRING,
        keyAuth: object({ header: STRING }),
        jwtAuth: object({ cookie: STRING, header: STRING, query: STRING }),
        ldapAuth: object({ base_dn: STRING, ldap_uri: STRING, uid: STRING, use_tls: { type: 'boolean' } }),
      },
      ['enable', 'type'],
    ),
  },
  ['name'],
);

export const APISIX_ROUTE_SCHEMA: JsonObject = object({
  apiVersion: STRING,
  kind: STRING,
  metadata: { type: 'object' },
  spec: object({
    ingressClassName: STRING,
    http: {
      type: 'array',
      items: HTTP_ROUTE,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    },
    stream: { type: 'array', items: KEPT },
  }),
  status: KEPT,
});

export function apisixCrds(): JsonObject[] {
  return [
    crdObject({
      group: 'apisix.apache.org',
      kind: 'ApisixRoute',
      plural: 'apisixroutes',
      versions: ['v2'],
      shortNames: ['ar'],
      schemas: { v2: APISIX_ROUTE_SCHEMA },
    }),
  ];
}
