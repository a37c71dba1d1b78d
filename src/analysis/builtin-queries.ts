/**
 * Flagger's built-in checks, one entry per metrics "observer" (Flagger's name for the pair of
 * queries a mesh or ingress provider gets). Each entry holds the two query templates exactly as
 * Flagger renders them once whitespace is collapsed (same metric names, labels, rate windows,
 * success = not 5xx, P99 or mean duration in milliseconds), plus what Serin needs to run them the
 * way Flagger does: how the duration value becomes milliseconds, how the template's names are
 * encoded, and whether `{{ target }}` alone names the canary (the noise guard asks the primary by
 * renaming the target).
 *
 * Which entry a Canary gets is `builtin.ts`'s to decide (Flagger's selection rules live there).
 */

export const OBSERVERS = [
  'istio',
  'http',
  'appmesh',
  'linkerd',
  'contour',
  'gloo',
  'nginx',
  'skipper',
  'traefik',
  'osm',
  'kuma',
  'apisix',
  'knative',
] as const;
export type Observer = (typeof OBSERVERS)[number];

export interface BuiltinQueries {
  /** Where the series come from, for docs and dry runs. */
  metrics: string;
  successRate: string;
  duration: string;
  /**
   * What the duration query's value is multiplied by to make milliseconds before Flagger truncates
   * it to whole milliseconds: 1 when the query already yields ms (most multiply inside PromQL),
   * 1000 for the http observer, whose query yields seconds and whose Go code scales it.
   */
  durationToMs: 1 | 1000;
  /**
   * Skipper names its routes after the Ingress with every non-word character replaced by `_`;
   * Flagger encodes the template names the same way before rendering.
   */
  encodeNames?: true;
  /**
   * Whether the queries find the canary through `{{ target }}` only, so that the same query with
   * `{{ target }}` = `<target>-primary` measures the primary. False where the canary is found by a
   * name the provider's objects derive (`…-canary…` clusters, routes, services): there no renaming
   * of the target reaches the primary.
   */
  primaryByTarget: boolean;
  /** The Knative observer finds the canary by the Service's latest created revision. */
  needsKnativeRevision?: true;
}

/**
 * Success rate in percent of a counter family: the rate of `ok` series (not 5xx) over the rate of
 * all. The two selectors are written out: Flagger's differ by more than the status matcher in
 * places (a trailing comma, a label after it).
 */
function successRate(metric: string, okSelector: string, allSelector: string): string {
  return `
  sum(
    rate(
      ${metric}{
        ${okSelector}
      }[{{ interval }}]
    )
  )
  /
  sum(
    rate(
      ${metric}{
        ${allSelector}
      }[{{ interval }}]
    )
  )
  * 100`;
}

/** P99 of a histogram `bucket{selector}`, in the histogram's unit. */
function p99(bucket: string, selector: string): string {
  return `
  histogram_quantile(
    0.99,
    sum(
      rate(
        ${bucket}{
          ${selector}
        }[{{ interval }}]
      )
    ) by (le)
  )`;
}

/** Envoy's cluster stats, selected by `label=~pattern` (Flagger leaves a trailing comma). */
function envoy(label: string, pattern: string): Pick<BuiltinQueries, 'successRate' | 'duration'> {
  const selector = `${label}=~"${pattern}"`;
  return {
    successRate: successRate(
      'envoy_cluster_upstream_rq',
      `${selector},\n        envoy_response_code!~"5.*"`,
      `${selector},`,
    ),
    duration: p99('envoy_cluster_upstream_rq_time_bucket', `${selector},`),
  };
}

/** The common case: the same selector, plus a status matcher in the numerator. */
function withStatus(selector: string, ok: string): [string, string] {
  return [`${selector},\n        ${ok}`, selector];
}

const ISTIO_SELECTOR = `reporter="destination",
        destination_workload_namespace="{{ namespace }}",
        destination_workload=~"{{ target }}"`;

const POD_SELECTOR = `kubernetes_namespace="{{ namespace }}",
        kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"`;

const LINKERD_SELECTOR = `namespace="{{ namespace }}",
        deployment=~"{{ target }}"`;

const OSM_SELECTOR = `destination_namespace="{{ namespace }}",
        destination_kind="Deployment",
        destination_name="{{ target }}"`;

const NGINX_SELECTOR = `namespace="{{ namespace }}",
        ingress="{{ ingress }}",
        canary!=""`;

/** ingress-nginx has no histogram Flagger uses: the mean response time, sum over count. */
function meanMs(sum: string, count: string, selector: string): string {
  return `
  sum(
    rate(
      ${sum}{
        ${selector}
      }[{{ interval }}]
    )
  )
  /
  sum(
    rate(
      ${count}{
        ${selector}
      }[{{ interval }}]
    )
  )
  * 1000`;
}

/** Skipper's route ids for the canary backend of an Ingress (Flagger's pattern, names encoded). */
const SKIPPER_ROUTE = `{{ printf "kube(ew)?_%s__%s_canary__.*__%s_canary(_[0-9]+)?" namespace ingress service }}`;

const TRAEFIK_SERVICE = `service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd"`;

const APISIX_ROUTE = `route=~"{{ namespace }}_{{ route }}-{{ target }}-canary_.+"`;

export const BUILTIN_QUERIES: Readonly<Record<Observer, BuiltinQueries>> = {
  istio: {
    metrics:
      'Istio standard metrics (istio_requests_total, istio_request_duration_milliseconds), destination reports',
    successRate: successRate('istio_requests_total', ...withStatus(ISTIO_SELECTOR, 'response_code!~"5.*"')),
    duration: p99('istio_request_duration_milliseconds_bucket', ISTIO_SELECTOR),
    durationToMs: 1,
    primaryByTarget: true,
  },
  http: {
    metrics:
      "the application's own http_request_duration_seconds histogram, scraped with kubernetes_namespace and kubernetes_pod_name labels",
    successRate: successRate(
      'http_request_duration_seconds_count',
      ...withStatus(POD_SELECTOR, 'status!~"5.*"'),
    ),
    duration: p99('http_request_duration_seconds_bucket', POD_SELECTOR),
    durationToMs: 1000,
    primaryByTarget: true,
  },
  appmesh: {
    metrics: 'Envoy sidecar cluster stats, scraped with kubernetes_namespace and kubernetes_pod_name labels',
    successRate: successRate(
      'envoy_cluster_upstream_rq',
      ...withStatus(POD_SELECTOR, 'envoy_response_code!~"5.*"'),
    ),
    duration: p99('envoy_cluster_upstream_rq_time_bucket', POD_SELECTOR),
    durationToMs: 1,
    primaryByTarget: true,
  },
  linkerd: {
    metrics: 'Linkerd proxy metrics (response_total, response_latency_ms), inbound direction',
    successRate: successRate(
      'response_total',
      `${LINKERD_SELECTOR},\n        classification!="failure",\n        direction="inbound"`,
      `${LINKERD_SELECTOR},\n        direction="inbound"`,
    ),
    duration: p99('response_latency_ms_bucket', `${LINKERD_SELECTOR},\n          direction="inbound"`),
    durationToMs: 1,
    primaryByTarget: true,
  },
  contour: {
    metrics: "Envoy cluster stats of Contour's Envoy, cluster <namespace>_<service>-canary_<port>",
    ...envoy('envoy_cluster_name', '{{ namespace }}_{{ service }}-canary_[0-9a-zA-Z-]+'),
    durationToMs: 1,
    primaryByTarget: false,
  },
  gloo: {
    metrics: "Envoy cluster stats of Gloo's gateway proxy, cluster of the canary upstream",
    ...envoy('envoy_cluster_name', '{{ namespace }}-{{ target }}-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+'),
    durationToMs: 1,
    primaryByTarget: false,
  },
  nginx: {
    metrics:
      'ingress-nginx controller metrics of the canary Ingress (nginx_ingress_controller_requests, nginx_ingress_controller_response_duration_seconds)',
    successRate: successRate(
      'nginx_ingress_controller_requests',
      ...withStatus(NGINX_SELECTOR, 'status!~"5.*"'),
    ),
    duration: meanMs(
      'nginx_ingress_controller_response_duration_seconds_sum',
      'nginx_ingress_controller_response_duration_seconds_count',
      NGINX_SELECTOR,
    ),
    durationToMs: 1,
    primaryByTarget: false,
  },
  skipper: {
    metrics: "Skipper's route metrics of the canary backend route (response and serve-route durations)",
    successRate: `
  sum(rate(skipper_response_duration_seconds_bucket{route=~"${SKIPPER_ROUTE}",code!~"5..",le="+Inf"}[{{ interval }}])) /
  sum(rate(skipper_response_duration_seconds_bucket{route=~"${SKIPPER_ROUTE}",le="+Inf"}[{{ interval }}])) * 100`,
    duration: `
  sum(rate(skipper_serve_route_duration_seconds_sum{route=~"${SKIPPER_ROUTE}"}[{{ interval }}])) /
  sum(rate(skipper_serve_route_duration_seconds_count{route=~"${SKIPPER_ROUTE}"}[{{ interval }}])) * 1000`,
    durationToMs: 1,
    encodeNames: true,
    primaryByTarget: false,
  },
  traefik: {
    metrics: "Traefik's service metrics of the canary TraefikService backend",
    successRate: successRate(
      'traefik_service_request_duration_seconds_bucket',
      `${TRAEFIK_SERVICE},\n        code!~"5..",\n        le="+Inf"`,
      `${TRAEFIK_SERVICE},\n        le="+Inf"`,
    ),
    duration: `${p99('traefik_service_request_duration_seconds_bucket', TRAEFIK_SERVICE)} * 1000`,
    durationToMs: 1,
    primaryByTarget: false,
  },
  osm: {
    metrics: 'Open Service Mesh proxy metrics (osm_request_total, osm_request_duration_ms)',
    successRate: successRate('osm_request_total', ...withStatus(OSM_SELECTOR, 'response_code!~"5.*"')),
    duration: p99('osm_request_duration_ms_bucket', OSM_SELECTOR),
    durationToMs: 1,
    primaryByTarget: true,
  },
  kuma: {
    metrics: 'Envoy cluster stats of the Kuma data plane, service <target>-canary_<namespace>_svc_<port>',
    ...envoy('service', '{{ target }}-canary_{{ namespace }}_svc_[0-9a-zA-Z-]+'),
    durationToMs: 1,
    primaryByTarget: false,
  },
  apisix: {
    metrics:
      "APISIX's Prometheus plugin metrics of the canary route (apisix_http_status, apisix_http_latency)",
    successRate: successRate('apisix_http_status', ...withStatus(APISIX_ROUTE, 'code!~"5.."')),
    duration: p99('apisix_http_latency_bucket', `type=~"request",\n          ${APISIX_ROUTE}`),
    durationToMs: 1,
    primaryByTarget: false,
  },
  knative: {
    metrics: "Envoy cluster stats of Knative's ingress, cluster <namespace>/<latest created revision>",
    ...envoy('envoy_cluster_name', '{{ namespace }}/{{ route }}'),
    durationToMs: 1,
    primaryByTarget: false,
    needsKnativeRevision: true,
  },
};
