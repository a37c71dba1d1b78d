/**
 * CEL rules as kube-apiserver evaluates them on a custom resource: typed by the schema, run where
 * a value is present, transition rules only on update, failures as 422 causes at the rule's path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { celValue, escapeCelProperty, uncompilableCelRules, validateCelRules } from './cel.js';
import { crdObject } from './standard-crds.js';
import { startTestApiServer, type TestApiServer } from './index.js';
import type { JsonObject } from './json.js';

const widgetSchema: JsonObject = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      properties: {
        min: { type: 'integer' },
        max: { type: 'integer' },
        ratio: { type: 'number' },
        namespace: { type: 'string' },
        'x-name': { type: 'string' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        items: {
          type: 'array',
          items: {
            type: 'object',
            properties: { name: { type: 'string' } },
            'x-kubernetes-validations': [
              { rule: 'self.name.startsWith("w-")', message: 'names start with w-' },
            ],
          },
          'x-kubernetes-validations': [
            { rule: 'self.all(a, self.exists_one(b, a.name == b.name))', message: 'names are unique' },
          ],
        },
        immutable: {
          type: 'string',
          'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'immutable is immutable' }],
        },
      },
      'x-kubernetes-validations': [
        { rule: '!has(self.min) || !has(self.max) || self.min <= self.max', message: 'min above max' },
        {
          rule: "!has(self.__namespace__) || self.__namespace__ != 'kube-system'",
          message: 'not kube-system',
          fieldPath: '.namespace',
          reason: 'FieldValueForbidden',
        },
        {
          rule: "!has(self.x__dash__name) || self.x__dash__name.matches('^[a-z]+$')",
          message: 'lower-case x-name',
        },
        { rule: "!has(self.labels) || !('bad' in self.labels)", messageExpression: "'label bad is refused'" },
        { rule: '!has(self.ratio) || self.ratio < 1.0', message: 'ratio below 1' },
      ],
    },
  },
};

function widget(spec: JsonObject): JsonObject {
  return { apiVersion: 'example.dev/v1', kind: 'Widget', metadata: { name: 'w' }, spec };
}

describe('CEL values as Kubernetes types them', () => {
  it('escapes CEL keywords and punctuation in property names, and keeps map keys', () => {
    expect(escapeCelProperty('namespace')).toBe('__namespace__');
    expect(escapeCelProperty('x-name')).toBe('x__dash__name');
    expect(escapeCelProperty('a.b/c__d')).toBe('a__dot__b__slash__c__underscores__d');
    const value = celValue(
      { namespace: 'n', labels: { 'app.kubernetes.io/name': 'v' } },
      {
        type: 'object',
        properties: { namespace: { type: 'string' }, labels: { type: 'object', additionalProperties: {} } },
      },
    );
    expect(value).toEqual(
      new Map<string, unknown>([
        ['__namespace__', 'n'],
        ['labels', new Map([['app.kubernetes.io/name', 'v']])],
      ]),
    );
  });

  it('makes integers CEL ints and numbers CEL doubles by the schema', () => {
    expect(celValue(3, { type: 'integer' })).toBe(3n);
    expect(celValue(3, { type: 'number' })).toBe(3);
  });
});

describe('CEL rule evaluation', () => {
  it('accepts an object every rule holds for', () => {
    expect(
      validateCelRules(
        widget({ min: 1, max: 2, ratio: 0.5, items: [{ name: 'w-a' }, { name: 'w-b' }] }),
        widgetSchema,
      ),
    ).toEqual([]);
  });

  it('reports each broken rule at its node, with the type and message kube-apiserver uses', () => {
    const causes = validateCelRules(
      widget({ min: 3, max: 2, items: [{ name: 'w-a' }, { name: 'a' }, { name: 'w-a' }] }),
      widgetSchema,
    );
    expect(causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: "object": min above max' },
      {
        reason: 'FieldValueInvalid',
        field: 'spec.items',
        message: 'Invalid value: "array": names are unique',
      },
      {
        reason: 'FieldValueInvalid',
        field: 'spec.items[1]',
        message: 'Invalid value: "object": names start with w-',
      },
    ]);
  });

  it('reads escaped names, honours fieldPath, reason and messageExpression', () => {
    const causes = validateCelRules(
      widget({ namespace: 'kube-system', 'x-name': 'Upper', labels: { bad: 'x' }, ratio: 2 }),
      widgetSchema,
    );
    expect(causes).toEqual([
      {
        reason: 'FieldValueForbidden',
        field: 'spec.namespace',
        message: 'Invalid value: "object": not kube-system',
      },
      { reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: "object": lower-case x-name' },
      {
        reason: 'FieldValueInvalid',
        field: 'spec',
        message: 'Invalid value: "object": label bad is refused',
      },
      { reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: "object": ratio below 1' },
    ]);
  });

  it('runs a transition rule only on update, against the old value', () => {
    expect(validateCelRules(widget({ immutable: 'a' }), widgetSchema)).toEqual([]);
    expect(validateCelRules(widget({ immutable: 'a' }), widgetSchema, widget({ immutable: 'a' }))).toEqual(
      [],
    );
    expect(validateCelRules(widget({ immutable: 'b' }), widgetSchema, widget({ immutable: 'a' }))).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.immutable',
        message: 'Invalid value: "string": immutable is immutable',
      },
    ]);
  });

  it('reports a rule that fails at run time instead of skipping it', () => {
    const schema: JsonObject = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: { a: { type: 'string' } },
          'x-kubernetes-validations': [{ rule: 'self.a == "x"', message: 'a is x' }],
        },
      },
    };
    const [cause] = validateCelRules({ spec: {} }, schema);
    expect(cause?.field).toBe('spec');
    expect(cause?.message).toMatch(/could not be evaluated/);
  });

  it('finds rules that do not compile', () => {
    expect(
      uncompilableCelRules({
        type: 'object',
        properties: { spec: { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.(' }] } },
      }),
    ).toHaveLength(1);
    expect(uncompilableCelRules(widgetSchema)).toEqual([]);
  });
});

describe('CEL rules on the wire', () => {
  let server: TestApiServer;
  const path = '/apis/example.dev/v1/namespaces/default/widgets';
  beforeAll(async () => {
    server = await startTestApiServer();
    const crd = crdObject({ group: 'example.dev', kind: 'Widget', plural: 'widgets', versions: ['v1'] });
    const versions = (crd.spec as { versions: JsonObject[] }).versions;
    (versions[0] as { schema: JsonObject }).schema = { openAPIV3Schema: widgetSchema };
    const created = await fetch(`${server.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(crd),
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await server.stop();
  });

  async function send(
    method: string,
    url: string,
    body: JsonObject,
  ): Promise<{ status: number; body: JsonObject }> {
    const response = await fetch(`${server.url}${url}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as JsonObject };
  }

  it('refuses a create breaking a rule with 422 Invalid naming the field, and stores nothing', async () => {
    const refused = await send('POST', path, widget({ min: 5, max: 1 }));
    expect(refused.status).toBe(422);
    expect(refused.body.reason).toBe('Invalid');
    expect(refused.body.message).toBe(
      'Widget.example.dev "w" is invalid: spec: Invalid value: "object": min above max',
    );
    expect((await fetch(`${server.url}${path}/w`)).status).toBe(404);
  });

  it('refuses an update breaking a transition rule', async () => {
    const created = await send('POST', path, widget({ immutable: 'a' }));
    expect(created.status).toBe(201);
    const updated = await send('PUT', `${path}/w`, { ...created.body, spec: { immutable: 'b' } });
    expect(updated.status).toBe(422);
    expect(JSON.stringify(updated.body)).toContain('spec.immutable');
  });
});
