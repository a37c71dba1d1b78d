/**
 * The routing CRD schemas recovered from the pinned model packages, checked against facts of the
 * CRDs Istio (`manifests/charts/base/files/crd-all.gen.yaml`) and the Gateway API project publish,
 * and on the wire: a field those CRDs do not declare is pruned, a value they refuse is 422.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestApiServer, type TestApiServer } from './index.js';
import { getPath, type JsonObject } from './json.js';
import { crdSchemaFromJsonSchema, crdSchemaFromModel } from './model-crd-schemas.js';
import { routingCrds } from './standard-crds.js';

const ISTIO = '@kubernetes-models/istio/networking.istio.io/v1beta1';
const GATEWAY_API = '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1';

function versionSchema(name: string, version: string): JsonObject {
  const crd = routingCrds().find((candidate) => getPath(candidate, 'metadata.name') === name);
  const versions = getPath(crd, 'spec.versions') as JsonObject[];
  return getPath(
    versions.find((entry) => entry.name === version),
    'schema.openAPIV3Schema',
  ) as JsonObject;
}

describe('routing CRD schemas from the model packages', () => {
  it('restores what the generator rewrote: preserve-unknown status, no added nullable, no ObjectMeta $ref', () => {
    const vs = crdSchemaFromModel(`${ISTIO}/VirtualService`);
    // Istio declares status as an object whose unknown fields are kept.
    expect(getPath(vs, 'properties.status')).toEqual({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(getPath(vs, 'properties.metadata')).toEqual({ type: 'object' });
    expect(JSON.stringify(vs)).not.toContain('nullable');
    expect(JSON.stringify(vs)).not.toContain('$ref');
    expect(vs.required).toBeUndefined();
    // Istio: a route destination's weight is an int32 integer.
    expect(
      getPath(vs, 'properties.spec.properties.http.items.properties.route.items.properties.weight'),
    ).toEqual({
      format: 'int32',
      type: 'integer',
    });
  });

  it('keeps enums, value validations, required and defaults as the CRDs declare them', () => {
    const dr = crdSchemaFromModel(`${ISTIO}/DestinationRule`);
    const loadBalancer = 'properties.spec.properties.trafficPolicy.properties.loadBalancer';
    expect(getPath(dr, `${loadBalancer}.properties.simple.enum`)).toEqual([
      'UNSPECIFIED',
      'LEAST_CONN',
      'RANDOM',
      'PASSTHROUGH',
      'ROUND_ROBIN',
      'LEAST_REQUEST',
    ]);
    // Istio: simple and consistentHash are mutually exclusive (a oneOf of required-sets).
    expect(Array.isArray(getPath(dr, `${loadBalancer}.oneOf`))).toBe(true);

    const route = crdSchemaFromModel(`${GATEWAY_API}/HTTPRoute`);
    expect(route.required).toEqual(['spec']);
    const rule = 'properties.spec.properties.rules.items.properties';
    // Gateway API: backendRef weight defaults to 1 within [0, 1000000]; a rule matches "/" by default.
    expect(getPath(route, `${rule}.backendRefs.items.properties.weight`)).toEqual({
      default: 1,
      format: 'int32',
      type: 'integer',
      minimum: 0,
      maximum: 1000000,
    });
    expect(getPath(route, `${rule}.matches.default`)).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
    expect(getPath(route, 'properties.spec.properties.parentRefs.items.required')).toEqual(['name']);
  });

  it('serves every version a model carries with its schema, and Istio v1 (no model) permissively', () => {
    expect(
      getPath(versionSchema('virtualservices.networking.istio.io', 'v1beta1'), 'properties.spec.type'),
    ).toBe('object');
    expect(
      getPath(versionSchema('virtualservices.networking.istio.io', 'v1alpha3'), 'properties.spec.type'),
    ).toBe('object');
    expect(versionSchema('virtualservices.networking.istio.io', 'v1')).toEqual({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    for (const version of ['v1', 'v1beta1']) {
      expect(versionSchema('httproutes.gateway.networking.k8s.io', version).required).toEqual(['spec']);
      expect(versionSchema('gateways.gateway.networking.k8s.io', version).required).toEqual(['spec']);
    }
  });
});

describe('routing CRDs on the wire', () => {
  let server: TestApiServer;
  beforeAll(async () => {
    server = await startTestApiServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  async function create(path: string, body: JsonObject): Promise<{ status: number; body: JsonObject }> {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as JsonObject };
  }

  it('prunes a VirtualService field Istio does not declare and keeps the ones it does', async () => {
    const created = await create('/apis/networking.istio.io/v1beta1/namespaces/default/virtualservices', {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'web' },
      spec: {
        hosts: ['web'],
        http: [{ route: [{ destination: { host: 'web-primary' }, weight: 100, stickiness: true }] }],
        trafficShaping: 'fast',
      },
      status: { observedGeneration: 1 },
    });
    expect(created.status).toBe(201);
    expect(created.body.spec).toEqual({
      hosts: ['web'],
      http: [{ route: [{ destination: { host: 'web-primary' }, weight: 100 }] }],
    });
  });

  it('refuses a VirtualService weight of the wrong type, naming the field', async () => {
    const refused = await create('/apis/networking.istio.io/v1beta1/namespaces/default/virtualservices', {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'bad' },
      spec: { http: [{ route: [{ destination: { host: 'web' }, weight: 'half' }] }] },
    });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain('spec.http[0].route[0].weight');
  });

  it('defaults an HTTPRoute as the Gateway API CRD does, and requires its spec', async () => {
    const path = '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes';
    const created = await create(path, {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web' },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web-primary', port: 80 }] }] },
    });
    expect(created.status).toBe(201);
    const spec = created.body.spec as {
      rules: { backendRefs: { weight?: number }[] }[];
      parentRefs: { kind?: string; group?: string }[];
    };
    expect(spec.rules[0]?.backendRefs[0]?.weight).toBe(1);
    expect(spec.parentRefs[0]).toMatchObject({ kind: 'Gateway', group: 'gateway.networking.k8s.io' });
    const missing = await create(path, {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'empty' },
    });
    expect(missing.status).toBe(422);
    expect(JSON.stringify(missing.body)).toContain('spec');
  });
});

describe('the conversion', () => {
  const model = (spec: JsonObject): JsonObject => ({
    type: 'object',
    properties: {
      apiVersion: { type: 'string', nullable: true },
      kind: { type: 'string', nullable: true },
      metadata: { oneOf: [{ $ref: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta#' }, { type: 'null' }] },
      spec,
    },
    required: ['apiVersion', 'kind'],
  });

  it('turns an integer-or-string alternative back into x-kubernetes-int-or-string', () => {
    const schema = crdSchemaFromJsonSchema(
      model({ type: 'object', properties: { port: { oneOf: [{ type: 'string' }, { type: 'integer' }] } } }),
      'test',
    );
    expect(getPath(schema, 'properties.spec.properties.port')).toEqual({
      'x-kubernetes-int-or-string': true,
      anyOf: [{ type: 'integer' }, { type: 'string' }],
    });
  });

  it('keeps a map as additionalProperties and refuses what it cannot read, naming the path', () => {
    const map = crdSchemaFromJsonSchema(
      model({ type: 'object', properties: {}, additionalProperties: { type: 'string' } }),
      'test',
    );
    expect(getPath(map, 'properties.spec')).toEqual({
      type: 'object',
      additionalProperties: { type: 'string' },
    });
    expect(() => crdSchemaFromJsonSchema(model({ type: 'object', $ref: 'elsewhere#' }), 'test')).toThrow(
      'test.properties.spec: keyword "$ref" has no structural-schema reading',
    );
    expect(() =>
      crdSchemaFromJsonSchema(model({ type: 'object', properties: { x: { type: 'null' } } }), 'test'),
    ).toThrow('test.properties.spec.properties.x: type "null" has no structural-schema reading');
  });
});
