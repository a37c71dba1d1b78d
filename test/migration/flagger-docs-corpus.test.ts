/**
 * Every complete Canary of Flagger's tutorials (`docs/gitbook/tutorials/*.md`) and e2e scripts
 * (`test/<suite>/test-*.sh`), one fixture each under test/fixtures/flagger-docs-corpus/, through
 * `serin validate` and `serin generate` (in-process). Each file has an explicit expectation: the
 * routing object it renders, or the fields it is refused at. When a provider or target kind lands
 * and a refusal turns into a render, this table is updated on purpose.
 *
 * A Canary without `spec.provider` ran under Flagger's `-mesh-provider` of its suite or tutorial
 * (each fixture's header says which); `generate` is given that provider with `--provider`, so a
 * provider Serin cannot take there is refused at `--provider` rather than rendered as Istio.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../support/in-process-cli.js';
import { generateCommand } from '../../src/cli/definitions/generate.js';
import { validateCommand } from '../../src/cli/definitions/validate.js';

const corpus = join(import.meta.dirname, '..', 'fixtures', 'flagger-docs-corpus');

/** `renders`: the routing object `generate` prints; `refused`: the fields (or flag) it is refused at. */
type Generated =
  | { renders: string }
  | { refused: string[] }
  /** Renders once the user's object this field names is given beside the Canary (an Ingress, …). */
  | { needs: string };
interface Expectation {
  /** Error paths of `serin validate` (none: valid; warnings are not listed). */
  validate: string[];
  generate: Generated;
}

const istio = (validate: string[] = []): Expectation => ({
  validate,
  generate: { renders: 'VirtualService' },
});
/** Flagger took Gateway API from -mesh-provider; `validate` has no --provider and asks for spec.provider. */
const gatewayFromMesh: Expectation = {
  validate: ['spec.provider'],
  generate: { renders: 'HTTPRoute' },
};
const refused = (validate: string[], generate = validate): Expectation => ({
  validate,
  generate: { refused: generate },
});
/** Valid, and `generate` prints this provider object (and the Services). */
const renders = (kind: string): Expectation => ({ validate: [], generate: { renders: kind } });
/** Valid; `generate` names the reference whose object (the user's Ingress, route, Upstream) is not in the file. */
const needsInput = (field: string): Expectation => ({ validate: [], generate: { needs: field } });

const EXPECTED: Record<string, Expectation> = {
  'e2e-apisix-test-canary': needsInput('spec.routeRef'),
  'e2e-contour-test-canary-1': renders('HTTPProxy'),
  'e2e-contour-test-canary-2': renders('HTTPProxy'),
  'e2e-contour-test-canary-3': renders('HTTPProxy'),
  'e2e-gatewayapi-test-ab': gatewayFromMesh,
  'e2e-gatewayapi-test-bg': gatewayFromMesh,
  'e2e-gatewayapi-test-canary-1': gatewayFromMesh,
  'e2e-gatewayapi-test-canary-2': gatewayFromMesh,
  'e2e-gatewayapi-test-session-affinity': gatewayFromMesh,
  'e2e-gloo-test-canary-1': needsInput('spec.upstreamRef'),
  'e2e-gloo-test-canary-2': renders('RouteTable'),
  'e2e-istio-test-canary-1': istio(),
  'e2e-istio-test-canary-2': istio(),
  'e2e-istio-test-canary-3': istio(),
  'e2e-istio-test-canary-4': istio(),
  'e2e-istio-test-canary-5': istio(),
  'e2e-istio-test-delegation': istio(),
  'e2e-istio-test-session-affinity': istio(),
  'e2e-istio-test-skip-analysis': istio(),
  'e2e-keda-test-scaledobject': renders('Service'),
  'e2e-knative-test-canary-1': refused(['spec.service', 'spec.provider', 'spec.targetRef.apiVersion']),
  'e2e-knative-test-canary-2': refused(['spec.service', 'spec.provider', 'spec.targetRef.apiVersion']),
  'e2e-kubernetes-test-daemonset-1': renders('Service'),
  'e2e-kubernetes-test-daemonset-2': renders('Service'),
  'e2e-kubernetes-test-deployment': renders('Service'),
  'e2e-kubernetes-test-hpa': renders('Service'),
  'e2e-kuma-test-canary-1': renders('TrafficRoute'),
  'e2e-kuma-test-canary-2': renders('TrafficRoute'),
  'e2e-linkerd-test-canary-1': gatewayFromMesh,
  'e2e-linkerd-test-canary-2': gatewayFromMesh,
  'e2e-linkerd-test-canary-3': gatewayFromMesh,
  'e2e-linkerd-test-steps': gatewayFromMesh,
  'e2e-nginx-test-canary-1': needsInput('spec.ingressRef'),
  'e2e-nginx-test-canary-2': needsInput('spec.ingressRef'),
  'e2e-nginx-test-lifecycle-1': needsInput('spec.ingressRef'),
  'e2e-nginx-test-lifecycle-2': needsInput('spec.ingressRef'),
  'e2e-skipper-test-canary': needsInput('spec.ingressRef'),
  'e2e-traefik-test-canary': renders('TraefikService'),
  'tutorial-apisix-progressive-delivery': needsInput('spec.routeRef'),
  'tutorial-contour-progressive-delivery': renders('HTTPProxy'),
  'tutorial-gatewayapi-progressive-delivery-1': gatewayFromMesh,
  'tutorial-gatewayapi-progressive-delivery-2': gatewayFromMesh,
  'tutorial-gatewayapi-progressive-delivery-3': gatewayFromMesh,
  'tutorial-gatewayapi-progressive-delivery-4': gatewayFromMesh,
  'tutorial-gloo-progressive-delivery': renders('RouteTable'),
  'tutorial-istio-ab-testing': istio(),
  'tutorial-istio-progressive-delivery-1': istio(),
  'tutorial-istio-progressive-delivery-2': istio(),
  'tutorial-keda-scaledobject': renders('Service'),
  'tutorial-knative-progressive-delivery': refused([
    'spec.service',
    'spec.provider',
    'spec.targetRef.apiVersion',
  ]),
  'tutorial-kubernetes-blue-green': renders('Service'),
  'tutorial-kuma-progressive-delivery': renders('TrafficRoute'),
  'tutorial-linkerd-progressive-delivery-1': gatewayFromMesh,
  'tutorial-linkerd-progressive-delivery-2': refused(['spec.ingressRef.apiVersion']),
  'tutorial-nginx-progressive-delivery': needsInput('spec.ingressRef'),
  'tutorial-prometheus-operator': renders('Service'),
  'tutorial-skipper-progressive-delivery': needsInput('spec.ingressRef'),
  'tutorial-traefik-progressive-delivery': renders('TraefikService'),
};

interface Fixture {
  name: string;
  file: string;
  /** `spec.provider`, or the `-mesh-provider` Flagger ran it with. */
  provider: string;
  /** The provider given to `generate --provider` when the Canary has none. */
  meshFlag?: string;
}

function fixtures(): Fixture[] {
  return readdirSync(corpus)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const file = join(corpus, f);
      const text = readFileSync(file, 'utf8');
      const mesh = /-mesh-provider=(\S+)\.$/m.exec(text)?.[1];
      if (mesh === undefined) throw new Error(`${f}: the header does not say Flagger's -mesh-provider`);
      const own = (parse(text) as { spec?: { provider?: string } }).spec?.provider;
      return {
        name: f.replace(/\.yaml$/, ''),
        file,
        provider: own ?? mesh,
        ...(own === undefined ? { meshFlag: mesh.startsWith('gatewayapi') ? 'gateway-api' : mesh } : {}),
      };
    });
}

const all = fixtures();

/** Canaries per provider (Flagger's family name: gatewayapi:v1beta1 counts as gatewayapi). */
function countByProvider(list: readonly Fixture[]): string {
  const counts = new Map<string, number>();
  for (const f of list) {
    const family = f.provider.split(':')[0] ?? f.provider;
    counts.set(family, (counts.get(family) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([p, n]) => `${p} ${String(n)}`)
    .join(', ');
}

const rendering = all.filter((f) => 'renders' in (EXPECTED[f.name]?.generate ?? {}));

describe(`Flagger's docs and e2e Canaries: ${String(all.length)} (${countByProvider(all)}); ${String(rendering.length)} render (${countByProvider(rendering)})`, () => {
  it('has one expectation per fixture, and a fixture per expectation', () => {
    expect(all.map((f) => f.name)).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(all)('$name ($provider)', async (fixture) => {
    const expected = EXPECTED[fixture.name];
    if (expected === undefined) throw new Error(`no expectation for ${fixture.name}`);

    const validated = await runCommand([validateCommand], ['validate', '-o', 'json', '-f', fixture.file]);
    const findings = (JSON.parse(validated.stdout) as { findings: { path: string; severity: string }[] })
      .findings;
    expect(findings.filter((f) => f.severity === 'error').map((f) => f.path)).toEqual(expected.validate);
    expect(validated.code).toBe(expected.validate.length === 0 ? 0 : 1);

    const args = ['generate', '-f', fixture.file];
    if (fixture.meshFlag !== undefined) args.push('--provider', fixture.meshFlag);
    const generated = await runCommand([generateCommand], args);
    if ('renders' in expected.generate) {
      expect(generated.stderr).toBe('');
      expect(generated.code).toBe(0);
      const kinds = generated.stdout.match(/^kind: \S+$/gm) ?? [];
      expect(kinds).toContain(`kind: ${expected.generate.renders}`);
      expect(kinds).toContain('kind: Service');
      return;
    }
    if ('needs' in expected.generate) {
      expect(generated.code).toBe(1);
      expect(generated.stderr).toContain(expected.generate.needs);
      expect(generated.stderr).toContain('not found');
      expect(generated.stdout).toBe('');
      return;
    }
    const paths = expected.generate.refused;
    if (paths.includes('--provider')) {
      // A usage error: the flag is named, nothing is printed on stdout.
      expect(generated.code).toBe(2);
      expect(generated.stderr).toContain(
        `'--provider <provider>' argument '${fixture.meshFlag ?? ''}' is invalid`,
      );
    } else {
      expect(generated.code).toBe(1);
      const named = [...generated.stderr.matchAll(/^\S+:\d+: (\S+): /gm)].map((m) => m[1]);
      expect(named).toEqual(paths);
    }
    expect(generated.stdout).toBe('');
  });
});
