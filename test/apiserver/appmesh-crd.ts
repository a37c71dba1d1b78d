/**
 * AWS App Mesh's VirtualNode, VirtualRouter and VirtualService (`appmesh.k8s.aws/v1beta2`), as a
 * cluster with the App Mesh controller's CRDs installed serves them. No package carries these
 * schemas, so these are the facts Serin's output depends on, written from the published CRDs
 * (aws/aws-app-mesh-controller-for-k8s `config/crd/bases/appmesh.k8s.aws_*.yaml`): the root keeps
 * unknown fields but `spec` is structural (an undeclared field there is pruned); ports are 1–65535
 * and protocols one of grpc/http/http2/tcp; a listener needs its `portMapping`, a router at least
 * one listener; a route needs a `name`, at most priority 1000, an `httpRoute` with `match` and
 * `action`, 1–10 weighted targets each with a `weight` of 0–100; header matches name 1–50
 * characters and match 1–255; retry events are App Mesh's four HTTP events and a retry policy
 * needs `maxRetries` and `perRetryTimeout`; durations are `{unit: s|ms, value ≥ 0}`; DNS discovery
 * needs a `hostname`; a backend needs its `virtualService`; `meshRef` needs `name` and `uid`.
 * What Serin never writes (TLS, health checks, connection pools, outlier detection, gRPC, HTTP/2
 * and TCP routes, Cloud Map discovery) is kept as it comes rather than modelled.
 */
import type { JsonObject } from './json.js';
import { crdObject } from './standard-crds.js';

const KEPT: JsonObject = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const string: JsonObject = { type: 'string' };
const int64 = (extra: JsonObject = {}): JsonObject => ({ type: 'integer', format: 'int64', ...extra });
const bounded = (min: number, max: number): JsonObject => ({
  type: 'string',
  minLength: min,
  maxLength: max,
});

const PORT_MAPPING: JsonObject = {
  type: 'object',
  required: ['port', 'protocol'],
  properties: {
    port: int64({ minimum: 1, maximum: 65535 }),
    protocol: { type: 'string', enum: ['grpc', 'http', 'http2', 'tcp'] },
  },
};

const DURATION: JsonObject = {
  type: 'object',
  required: ['unit', 'value'],
  properties: { unit: { type: 'string', enum: ['s', 'ms'] }, value: int64({ minimum: 0 }) },
};
const HTTP_TIMEOUT: JsonObject = { type: 'object', properties: { idle: DURATION, perRequest: DURATION } };

const MESH_REF: JsonObject = {
  type: 'object',
  required: ['name', 'uid'],
  properties: { name: string, uid: string },
};
const REF: JsonObject = {
  type: 'object',
  required: ['name'],
  properties: { name: string, namespace: string },
};

const WEIGHTED_TARGET: JsonObject = {
  type: 'object',
  required: ['weight'],
  properties: {
    port: int64({ minimum: 0 }),
    virtualNodeARN: string,
    virtualNodeRef: REF,
    weight: int64({ minimum: 0, maximum: 100 }),
  },
};

const HEADER_MATCH: JsonObject = {
  type: 'object',
  required: ['name'],
  properties: {
    invert: { type: 'boolean' },
    name: bounded(1, 50),
    match: {
      type: 'object',
      properties: {
        exact: bounded(1, 255),
        prefix: bounded(1, 255),
        range: {
          type: 'object',
          required: ['end', 'start'],
          properties: { end: int64(), start: int64() },
        },
        regex: bounded(1, 255),
        suffix: bounded(1, 255),
      },
    },
  },
};

const HTTP_ROUTE: JsonObject = {
  type: 'object',
  required: ['action', 'match'],
  properties: {
    action: {
      type: 'object',
      required: ['weightedTargets'],
      properties: {
        weightedTargets: { type: 'array', minItems: 1, maxItems: 10, items: WEIGHTED_TARGET },
      },
    },
    match: {
      type: 'object',
      properties: {
        headers: { type: 'array', minItems: 1, maxItems: 10, items: HEADER_MATCH },
        method: {
          type: 'string',
          enum: ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE'],
        },
        path: { type: 'object', properties: { exact: bounded(1, 255), regex: bounded(1, 255) } },
        port: int64({ minimum: 0 }),
        prefix: string,
        queryParameters: { type: 'array', minItems: 1, maxItems: 10, items: KEPT },
        scheme: { type: 'string', enum: ['http', 'https'] },
      },
    },
    retryPolicy: {
      type: 'object',
      required: ['maxRetries', 'perRetryTimeout'],
      properties: {
        httpRetryEvents: {
          type: 'array',
          minItems: 1,
          maxItems: 25,
          items: { type: 'string', enum: ['server-error', 'gateway-error', 'client-error', 'stream-error'] },
        },
        maxRetries: int64({ minimum: 0 }),
        perRetryTimeout: DURATION,
        tcpRetryEvents: {
          type: 'array',
          minItems: 1,
          maxItems: 1,
          items: { type: 'string', enum: ['connection-error'] },
        },
      },
    },
    timeout: HTTP_TIMEOUT,
  },
};

const root = (spec: JsonObject): JsonObject => ({
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  properties: {
    apiVersion: string,
    kind: string,
    metadata: { type: 'object' },
    spec,
    status: KEPT,
  },
});

export const APPMESH_VIRTUAL_NODE_SCHEMA: JsonObject = root({
  type: 'object',
  properties: {
    awsName: string,
    meshRef: MESH_REF,
    backendDefaults: KEPT,
    backendGroups: { type: 'array', items: REF },
    backends: {
      type: 'array',
      items: {
        type: 'object',
        required: ['virtualService'],
        properties: {
          virtualService: {
            type: 'object',
            properties: { clientPolicy: KEPT, virtualServiceARN: string, virtualServiceRef: REF },
          },
        },
      },
    },
    listeners: {
      type: 'array',
      items: {
        type: 'object',
        required: ['portMapping'],
        properties: {
          connectionPool: KEPT,
          healthCheck: KEPT,
          outlierDetection: KEPT,
          portMapping: PORT_MAPPING,
          timeout: {
            type: 'object',
            properties: { grpc: HTTP_TIMEOUT, http: HTTP_TIMEOUT, http2: HTTP_TIMEOUT, tcp: KEPT },
          },
          tls: KEPT,
        },
      },
    },
    logging: {
      type: 'object',
      properties: {
        accessLog: {
          type: 'object',
          properties: {
            file: {
              type: 'object',
              required: ['path'],
              properties: { format: KEPT, path: bounded(1, 255) },
            },
          },
        },
      },
    },
    podSelector: {
      type: 'object',
      'x-kubernetes-map-type': 'atomic',
      properties: {
        matchExpressions: { type: 'array', items: KEPT },
        matchLabels: { type: 'object', additionalProperties: string },
      },
    },
    serviceDiscovery: {
      type: 'object',
      properties: {
        awsCloudMap: KEPT,
        dns: {
          type: 'object',
          required: ['hostname'],
          properties: {
            hostname: string,
            responseType: { type: 'string', enum: ['ENDPOINTS', 'LOADBALANCER'] },
          },
        },
      },
    },
  },
});

export const APPMESH_VIRTUAL_ROUTER_SCHEMA: JsonObject = root({
  type: 'object',
  properties: {
    awsName: string,
    meshRef: MESH_REF,
    listeners: {
      type: 'array',
      minItems: 1,
      items: { type: 'object', required: ['portMapping'], properties: { portMapping: PORT_MAPPING } },
    },
    routes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          name: string,
          priority: int64({ minimum: 0, maximum: 1000 }),
          httpRoute: HTTP_ROUTE,
          http2Route: KEPT,
          grpcRoute: KEPT,
          tcpRoute: KEPT,
        },
      },
    },
  },
});

export const APPMESH_VIRTUAL_SERVICE_SCHEMA: JsonObject = root({
  type: 'object',
  properties: {
    awsName: string,
    meshRef: MESH_REF,
    provider: {
      type: 'object',
      properties: {
        virtualNode: { type: 'object', properties: { virtualNodeARN: string, virtualNodeRef: REF } },
        virtualRouter: { type: 'object', properties: { virtualRouterARN: string, virtualRouterRef: REF } },
      },
    },
  },
});

const ARN = (field: string): JsonObject => ({ name: 'ARN', type: 'string', jsonPath: `.status.${field}` });
const AGE: JsonObject = { name: 'AGE', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export function appMeshCrds(): JsonObject[] {
  const crd = (kind: string, plural: string, schema: JsonObject, arn: string) =>
    crdObject({
      group: 'appmesh.k8s.aws',
      kind,
      plural,
      versions: ['v1beta2'],
      schemas: { v1beta2: schema },
      categories: ['all'],
      columns: [ARN(arn), AGE],
    });
  return [
    crd('VirtualNode', 'virtualnodes', APPMESH_VIRTUAL_NODE_SCHEMA, 'virtualNodeARN'),
    crd('VirtualRouter', 'virtualrouters', APPMESH_VIRTUAL_ROUTER_SCHEMA, 'virtualRouterARN'),
    crd('VirtualService', 'virtualservices', APPMESH_VIRTUAL_SERVICE_SCHEMA, 'virtualServiceARN'),
  ];
}
