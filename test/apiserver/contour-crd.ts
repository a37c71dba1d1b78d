/**
 * Contour's HTTPProxy CRD (`projectcontour.io/v1`), the schema facts Serin's HTTPProxy depends
 * on, written in our own words from Contour's published API types: the CRD is fully structural
 * (an undeclared field is pruned), a route's services need `name` and `port` (1–65535) and take
 * a non-negative `weight`, a header condition needs a `name`, header policies set `name`/`value`
 * pairs (both non-empty), `retryPolicy.count` is at least -1 and `retryOn` one of Contour's retry
 * conditions, timeouts are Go durations or `infinity`. Parts Serin never writes (TLS, auth, rate
 * limits, ...) are kept as given rather than modelled.
 */
import type { JsonObject } from './json.js';
import { crdObject } from './standard-crds.js';

const OPAQUE: JsonObject = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const OPAQUE_LIST: JsonObject = { type: 'array', items: OPAQUE };
const string: JsonObject = { type: 'string' };
const boolean: JsonObject = { type: 'boolean' };
const DURATION: JsonObject = {
  type: 'string',
  pattern:
    '^(((\\d*(\\.\\d*)?h)|(\\d*(\\.\\d*)?m)|(\\d*(\\.\\d*)?s)|(\\d*(\\.\\d*)?ms)|(\\d*(\\.\\d*)?us)|(\\d*(\\.\\d*)?µs)|(\\d*(\\.\\d*)?ns))+|infinity|infinite)$',
};
const RETRY_ON = [
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
];

const headerValue: JsonObject = {
  type: 'object',
  required: ['name', 'value'],
  properties: { name: { type: 'string', minLength: 1 }, value: { type: 'string', minLength: 1 } },
};
const headersPolicy: JsonObject = {
  type: 'object',
  properties: { set: { type: 'array', items: headerValue }, remove: { type: 'array', items: string } },
};

const matchCondition: JsonObject = {
  type: 'object',
  properties: {
    prefix: string,
    exact: string,
    regex: string,
    header: {
      type: 'object',
      required: ['name'],
      properties: {
        name: string,
        present: boolean,
        notpresent: boolean,
        contains: string,
        notcontains: string,
        exact: string,
        notexact: string,
        regex: string,
        ignoreCase: boolean,
        treatMissingAsEmpty: boolean,
      },
    },
    queryParameter: OPAQUE,
  },
};

const service: JsonObject = {
  type: 'object',
  required: ['name', 'port'],
  properties: {
    name: string,
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    healthPort: { type: 'integer', minimum: 1, maximum: 65535 },
    protocol: { type: 'string', enum: ['h2', 'h2c', 'tls'] },
    weight: { type: 'integer', format: 'int64', minimum: 0 },
    mirror: boolean,
    validation: OPAQUE,
    requestHeadersPolicy: headersPolicy,
    responseHeadersPolicy: headersPolicy,
    cookieRewritePolicies: OPAQUE_LIST,
    slowStartPolicy: OPAQUE,
  },
};

const route: JsonObject = {
  type: 'object',
  properties: {
    name: string,
    conditions: { type: 'array', items: matchCondition },
    services: { type: 'array', items: service },
    enableWebsockets: boolean,
    permitInsecure: boolean,
    authPolicy: OPAQUE,
    timeoutPolicy: {
      type: 'object',
      properties: { response: DURATION, idle: DURATION, idleConnection: DURATION },
    },
    retryPolicy: {
      type: 'object',
      properties: {
        count: { type: 'integer', format: 'int64', minimum: -1, default: 1 },
        perTryTimeout: DURATION,
        retryOn: { type: 'array', items: { type: 'string', enum: RETRY_ON } },
        retriableStatusCodes: { type: 'array', items: { type: 'integer' } },
      },
    },
    healthCheckPolicy: OPAQUE,
    loadBalancerPolicy: OPAQUE,
    pathRewritePolicy: OPAQUE,
    requestHeadersPolicy: headersPolicy,
    responseHeadersPolicy: headersPolicy,
    cookieRewritePolicies: OPAQUE_LIST,
    rateLimitPolicy: OPAQUE,
    requestRedirectPolicy: OPAQUE,
    directResponsePolicy: OPAQUE,
    internalRedirectPolicy: OPAQUE,
    ipAllowPolicy: OPAQUE_LIST,
    ipDenyPolicy: OPAQUE_LIST,
    jwtVerificationPolicy: OPAQUE,
  },
};

const httpProxySchema: JsonObject = {
  type: 'object',
  required: ['spec'],
  properties: {
    spec: {
      type: 'object',
      properties: {
        virtualhost: { ...OPAQUE, required: ['fqdn'], properties: { fqdn: string } },
        routes: { type: 'array', items: route },
        includes: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name'],
            properties: {
              name: string,
              namespace: string,
              conditions: { type: 'array', items: matchCondition },
            },
          },
        },
        tcpproxy: OPAQUE,
        ingressClassName: string,
      },
    },
    status: OPAQUE,
  },
};

export function contourCrds(): JsonObject[] {
  return [
    crdObject({
      group: 'projectcontour.io',
      kind: 'HTTPProxy',
      plural: 'httpproxies',
      versions: ['v1'],
      shortNames: ['proxy', 'proxies'],
      schemas: { v1: httpProxySchema },
      columns: [
        { name: 'FQDN', type: 'string', jsonPath: '.spec.virtualhost.fqdn' },
        { name: 'Status', type: 'string', jsonPath: '.status.currentStatus' },
      ],
    }),
  ];
}
