/**
 * Istio-shaped Canary service fields in Gateway API standard-channel terms: each mapped field
 * lands where the HTTPRoute carries it, each field the standard channel cannot carry is refused
 * naming it (and `serin generate` exits 1 with that message). The routes themselves are applied
 * to the CEL-enforcing test API server in test/kubernetes/httproute-acceptance.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { CanaryInput } from '../../api/canary.js';
import { canaryCapabilities } from '../../api/capabilities.js';
import { runCommand } from '../../../test/support/in-process-cli.js';
import { generateCommand } from '../../cli/definitions/generate.js';
import { renderHttpRoute } from './gateway-api.js';
import type { TrafficPlan } from './plan.js';
import { makeCanary } from './test-support.js';

type Service = Partial<CanaryInput['spec']['service']>;
type Analysis = CanaryInput['spec']['analysis'];

const plan = (canaryWeight: number, mirrored = false): TrafficPlan => ({
  primaryWeight: 100 - canaryWeight,
  canaryWeight,
  mirrored,
});

interface Rule {
  matches?: unknown[];
  filters?: Record<string, unknown>[];
  backendRefs: unknown[];
}

function spec(service: Service, analysis?: Analysis, p = plan(10)) {
  const route = renderHttpRoute(makeCanary(service, analysis), p);
  return route.spec as { parentRefs: Record<string, unknown>[]; hostnames?: string[]; rules: Rule[] };
}

const render = (service: Service, analysis?: Analysis) => () => spec(service, analysis);

describe('rewrites', () => {
  it('a prefix rewrite over several matches is one rule per match, same filters and backends', () => {
    const { rules } = spec({
      match: [{ uri: { prefix: '/api' } }, { uri: { prefix: '/v1' }, headers: { 'x-user': { exact: 'a' } } }],
      rewrite: { uri: '/' },
    });
    expect(rules.map((rule) => rule.matches)).toEqual([
      [{ path: { type: 'PathPrefix', value: '/api' } }],
      [
        {
          path: { type: 'PathPrefix', value: '/v1' },
          headers: [{ type: 'Exact', name: 'x-user', value: 'a' }],
        },
      ],
    ]);
    expect(rules[0]?.filters).toEqual(rules[1]?.filters);
    expect(rules[0]?.backendRefs).toEqual(rules[1]?.backendRefs);
  });

  it('a full-path rewrite keeps its matches in one rule', () => {
    const { rules } = spec({
      match: [{ uri: { prefix: '/a' } }, { uri: { exact: '/b' } }],
      rewrite: { uri: '/index', type: 'ReplaceFullPath' },
    });
    expect(rules).toHaveLength(1);
    expect(rules[0]?.filters).toEqual([
      { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/index' } } },
    ]);
  });

  it('a prefix rewrite under an exact or regex uri match is refused naming the match', () => {
    expect(
      render({ match: [{ uri: { prefix: '/a' } }, { uri: { exact: '/b' } }], rewrite: { uri: '/' } }),
    ).toThrow(/^spec\.service\.match\[1\]\.uri: rewrite\.uri replaces the matched prefix/);
  });

  it('rewrite.authority becomes the URLRewrite hostname; a port or regex rewrite is refused', () => {
    expect(spec({ rewrite: { authority: 'api.internal', uri: '/v2' } }).rules[0]?.filters).toEqual([
      {
        type: 'URLRewrite',
        urlRewrite: {
          hostname: 'api.internal',
          path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' },
        },
      },
    ]);
    expect(render({ rewrite: { authority: 'api.internal:8080' } })).toThrow(
      /^spec\.service\.rewrite\.authority:/,
    );
    expect(render({ rewrite: { uriRegexRewrite: { match: '^/a', rewrite: '/b' } } })).toThrow(
      /^spec\.service\.rewrite\.uriRegexRewrite:/,
    );
  });
});

describe('attachment', () => {
  it('service.gateways become parentRefs with their namespace; mesh is the apex Service', () => {
    expect(spec({ gateways: ['mesh', 'edge/public', 'internal'] }).parentRefs).toEqual([
      { group: '', kind: 'Service', name: 'podinfo' },
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'edge', name: 'public' },
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'test', name: 'internal' },
    ]);
  });

  it('gatewayRefs are kept as given beside gateways; nothing given attaches to the mesh', () => {
    expect(
      spec({ gatewayRefs: [{ name: 'gw', namespace: 'infra' }], gateways: ['infra/gw', 'mesh'] }).parentRefs,
    ).toEqual([
      { name: 'gw', namespace: 'infra' },
      { group: '', kind: 'Service', name: 'podinfo' },
    ]);
    expect(spec({}).parentRefs).toEqual([{ group: '', kind: 'Service', name: 'podinfo' }]);
  });

  it('a gateway that is no namespace/name, or a host that is no hostname, is refused naming it', () => {
    expect(render({ gateways: ['Edge/public'] })).toThrow(/^spec\.service\.gateways\[0\]:/);
    expect(render({ hosts: ['app.example.com', 'App.Example.com'] })).toThrow(/^spec\.service\.hosts\[1\]:/);
  });
});

describe('CORS', () => {
  it('maps corsPolicy onto the CORS filter', () => {
    const { rules } = spec({
      corsPolicy: {
        allowOrigins: [{ exact: 'https://app.example.com' }],
        allowOrigin: ['https://old.example.com'],
        allowMethods: ['GET', 'POST'],
        allowHeaders: ['x-requested-with'],
        exposeHeaders: ['x-trace'],
        maxAge: '24h',
        allowCredentials: true,
      },
    });
    expect(rules[0]?.filters).toEqual([
      {
        type: 'CORS',
        cors: {
          allowOrigins: ['https://old.example.com', 'https://app.example.com'],
          allowMethods: ['GET', 'POST'],
          allowHeaders: ['x-requested-with'],
          exposeHeaders: ['x-trace'],
          maxAge: 86_400,
          allowCredentials: true,
        },
      },
    ]);
  });

  it('refuses what the CORS filter cannot express, naming the field', () => {
    expect(render({ corsPolicy: { allowOrigins: [{ regex: 'https://.*\\.example\\.com' }] } })).toThrow(
      /^spec\.service\.corsPolicy\.allowOrigins\[0\]:/,
    );
    expect(render({ corsPolicy: { allowOrigin: ['app.example.com'] } })).toThrow(
      /^spec\.service\.corsPolicy\.allowOrigins\[0\]:/,
    );
    expect(render({ corsPolicy: { unmatchedPreflights: 'IGNORE' } })).toThrow(
      /^spec\.service\.corsPolicy\.unmatchedPreflights:/,
    );
    expect(render({ corsPolicy: { maxAge: '500ms' } })).toThrow(/^spec\.service\.corsPolicy\.maxAge:/);
    expect(render({ corsPolicy: { allowMethods: ['get'] } })).toThrow(
      /^spec\.service\.corsPolicy\.allowMethods\[0\]:/,
    );
    expect(render({ corsPolicy: { allowMethods: ['*', 'GET'] } })).toThrow(
      /^spec\.service\.corsPolicy\.allowMethods:/,
    );
  });
});

describe('mirroring', () => {
  const blueGreen = (mirrorWeight?: number): Analysis => ({
    interval: '1m',
    threshold: 5,
    iterations: 3,
    mirror: true,
    ...(mirrorWeight !== undefined ? { mirrorWeight } : {}),
  });

  it.each([
    [undefined, {}],
    [0, {}],
    [20, { percent: 20 }],
    [100, { percent: 100 }],
  ])('mirrorWeight %s mirrors the canary with %j', (mirrorWeight, extra) => {
    const { rules } = spec({}, blueGreen(mirrorWeight), plan(0, true));
    expect(rules[0]?.filters).toEqual([
      {
        type: 'RequestMirror',
        requestMirror: {
          backendRef: { group: '', kind: 'Service', name: 'podinfo-canary', port: 9898 },
          ...extra,
        },
      },
    ]);
  });

  it("Flagger's service.mirror filters are rendered as given; unknown keys are refused", () => {
    const mirror = { backendRef: { name: 'shadow', port: 80 }, fraction: { numerator: 1, denominator: 10 } };
    expect(spec({ mirror: [mirror] }).rules[0]?.filters).toEqual([
      { type: 'RequestMirror', requestMirror: mirror },
    ]);
    expect(render({ mirror: [{ backendRef: { name: 'x', port: 1 }, weight: 5 }] })).toThrow(
      /^spec\.service\.mirror\[0\]\.weight:/,
    );
  });
});

describe('refused fields', () => {
  it.each<[string, Service, RegExp]>([
    [
      'retries',
      { retries: { attempts: 3, perTryTimeout: '2s' } },
      /^spec\.service\.retries: .*standard channel/,
    ],
    ['trafficPolicy', { trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } }, /^spec\.service\.trafficPolicy:/],
    ['a decimal timeout', { timeout: '1.5s' }, /^spec\.service\.timeout:/],
    [
      'a backend timeout above the request timeout',
      { timeout: '1s', backendTimeout: '2s' },
      /^spec\.service\.backendTimeout:/,
    ],
    ['a relative uri prefix', { match: [{ uri: { prefix: 'api' } }] }, /^spec\.service\.match\[0\]\.uri:/],
    [
      'a uri with a dot segment',
      { match: [{ uri: { exact: '/a/../b' } }] },
      /^spec\.service\.match\[0\]\.uri:/,
    ],
  ])('%s', (_name, service, error) => {
    expect(render(service)).toThrow(error);
  });

  it('more rules than an HTTPRoute holds is refused', () => {
    const match = Array.from({ length: 17 }, (_, i) => ({ uri: { prefix: `/p${i}` } }));
    expect(render({ match, rewrite: { uri: '/' } })).toThrow(
      /^spec\.service\.match: renders 17 HTTPRoute rules/,
    );
  });
});

describe('capabilities', () => {
  const raw = (provider: string, service: Record<string, unknown>) => ({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'web' },
    spec: { provider, targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, service },
  });

  it('report the fields an HTTPRoute has no place for, so a cluster shows them before any reconcile', () => {
    const service = {
      port: 80,
      retries: { attempts: 3 },
      trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
      delegation: true,
    };
    const issues = canaryCapabilities(raw('gatewayapi:v1', service)).filter((i) => i.severity === 'error');
    expect(issues.map((i) => i.path)).toEqual([
      'spec.service.retries',
      'spec.service.trafficPolicy',
      'spec.service.delegation',
    ]);
    expect(
      canaryCapabilities(raw('istio', service)).filter((i) => i.path.startsWith('spec.service.retries')),
    ).toEqual([]);
  });
});

describe('serin generate --provider gateway-api', () => {
  const dir = mkdtempSync(join(tmpdir(), 'serin-gateway-api-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'canary.yaml');
  writeFileSync(
    file,
    [
      'apiVersion: flagger.app/v1beta1',
      'kind: Canary',
      'metadata: { name: web, namespace: shop }',
      'spec:',
      '  provider: gatewayapi:v1',
      '  targetRef: { apiVersion: apps/v1, kind: Deployment, name: web }',
      '  service:',
      '    port: 80',
      '    retries: { attempts: 3 }',
      '  analysis: { interval: 1m, threshold: 5, maxWeight: 50, stepWeight: 10 }',
      '',
    ].join('\n'),
  );

  it('exits 1 naming the field it cannot map, printing no objects', async () => {
    const result = await runCommand([generateCommand], ['generate', '-f', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/spec\.service\.retries/);
  });
});
