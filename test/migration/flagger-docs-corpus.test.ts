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
import { describe, expect, it } from 'vitest';
import { runCommand } from '../support/in-process-cli.js';
import { generateCommand } from '../../src/cli/definitions/generate.js';
import { validateCommand } from '../../src/cli/definitions/validate.js';
import { corpusFixtures, countByProvider, generateArgs } from './flagger-docs-corpus.js';

/** `renders`: the routing object `generate` prints; `refused`: the fields (or flag) it is refused at. */
type Generated = { renders: string } | { refused: string[] } | { needsLive: string };
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

const EXPECTED: Record<string, Expectation> = {
  'e2e-apisix-test-canary': renders('ApisixRoute'),
  'e2e-contour-test-canary-1': renders('HTTPProxy'),
  'e2e-contour-test-canary-2': renders('HTTPProxy'),
  'e2e-contour-test-canary-3': renders('HTTPProxy'),
  'e2e-gatewayapi-test-ab': gatewayFromMesh,
  'e2e-gatewayapi-test-bg': gatewayFromMesh,
  'e2e-gatewayapi-test-canary-1': gatewayFromMesh,
  'e2e-gatewayapi-test-canary-2': gatewayFromMesh,
  'e2e-gatewayapi-test-session-affinity': gatewayFromMesh,
  'e2e-gloo-test-canary-1': renders('RouteTable'),
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
  // Valid; generate needs the live Knative Service (its revisions), which a fixture does not carry.
  'e2e-knative-test-canary-1': {
    validate: [],
    generate: { needsLive: 'spec.targetRef: Knative Service podinfo not found' },
  },
  'e2e-knative-test-canary-2': {
    validate: [],
    generate: { needsLive: 'spec.targetRef: Knative Service podinfo not found' },
  },
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
  'e2e-nginx-test-canary-1': renders('Ingress'),
  'e2e-nginx-test-canary-2': renders('Ingress'),
  'e2e-nginx-test-lifecycle-1': renders('Ingress'),
  'e2e-nginx-test-lifecycle-2': renders('Ingress'),
  'e2e-skipper-test-canary': renders('Ingress'),
  'e2e-traefik-test-canary': renders('TraefikService'),
  'tutorial-apisix-progressive-delivery': renders('ApisixRoute'),
  'tutorial-appmesh-progressive-delivery': renders('VirtualRouter'),
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
  'tutorial-knative-progressive-delivery': {
    validate: [],
    generate: { needsLive: 'spec.targetRef: Knative Service podinfo not found' },
  },
  'tutorial-kubernetes-blue-green': renders('Service'),
  'tutorial-kuma-progressive-delivery': renders('TrafficRoute'),
  'tutorial-linkerd-progressive-delivery-1': gatewayFromMesh,
  'tutorial-linkerd-progressive-delivery-2': refused(['spec.ingressRef.apiVersion']),
  'tutorial-nginx-progressive-delivery': renders('Ingress'),
  'tutorial-prometheus-operator': renders('Service'),
  'tutorial-skipper-progressive-delivery': renders('Ingress'),
  'tutorial-traefik-progressive-delivery': renders('TraefikService'),
};

const all = corpusFixtures();

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

    const generated = await runCommand([generateCommand], generateArgs(fixture));
    if ('renders' in expected.generate) {
      expect(generated.stderr).toBe('');
      expect(generated.code).toBe(0);
      const kinds = generated.stdout.match(/^kind: \S+$/gm) ?? [];
      expect(kinds).toContain(`kind: ${expected.generate.renders}`);
      expect(kinds).toContain('kind: Service');
      if (fixture.inputs !== undefined) {
        // Without the user's object beside it, generate names the reference and prints nothing.
        const alone = await runCommand([generateCommand], generateArgs(fixture, { withInputs: false }));
        expect(alone.code).toBe(1);
        expect(alone.stderr).toContain(fixture.inputs.field);
        expect(alone.stderr).toContain('not found');
        expect(alone.stdout).toBe('');
      }
      return;
    }
    if ('needsLive' in expected.generate) {
      // Valid, but rendering reads the live object's revisions: generate says which object it needs.
      expect(generated.code).toBe(1);
      expect(generated.stderr).toContain(expected.generate.needsLive);
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
