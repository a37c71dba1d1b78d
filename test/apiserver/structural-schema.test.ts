/**
 * Structural schemas over the wire, checked against what the Kubernetes documentation says a
 * real API server does ("Specifying a structural schema", "Field pruning", "Defaulting",
 * "Validation" in the CustomResourceDefinition task pages): unknown fields are dropped on every
 * kind of write and on read, preserve-unknown / embedded-resource / int-or-string are honoured,
 * defaults fill in absent and null fields, and violations are 422 Invalid with one cause per field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { crdObject } from './standard-crds.js';
import { startTestApiServer, type TestApiServer } from './index.js';
import type { JsonObject } from './json.js';

let server: TestApiServer;

interface Answer {
  status: number;
  body: JsonObject & {
    message?: string;
    reason?: string;
    details?: {
      causes?: { reason: string; field: string; message: string }[];
      kind?: string;
      group?: string;
    };
  };
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'Content-Type': contentType },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const WIDGETS = '/apis/example.com/v1/namespaces/default/widgets';

const schema: JsonObject = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'integer', minimum: 1, maximum: 10 },
        colour: { type: 'string', enum: ['red', 'green'], default: 'red' },
        name: { type: 'string', pattern: '^[a-z]+$', maxLength: 8 },
        port: { 'x-kubernetes-int-or-string': true },
        tags: { type: 'array', maxItems: 2, items: { type: 'string' } },
        nested: {
          type: 'object',
          default: {},
          properties: { level: { type: 'integer', default: 3 }, note: { type: 'string', nullable: true } },
        },
        free: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { known: { type: 'object', properties: { a: { type: 'string' } } } },
        },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: { x: { type: 'string' } } } },
        },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        mode: {
          type: 'object',
          properties: { a: { type: 'string' }, b: { type: 'string' } },
          oneOf: [{ required: ['a'] }, { required: ['b'] }],
        },
      },
    },
    status: { type: 'object', properties: { phase: { type: 'string' } } },
  },
};

function widgetCrd(): JsonObject {
  const crd = crdObject({ group: 'example.com', kind: 'Widget', plural: 'widgets', versions: ['v1'] });
  const version = ((crd.spec as JsonObject).versions as JsonObject[])[0] ?? {};
  version.schema = { openAPIV3Schema: schema };
  return crd;
}

function widget(name: string, spec: JsonObject): JsonObject {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name }, spec };
}

beforeAll(async () => {
  server = await startTestApiServer({ standardCrds: false, crdDirectories: [] });
  expect(
    (await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCrd())).status,
  ).toBe(201);
});

afterAll(async () => {
  await server.stop();
});

describe('pruning', () => {
  it('drops undeclared fields on create, keeping root apiVersion, kind and metadata', async () => {
    const created = await call('POST', WIDGETS, {
      ...widget('pruned', { size: 2, unknown: 'x', nested: { level: 1, extra: true } }),
      topLevel: 'gone',
      metadata: { name: 'pruned', labels: { a: 'b' } },
    });
    expect(created.status).toBe(201);
    expect(created.body.topLevel).toBeUndefined();
    expect(created.body.spec).toEqual({ size: 2, colour: 'red', nested: { level: 1 } });
    expect(created.body.metadata).toMatchObject({ name: 'pruned', labels: { a: 'b' } });
  });

  it('keeps preserve-unknown-fields subtrees but prunes the properties they declare', async () => {
    const created = await call(
      'POST',
      WIDGETS,
      widget('free', { size: 1, free: { anything: { deep: 1 }, known: { a: 'x', b: 'gone' } } }),
    );
    expect((created.body.spec as JsonObject).free).toEqual({ anything: { deep: 1 }, known: { a: 'x' } });
  });

  it('keeps apiVersion, kind and ObjectMeta of an embedded resource, and int-or-string values as given', async () => {
    const created = await call(
      'POST',
      WIDGETS,
      widget('embedded', {
        size: 1,
        port: 'http',
        template: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'p', bogus: 1 },
          spec: { x: 'y', z: 'gone' },
          other: 1,
        },
      }),
    );
    const spec = created.body.spec as JsonObject;
    expect(spec.port).toBe('http');
    expect(spec.template).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { x: 'y' },
    });
  });

  it('prunes on update, on every patch type, on server-side apply and on the status subresource', async () => {
    await call('POST', WIDGETS, widget('writes', { size: 1 }));
    const path = `${WIDGETS}/writes`;
    const merge = await call('PATCH', path, { spec: { mergeExtra: 1 } }, 'application/merge-patch+json');
    expect((merge.body.spec as JsonObject).mergeExtra).toBeUndefined();
    const json = await call(
      'PATCH',
      path,
      [{ op: 'add', path: '/spec/jsonExtra', value: 1 }],
      'application/json-patch+json',
    );
    expect(json.status).toBe(200);
    expect((json.body.spec as JsonObject).jsonExtra).toBeUndefined();
    const current = (await call('GET', path)).body;
    const put = await call('PUT', path, {
      ...current,
      spec: { ...(current.spec as JsonObject), putExtra: 1 },
    });
    expect((put.body.spec as JsonObject).putExtra).toBeUndefined();
    const applied = await call(
      'PATCH',
      `${path}?fieldManager=test&force=true`,
      JSON.stringify({
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'writes' },
        spec: { size: 3, applyExtra: 1 },
      }),
      'application/apply-patch+yaml',
    );
    expect(applied.status).toBe(200);
    expect(applied.body.spec).toMatchObject({ size: 3 });
    expect((applied.body.spec as JsonObject).applyExtra).toBeUndefined();
    const status = await call(
      'PATCH',
      `${path}/status`,
      { status: { phase: 'Ready', serinOnly: [1] } },
      'application/merge-patch+json',
    );
    expect(status.body.status).toEqual({ phase: 'Ready' });
  });

  it('treats a write of only pruned fields as no change: same resourceVersion', async () => {
    const before = (await call('GET', `${WIDGETS}/writes`)).body;
    const after = await call(
      'PATCH',
      `${WIDGETS}/writes/status`,
      { status: { lost: true } },
      'application/merge-patch+json',
    );
    expect((after.body.metadata as JsonObject).resourceVersion).toBe(
      (before.metadata as JsonObject).resourceVersion,
    );
  });
});

describe('defaulting', () => {
  it('fills absent fields top-down, including inside a defaulted object', async () => {
    const created = await call('POST', WIDGETS, widget('defaults', { size: 4 }));
    expect(created.body.spec).toEqual({ size: 4, colour: 'red', nested: { level: 3 } });
  });

  it('drops a null in a non-nullable field and defaults it; keeps null where nullable', async () => {
    const created = await call(
      'POST',
      WIDGETS,
      widget('nulls', { size: 4, colour: null, nested: { note: null, level: null } }),
    );
    expect(created.body.spec).toEqual({ size: 4, colour: 'red', nested: { level: 3, note: null } });
  });

  it('defaults on read objects stored before the schema had the default', async () => {
    const stored = server.store.get('example.com/widgets', 'default', 'defaults') as JsonObject;
    delete (stored.spec as JsonObject).colour;
    const read = await call('GET', `${WIDGETS}/defaults`);
    expect((read.body.spec as JsonObject).colour).toBe('red');
  });
});

describe('validation', () => {
  it('answers 422 Invalid with one cause per field, worded as kube-apiserver does', async () => {
    const answer = await call(
      'POST',
      WIDGETS,
      widget('bad', { size: 11, colour: 'blue', name: 'UPPER', tags: ['a', 'b', 'c'], labels: { k: 1 } }),
    );
    expect(answer.status).toBe(422);
    expect(answer.body.reason).toBe('Invalid');
    expect(answer.body.details).toMatchObject({ name: 'bad', group: 'example.com', kind: 'Widget' });
    expect(answer.body.details?.causes).toEqual(
      expect.arrayContaining([
        {
          reason: 'FieldValueInvalid',
          field: 'spec.size',
          message: 'Invalid value: 11: spec.size in body should be less than or equal to 10',
        },
        {
          reason: 'FieldValueNotSupported',
          field: 'spec.colour',
          message: 'Unsupported value: "blue": supported values: "red", "green"',
        },
        {
          reason: 'FieldValueInvalid',
          field: 'spec.name',
          message: `Invalid value: "UPPER": spec.name in body should match '^[a-z]+$'`,
        },
        {
          reason: 'FieldValueTooMany',
          field: 'spec.tags',
          message: 'Too many: 3: must have at most 2 items',
        },
        {
          reason: 'FieldValueTypeInvalid',
          field: 'spec.labels[k]',
          message: 'Invalid value: 1: spec.labels[k] in body must be of type string: "integer"',
        },
      ]),
    );
    expect(answer.body.message).toMatch(/^Widget\.example\.com "bad" is invalid: \[spec\./);
    expect(server.store.get('example.com/widgets', 'default', 'bad')).toBeUndefined();
  });

  it('reports a missing required field and a type mismatch', async () => {
    const answer = await call('POST', WIDGETS, widget('missing', { name: 'ok' }));
    expect(answer.status).toBe(422);
    expect(answer.body.message).toBe('Widget.example.com "missing" is invalid: spec.size: Required value');
    const typed = await call('POST', WIDGETS, widget('typed', { size: 'two' }));
    expect(typed.body.details?.causes?.[0]).toEqual({
      reason: 'FieldValueTypeInvalid',
      field: 'spec.size',
      message: 'Invalid value: "two": spec.size in body must be of type integer: "string"',
    });
  });

  it('checks oneOf: exactly one alternative must hold', async () => {
    const none = await call('POST', WIDGETS, widget('oneof', { size: 1, mode: {} }));
    expect(none.status).toBe(422);
    expect(none.body.details?.causes).toContainEqual({
      reason: 'FieldValueInvalid',
      field: 'spec.mode',
      message: 'Invalid value: "object": must validate one and only one schema (oneOf). Found none valid',
    });
    const both = await call('POST', WIDGETS, widget('oneof', { size: 1, mode: { a: 'x', b: 'y' } }));
    expect(both.body.details?.causes?.map((c) => c.message)).toContain(
      'Invalid value: "object": must validate one and only one schema (oneOf). Found 2 valid alternatives',
    );
    expect((await call('POST', WIDGETS, widget('oneof', { size: 1, mode: { a: 'x' } }))).status).toBe(201);
  });

  it('validates updates and patches too, leaving the stored object untouched', async () => {
    const path = `${WIDGETS}/writes`;
    const before = (await call('GET', path)).body;
    const answer = await call('PATCH', path, { spec: { size: 0 } }, 'application/merge-patch+json');
    expect(answer.status).toBe(422);
    expect(answer.body.details?.causes?.[0]?.field).toBe('spec.size');
    expect((await call('GET', path)).body).toEqual(before);
  });
});
