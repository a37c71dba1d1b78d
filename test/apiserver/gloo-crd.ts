/**
 * Gloo Edge's RouteTable (`gateway.solo.io/v1`) and Upstream (`gloo.solo.io/v1`) CRDs: the schema
 * facts Serin's objects depend on, in our own words from Gloo's published API (the proto-generated
 * CRDs): a route's `matchers` hold header matchers (`name`, `value`, `regex`, `invertMatch`),
 * methods and path matchers; `routeAction.multi.destinations` hold an upstream reference and a
 * non-negative integer `weight`; a kube Upstream names its Service, namespace, port (an integer)
 * and an optional string-to-string pod selector. Settings Serin only copies from the user's
 * Upstream (TLS, circuit breakers, ...) are kept as given rather than modelled.
 */
import type { JsonObject } from './json.js';
import { crdObject } from './standard-crds.js';

const OPAQUE: JsonObject = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const string: JsonObject = { type: 'string' };
const boolean: JsonObject = { type: 'boolean' };
const resourceRef: JsonObject = { type: 'object', properties: { name: string, namespace: string } };

const matcher: JsonObject = {
  type: 'object',
  properties: {
    prefix: string,
    exact: string,
    regex: string,
    connectMatcher: OPAQUE,
    caseSensitive: { type: 'boolean', nullable: true },
    headers: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: string, value: string, regex: boolean, invertMatch: boolean },
      },
    },
    queryParameters: {
      type: 'array',
      items: { type: 'object', properties: { name: string, value: string, regex: boolean } },
    },
    methods: { type: 'array', items: string },
  },
};

const destination: JsonObject = {
  type: 'object',
  properties: {
    upstream: resourceRef,
    kube: OPAQUE,
    consul: OPAQUE,
    destinationSpec: OPAQUE,
    subset: OPAQUE,
  },
};

const routeAction: JsonObject = {
  type: 'object',
  properties: {
    single: destination,
    multi: {
      type: 'object',
      properties: {
        destinations: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              destination,
              weight: { type: 'integer', minimum: 0, maximum: 4294967295, nullable: true },
              options: OPAQUE,
            },
          },
        },
      },
    },
    upstreamGroup: resourceRef,
    clusterHeader: string,
    dynamicForwardProxy: OPAQUE,
  },
};

const route: JsonObject = {
  type: 'object',
  properties: {
    name: string,
    matchers: { type: 'array', items: matcher },
    inheritableMatchers: { type: 'boolean', nullable: true },
    inheritablePathMatchers: { type: 'boolean', nullable: true },
    routeAction,
    redirectAction: OPAQUE,
    directResponseAction: OPAQUE,
    delegateAction: OPAQUE,
    graphqlApiRef: OPAQUE,
    options: OPAQUE,
  },
};

const routeTableSchema: JsonObject = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: { routes: { type: 'array', items: route }, weight: { type: 'integer', nullable: true } },
    },
    status: OPAQUE,
  },
};

const upstreamSchema: JsonObject = {
  type: 'object',
  properties: {
    spec: {
      ...OPAQUE,
      properties: {
        kube: {
          type: 'object',
          properties: {
            serviceName: string,
            serviceNamespace: string,
            servicePort: { type: 'integer', minimum: 0, maximum: 4294967295 },
            selector: { type: 'object', additionalProperties: string },
            serviceSpec: OPAQUE,
            subsetSpec: OPAQUE,
          },
        },
        labels: { type: 'object', additionalProperties: string },
        useHttp2: { type: 'boolean', nullable: true },
        initialStreamWindowSize: { type: 'integer', minimum: 0, nullable: true },
        initialConnectionWindowSize: { type: 'integer', minimum: 0, nullable: true },
        httpProxyHostname: { type: 'string', nullable: true },
      },
    },
    status: OPAQUE,
  },
};

export function glooCrds(): JsonObject[] {
  return [
    crdObject({
      group: 'gateway.solo.io',
      kind: 'RouteTable',
      plural: 'routetables',
      versions: ['v1'],
      shortNames: ['rt'],
      categories: ['gloo', 'solo-io'],
      schemas: { v1: routeTableSchema },
    }),
    crdObject({
      group: 'gloo.solo.io',
      kind: 'Upstream',
      plural: 'upstreams',
      versions: ['v1'],
      shortNames: ['us'],
      categories: ['gloo', 'solo-io'],
      schemas: { v1: upstreamSchema },
    }),
  ];
}
