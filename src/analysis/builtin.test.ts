import { describe, expect, it } from 'vitest';
import { CanaryDocument, type Canary, type CanaryInput } from '../api/canary.js';
import { FLAGGER_PROVIDERS } from '../api/capabilities.js';
import {
  builtinObserver,
  builtinScope,
  builtinTemplate,
  DURATION,
  durationMs,
  OBSERVERS,
  SUCCESS_RATE,
  type Observer,
} from './builtin.js';
import { renderTemplate, templateScope } from './template.js';

function canary(overrides: Partial<CanaryInput['spec']> = {}, namespace = 'test'): Canary {
  return CanaryDocument.parse({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 5, stepWeight: 10, maxWeight: 50 },
      ...overrides,
    },
  });
}

const render = (name: typeof SUCCESS_RATE | typeof DURATION, observer: Observer, c = canary()) =>
  renderTemplate(
    builtinTemplate(name, observer),
    builtinScope(observer, templateScope(c, { interval: '1m' })),
  );

/**
 * What Flagger sends for namespace `test`, target/service/ingress/route `podinfo`, interval `1m`:
 * its query templates executed by Go's text/template and whitespace-collapsed as its Prometheus
 * client does (taken once from a run of Flagger's observers, then written here).
 */
const FLAGGER_SENDS: Record<Observer, [successRate: string, duration: string]> = {
  istio: [
    ' sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="test", destination_workload=~"podinfo", response_code!~"5.*" }[1m] ) ) / sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="test", destination_workload=~"podinfo" }[1m] ) ) * 100',
    ' histogram_quantile( 0.99, sum( rate( istio_request_duration_milliseconds_bucket{ reporter="destination", destination_workload_namespace="test", destination_workload=~"podinfo" }[1m] ) ) by (le) )',
  ],
  http: [
    ' sum( rate( http_request_duration_seconds_count{ kubernetes_namespace="test", kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)", status!~"5.*" }[1m] ) ) / sum( rate( http_request_duration_seconds_count{ kubernetes_namespace="test", kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)" }[1m] ) ) * 100',
    ' histogram_quantile( 0.99, sum( rate( http_request_duration_seconds_bucket{ kubernetes_namespace="test", kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)" }[1m] ) ) by (le) )',
  ],
  appmesh: [
    ' sum( rate( envoy_cluster_upstream_rq{ kubernetes_namespace="test", kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)", envoy_response_code!~"5.*" }[1m] ) ) / sum( rate( envoy_cluster_upstream_rq{ kubernetes_namespace="test", kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)" }[1m] ) ) * 100',
    ' histogram_quantile( 0.99, sum( rate( envoy_cluster_upstream_rq_time_bucket{ kubernetes_namespace="test", kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)" }[1m] ) ) by (le) )',
  ],
  linkerd: [
    ' sum( rate( response_total{ namespace="test", deployment=~"podinfo", classification!="failure", direction="inbound" }[1m] ) ) / sum( rate( response_total{ namespace="test", deployment=~"podinfo", direction="inbound" }[1m] ) ) * 100',
    ' histogram_quantile( 0.99, sum( rate( response_latency_ms_bucket{ namespace="test", deployment=~"podinfo", direction="inbound" }[1m] ) ) by (le) )',
  ],
  contour: [
    ' sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"test_podinfo-canary_[0-9a-zA-Z-]+", envoy_response_code!~"5.*" }[1m] ) ) / sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"test_podinfo-canary_[0-9a-zA-Z-]+", }[1m] ) ) * 100',
    ' histogram_quantile( 0.99, sum( rate( envoy_cluster_upstream_rq_time_bucket{ envoy_cluster_name=~"test_podinfo-canary_[0-9a-zA-Z-]+", }[1m] ) ) by (le) )',
  ],
  gloo: [
    ' sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"test-podinfo-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+", envoy_response_code!~"5.*" }[1m] ) ) / sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"test-podinfo-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+", }[1m] ) ) * 100',
    ' histogram_quantile( 0.99, sum( rate( envoy_cluster_upstream_rq_time_bucket{ envoy_cluster_name=~"test-podinfo-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+", }[1m] ) ) by (le) )',
  ],
  nginx: [
    ' sum( rate( nginx_ingress_controller_requests{ namespace="test", ingress="podinfo", canary!="", status!~"5.*" }[1m] ) ) / sum( rate( nginx_ingress_controller_requests{ namespace="test", ingress="podinfo", canary!="" }[1m] ) ) * 100',
    ' sum( rate( nginx_ingress_controller_response_duration_seconds_sum{ namespace="test", ingress="podinfo", canary!="" }[1m] ) ) / sum( rate( nginx_ingress_controller_response_duration_seconds_count{ namespace="test", ingress="podinfo", canary!="" }[1m] ) ) * 1000',
  ],
  skipper: [
    ' sum(rate(skipper_response_duration_seconds_bucket{route=~"kube(ew)?_test__podinfo_canary__.*__podinfo_canary(_[0-9]+)?",code!~"5..",le="+Inf"}[1m])) / sum(rate(skipper_response_duration_seconds_bucket{route=~"kube(ew)?_test__podinfo_canary__.*__podinfo_canary(_[0-9]+)?",le="+Inf"}[1m])) * 100',
    ' sum(rate(skipper_serve_route_duration_seconds_sum{route=~"kube(ew)?_test__podinfo_canary__.*__podinfo_canary(_[0-9]+)?"}[1m])) / sum(rate(skipper_serve_route_duration_seconds_count{route=~"kube(ew)?_test__podinfo_canary__.*__podinfo_canary(_[0-9]+)?"}[1m])) * 1000',
  ],
  traefik: [
    ' sum( rate( traefik_service_request_duration_seconds_bucket{ service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd", code!~"5..", le="+Inf" }[1m] ) ) / sum( rate( traefik_service_request_duration_seconds_bucket{ service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd", le="+Inf" }[1m] ) ) * 100',
    ' histogram_quantile( 0.99, sum( rate( traefik_service_request_duration_seconds_bucket{ service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd" }[1m] ) ) by (le) ) * 1000',
  ],
  osm: [
    ' sum( rate( osm_request_total{ destination_namespace="test", destination_kind="Deployment", destination_name="podinfo", response_code!~"5.*" }[1m] ) ) / sum( rate( osm_request_total{ destination_namespace="test", destination_kind="Deployment", destination_name="podinfo" }[1m] ) ) * 100',
    ' histogram_quantile( 0.99, sum( rate( osm_request_duration_ms_bucket{ destination_namespace="test", destination_kind="Deployment", destination_name="podinfo" }[1m] ) ) by (le) )',
  ],
  kuma: [
    ' sum( rate( envoy_cluster_upstream_rq{ service=~"podinfo-canary_test_svc_[0-9a-zA-Z-]+", envoy_response_code!~"5.*" }[1m] ) ) / sum( rate( envoy_cluster_upstream_rq{ service=~"podinfo-canary_test_svc_[0-9a-zA-Z-]+", }[1m] ) ) * 100',
    ' histogram_quantile( 0.99, sum( rate( envoy_cluster_upstream_rq_time_bucket{ service=~"podinfo-canary_test_svc_[0-9a-zA-Z-]+", }[1m] ) ) by (le) )',
  ],
  apisix: [
    ' sum( rate( apisix_http_status{ route=~"test_podinfo-podinfo-canary_.+", code!~"5.." }[1m] ) ) / sum( rate( apisix_http_status{ route=~"test_podinfo-podinfo-canary_.+" }[1m] ) ) * 100',
    ' histogram_quantile( 0.99, sum( rate( apisix_http_latency_bucket{ type=~"request", route=~"test_podinfo-podinfo-canary_.+" }[1m] ) ) by (le) )',
  ],
  knative: [
    ' sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"test/podinfo", envoy_response_code!~"5.*" }[1m] ) ) / sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"test/podinfo", }[1m] ) ) * 100',
    ' histogram_quantile( 0.99, sum( rate( envoy_cluster_upstream_rq_time_bucket{ envoy_cluster_name=~"test/podinfo", }[1m] ) ) by (le) )',
  ],
};

describe('built-in queries per provider', () => {
  it.each(OBSERVERS)('%s: both queries exactly as Flagger sends them', (observer) => {
    const [successRate, duration] = FLAGGER_SENDS[observer];
    expect(render(SUCCESS_RATE, observer)).toBe(successRate);
    expect(render(DURATION, observer)).toBe(duration);
  });

  it('uses the metric interval and the target, not the Canary name', () => {
    const c = canary({ targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'backend' } });
    const rendered = renderTemplate(builtinTemplate(SUCCESS_RATE), templateScope(c, { interval: '30s' }));
    expect(rendered).toContain('destination_workload=~"backend"');
    expect(rendered).toContain('}[30s]');
    expect(rendered).not.toContain('podinfo');
  });

  it("skipper: names are encoded as Skipper's route ids (non-word characters to _), as Flagger does", () => {
    const c = canary(
      {
        provider: 'skipper',
        service: { port: 80, name: 'front.end' },
        ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'web-app' },
      },
      'my-shop',
    );
    expect(render(SUCCESS_RATE, 'skipper', c)).toContain(
      'route=~"kube(ew)?_my_shop__web_app_canary__.*__front_end_canary(_[0-9]+)?"',
    );
    // Other providers keep the names as written.
    expect(render(SUCCESS_RATE, 'contour', c)).toContain('envoy_cluster_name=~"my-shop_front.end-canary_');
  });

  it('nginx and apisix read ingressRef and routeRef, defaulting to the target', () => {
    const c = canary({
      ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'public' },
      routeRef: { apiVersion: 'apisix.apache.org/v2', kind: 'ApisixRoute', name: 'rt' },
    });
    expect(render(SUCCESS_RATE, 'nginx', c)).toContain('ingress="public"');
    expect(render(SUCCESS_RATE, 'apisix', c)).toContain('route=~"test_rt-podinfo-canary_.+"');
  });
});

describe("which provider's built-ins a Canary runs (Flagger's scheduler and observer factory)", () => {
  const pick = (overrides: Partial<CanaryInput['spec']>, meshProvider?: string) =>
    builtinObserver(canary(overrides), meshProvider);

  it('every value of spec.provider, with a Deployment target', () => {
    const picked = Object.fromEntries(FLAGGER_PROVIDERS.map((p) => [p, pick({ provider: p })]));
    expect(picked).toEqual({
      apisix: 'apisix',
      appmesh: 'appmesh',
      'appmesh:v1beta2': 'appmesh',
      contour: 'contour',
      'gatewayapi:v1': 'http',
      'gatewayapi:v1beta1': 'http',
      gloo: 'gloo',
      istio: 'istio',
      knative: 'knative',
      kubernetes: 'http',
      kuma: 'kuma',
      linkerd: 'linkerd',
      nginx: 'nginx',
      osm: 'osm',
      skipper: 'skipper',
      // Flagger has no SMI observer: its factory falls back to Istio's queries.
      'smi:v1alpha1': 'istio',
      'smi:v1alpha2': 'istio',
      'smi:v1alpha3': 'istio',
      traefik: 'traefik',
    });
    expect(pick({ provider: 'gateway-api' })).toBe('http');
  });

  it("without spec.provider, the controller's default provider decides", () => {
    expect(pick({})).toBe('istio');
    expect(pick({}, 'gateway-api')).toBe('http');
    expect(pick({}, 'nginx')).toBe('nginx');
    expect(pick({ provider: 'contour' }, 'nginx')).toBe('contour');
  });

  it("a Linkerd controller runs Linkerd's queries for every Canary", () => {
    expect(pick({ provider: 'nginx' }, 'linkerd')).toBe('linkerd');
    expect(pick({}, 'linkerd')).toBe('linkerd');
  });

  it('a kind: Service target keeps only the prefix-matched providers; the others get Istio queries', () => {
    const service = { apiVersion: 'v1', kind: 'Service' as const, name: 'podinfo' };
    expect(pick({ provider: 'nginx', targetRef: service })).toBe('istio');
    expect(pick({ provider: 'kubernetes', targetRef: service })).toBe('istio');
    expect(pick({ provider: 'gloo', targetRef: service })).toBe('gloo');
    expect(pick({ provider: 'appmesh', targetRef: service })).toBe('appmesh');
    expect(pick({ provider: 'gatewayapi:v1', targetRef: service })).toBe('http');
    // A Knative Service is not a Service target.
    const knative = { apiVersion: 'serving.knative.dev/v1', kind: 'Service' as const, name: 'podinfo' };
    expect(pick({ provider: 'knative', targetRef: knative })).toBe('knative');
  });
});

describe('request-duration in milliseconds, as Flagger compares it', () => {
  it('truncates to whole milliseconds', () => {
    expect(durationMs('istio', 250.99)).toBe(250);
    expect(durationMs('nginx', 62.5)).toBe(62);
  });

  it("scales the http observer's seconds by 1000 (Flagger does it in Go, not in the query)", () => {
    expect(durationMs('http', 0.25)).toBe(250);
    expect(durationMs('http', 0.0019)).toBe(1);
    expect(durationMs('traefik', 250)).toBe(250);
  });

  it('leaves NaN and infinities to be reported as no measurement', () => {
    expect(durationMs('http', Number.NaN)).toBeNaN();
    expect(durationMs('http', Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('the table', () => {
  it('every query of every provider reads the metric interval', () => {
    for (const observer of OBSERVERS) {
      for (const name of [SUCCESS_RATE, DURATION] as const)
        expect(builtinTemplate(name, observer)).toContain('[{{ interval }}]');
    }
  });
});
