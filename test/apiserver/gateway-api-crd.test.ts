/**
 * The HTTPRoute schema served: the v1.6 standard channel's fields and CEL rules. Each case below is
 * a fact of the Gateway API CRD (an HTTPRoute it accepts, or one it refuses at a field path); with
 * `SERIN_GATEWAY_API_CRDS` naming a release's `standard-install.yaml` the same cases run against
 * the real CRD, and the built-in schema is compared with it case by case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { validateCelRules } from './cel.js';
import { httpRouteSchemas, httpRouteSchemasFromCrdFile, standardHttpRouteSchema } from './gateway-api-crd.js';
import { startTestApiServer, type TestApiServer } from './index.js';
import { clone, type JsonObject } from './json.js';
import { applySchemaDefaults, pruneObject, validateObject } from './structural-schema.js';

const backend = { name: 'web-primary', port: 80 };
const rule = (extra: JsonObject = {}): JsonObject => ({ backendRefs: [backend], ...extra });
const prefixRewrite = {
  type: 'URLRewrite',
  urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } },
};
const prefix = (value: string) => ({ path: { type: 'PathPrefix', value } });

interface Case {
  name: string;
  spec: JsonObject;
  /** The field paths the CRD refuses; empty when it accepts the route. */
  refused: string[];
}

const CASES: Case[] = [
  { name: 'a plain weighted rule', spec: { rules: [rule()] }, refused: [] },
  {
    name: 'a prefix rewrite with one PathPrefix match',
    spec: { rules: [rule({ matches: [prefix('/api')], filters: [prefixRewrite] })] },
    refused: [],
  },
  {
    name: 'a prefix rewrite without matches (the default match is PathPrefix /)',
    spec: { rules: [rule({ filters: [prefixRewrite] })] },
    refused: [],
  },
  {
    name: 'a prefix rewrite over two matches',
    spec: { rules: [rule({ matches: [prefix('/a'), prefix('/b')], filters: [prefixRewrite] })] },
    refused: ['spec.rules[0]'],
  },
  {
    name: 'a prefix rewrite over a header-only match (its path defaults to PathPrefix /)',
    spec: {
      rules: [rule({ matches: [{ headers: [{ name: 'x', value: 'y' }] }], filters: [prefixRewrite] })],
    },
    refused: [],
  },
  {
    name: 'a prefix rewrite over an Exact match',
    spec: {
      rules: [rule({ matches: [{ path: { type: 'Exact', value: '/a' } }], filters: [prefixRewrite] })],
    },
    refused: ['spec.rules[0]'],
  },
  {
    name: 'a full-path rewrite over two matches',
    spec: {
      rules: [
        rule({
          matches: [prefix('/a'), prefix('/b')],
          filters: [
            { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/x' } } },
          ],
        }),
      ],
    },
    refused: [],
  },
  {
    name: 'a path modifier whose type names the other field',
    spec: {
      rules: [
        rule({
          filters: [
            {
              type: 'URLRewrite',
              urlRewrite: { path: { type: 'ReplaceFullPath', replacePrefixMatch: '/x' } },
            },
          ],
        }),
      ],
    },
    refused: ['spec.rules[0].filters[0].urlRewrite.path'],
  },
  {
    name: 'a hostname rewrite',
    spec: { rules: [rule({ filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'api.internal' } }] })] },
    refused: [],
  },
  {
    name: 'a filter whose type does not match its field',
    spec: {
      rules: [rule({ filters: [{ type: 'RequestHeaderModifier', urlRewrite: { hostname: 'a.b' } }] })],
    },
    refused: ['spec.rules[0].filters[0]'],
  },
  {
    name: 'two URLRewrite filters',
    spec: {
      rules: [
        rule({
          filters: [
            { type: 'URLRewrite', urlRewrite: { hostname: 'a.b' } },
            { type: 'URLRewrite', urlRewrite: { hostname: 'c.d' } },
          ],
        }),
      ],
    },
    refused: ['spec.rules[0].filters'],
  },
  {
    name: 'a redirect beside a rewrite',
    spec: {
      rules: [
        {
          filters: [
            { type: 'RequestRedirect', requestRedirect: { hostname: 'a.b' } },
            { type: 'URLRewrite', urlRewrite: { hostname: 'c.d' } },
          ],
        },
      ],
    },
    refused: ['spec.rules[0].filters'],
  },
  {
    name: 'a redirect beside backends',
    spec: { rules: [rule({ filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'a.b' } }] })] },
    refused: ['spec.rules[0]'],
  },
  {
    name: 'a mirror at a percentage',
    spec: {
      rules: [
        rule({ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: backend, percent: 20 } }] }),
      ],
    },
    refused: [],
  },
  {
    name: 'a mirror with both percent and fraction',
    spec: {
      rules: [
        rule({
          filters: [
            {
              type: 'RequestMirror',
              requestMirror: { backendRef: backend, percent: 20, fraction: { numerator: 1 } },
            },
          ],
        }),
      ],
    },
    refused: ['spec.rules[0].filters[0].requestMirror'],
  },
  {
    name: 'a mirror fraction above one',
    spec: {
      rules: [
        rule({
          filters: [
            {
              type: 'RequestMirror',
              requestMirror: { backendRef: backend, fraction: { numerator: 3, denominator: 2 } },
            },
          ],
        }),
      ],
    },
    refused: ['spec.rules[0].filters[0].requestMirror.fraction'],
  },
  {
    name: 'a mirror to a Service without a port',
    spec: {
      rules: [
        rule({ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'web-canary' } } }] }),
      ],
    },
    refused: ['spec.rules[0].filters[0].requestMirror.backendRef'],
  },
  {
    name: 'a Service backend without a port',
    spec: { rules: [{ backendRefs: [{ name: 'web' }] }] },
    refused: ['spec.rules[0].backendRefs[0]'],
  },
  {
    name: 'a CORS filter',
    spec: {
      rules: [
        rule({
          filters: [
            {
              type: 'CORS',
              cors: {
                allowOrigins: ['https://app.example.com'],
                allowMethods: ['GET', 'POST'],
                allowHeaders: ['x-requested-with'],
                maxAge: 3600,
                allowCredentials: true,
              },
            },
          ],
        }),
      ],
    },
    refused: [],
  },
  {
    name: 'a CORS wildcard origin beside another',
    spec: {
      rules: [rule({ filters: [{ type: 'CORS', cors: { allowOrigins: ['*', 'https://a.example.com'] } }] })],
    },
    refused: ['spec.rules[0].filters[0].cors.allowOrigins'],
  },
  {
    name: 'a CORS filter on a backend',
    spec: {
      rules: [
        { backendRefs: [{ ...backend, filters: [{ type: 'CORS', cors: { allowMethods: ['*', 'GET'] } }] }] },
      ],
    },
    refused: ['spec.rules[0].backendRefs[0].filters[0].cors.allowMethods'],
  },
  {
    name: 'a relative path match',
    spec: { rules: [rule({ matches: [prefix('api')] })] },
    refused: ['spec.rules[0].matches[0].path'],
  },
  {
    name: 'a path match with a dot segment',
    spec: { rules: [rule({ matches: [{ path: { type: 'Exact', value: '/a/../b' } }] })] },
    refused: ['spec.rules[0].matches[0].path'],
  },
  {
    name: 'a path match with a space',
    spec: { rules: [rule({ matches: [prefix('/a b')] })] },
    refused: ['spec.rules[0].matches[0].path'],
  },
  {
    name: 'a regular-expression path (not held to the path rules)',
    spec: { rules: [rule({ matches: [{ path: { type: 'RegularExpression', value: '.*//x' } }] })] },
    refused: [],
  },
  {
    name: 'a backend timeout longer than the request timeout',
    spec: { rules: [rule({ timeouts: { request: '1s', backendRequest: '2s' } })] },
    refused: ['spec.rules[0].timeouts'],
  },
  {
    name: 'a backend timeout under a disabled request timeout',
    spec: { rules: [rule({ timeouts: { request: '0s', backendRequest: '2s' } })] },
    refused: [],
  },
  {
    name: 'two parentRefs to one Gateway, one with a sectionName',
    spec: { parentRefs: [{ name: 'gw' }, { name: 'gw', sectionName: 'http' }], rules: [rule()] },
    refused: ['spec.parentRefs'],
  },
  {
    name: 'two parentRefs to one Gateway with one sectionName',
    spec: {
      parentRefs: [
        { name: 'gw', namespace: 'edge', sectionName: 'http' },
        { name: 'gw', namespace: 'edge', sectionName: 'http' },
      ],
      rules: [rule()],
    },
    refused: ['spec.parentRefs'],
  },
  {
    name: 'parentRefs to one Gateway name in two namespaces, and a mesh Service',
    spec: {
      parentRefs: [
        { name: 'gw', namespace: 'a' },
        { name: 'gw', namespace: 'b' },
        { group: '', kind: 'Service', name: 'web' },
      ],
      rules: [rule()],
    },
    refused: [],
  },
  { name: 'a rule name', spec: { rules: [rule({ name: 'canary' })] }, refused: [] },
  { name: 'no rules', spec: { rules: [] }, refused: ['spec.rules'] },
];

function route(spec: JsonObject): JsonObject {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web' }, spec };
}

/** The field paths refused by a schema, as the write path computes them (prune, default, validate). */
function refusedFields(schema: JsonObject, spec: JsonObject): string[] {
  const conformed = applySchemaDefaults(pruneObject(route(clone(spec)), schema), schema);
  const causes = [...validateObject(conformed, schema), ...validateCelRules(conformed, schema)];
  return [...new Set(causes.map((cause) => cause.field))].sort();
}

describe('the built-in v1.6 standard-channel HTTPRoute facts', () => {
  it.each(CASES)('$name', ({ spec, refused }) => {
    expect(refusedFields(standardHttpRouteSchema('v1'), spec)).toEqual(refused);
  });

  it('serves the same facts in v1beta1', () => {
    for (const { spec, refused } of CASES) {
      expect(refusedFields(standardHttpRouteSchema('v1beta1'), spec)).toEqual(refused);
    }
  });

  it('prunes what the standard channel does not declare (the experimental retry)', () => {
    const schema = standardHttpRouteSchema('v1');
    const pruned = pruneObject(route({ rules: [rule({ retry: { attempts: 3 } })] }), schema);
    expect(pruned.spec).toEqual({ rules: [rule()] });
  });
});

const crdFile = process.env.SERIN_GATEWAY_API_CRDS;

describe.skipIf(crdFile === undefined || crdFile === '')('the facts against the real CRD', () => {
  it.each(CASES)('$name', ({ spec, refused }) => {
    const real = httpRouteSchemasFromCrdFile(crdFile ?? '').v1;
    expect(real).toBeDefined();
    expect(refusedFields(real ?? {}, spec)).toEqual(refused);
  });
});

describe('HTTPRoute CEL rules on the wire', () => {
  let server: TestApiServer;
  const path = '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes';
  beforeAll(async () => {
    server = await startTestApiServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('serves the schema this process chose', () => {
    expect(Object.keys(httpRouteSchemas())).toEqual(expect.arrayContaining(['v1', 'v1beta1']));
  });

  it.each(CASES)('$name', async ({ spec, refused }) => {
    const response = await fetch(`${server.url}${path}?dryRun=All`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(route(spec)),
    });
    const body = (await response.json()) as { reason?: string; details?: { causes?: { field: string }[] } };
    if (refused.length === 0) {
      expect(response.status, JSON.stringify(body)).toBe(201);
      return;
    }
    expect(response.status).toBe(422);
    expect(body.reason).toBe('Invalid');
    expect([...new Set(body.details?.causes?.map((cause) => cause.field))].sort()).toEqual(refused);
  });
});
