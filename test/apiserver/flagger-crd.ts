/**
 * Flagger's `canaries.flagger.app` CustomResourceDefinition as Flagger 1.44.0 publishes it
 * (`artifacts/flagger/crd.yaml`), written out structurally here: every property, type, enum,
 * required list, pattern, bound, default and combinator a real API server enforces, without the
 * descriptions. Suites that run `flagger.app` documents get exactly what a cluster with Flagger
 * installed would prune and reject. `flagger-crd.test.ts` compares this with the real file when
 * `FLAGGER_CRD` names one.
 */
import type { JsonObject, JsonValue } from './json.js';

export const FLAGGER_VERSION = '1.44.0';

type Props = Record<string, JsonObject>;

const string = (extra: JsonObject = {}): JsonObject => ({ type: 'string', ...extra });
const number = (extra: JsonObject = {}): JsonObject => ({ type: 'number', ...extra });
const integer = (extra: JsonObject = {}): JsonObject => ({ type: 'integer', ...extra });
const boolean = (): JsonObject => ({ type: 'boolean' });
const object = (properties: Props, extra: JsonObject = {}): JsonObject => ({
  type: 'object',
  properties,
  ...extra,
});
const array = (items: JsonObject, extra: JsonObject = {}): JsonObject => ({ type: 'array', items, ...extra });
const mapOf = (values: JsonObject): JsonObject => ({ type: 'object', additionalProperties: values });
const strings = (): JsonObject => array(string());
const enumOf = (...values: string[]): JsonObject => string({ enum: values });
const required = (...names: string[]): JsonObject => ({ required: names });

/** A `{apiVersion, kind, name}` reference whose kind is limited to `kinds`. */
function reference(kinds: string[], extra: Props = {}): JsonObject {
  return object(
    { apiVersion: string(), kind: enumOf(...kinds), name: string(), ...extra },
    required('apiVersion', 'kind', 'name'),
  );
}

/** Istio's StringMatch: at most one of exact, prefix, regex. */
function istioStringMatch(): JsonObject {
  const oneOfExactPrefixRegex: JsonValue[] = [
    { not: { anyOf: [required('exact'), required('prefix'), required('regex')] } },
    required('exact'),
    required('prefix'),
    required('regex'),
  ];
  return object({ exact: string(), prefix: string(), regex: string() }, { oneOf: oneOfExactPrefixRegex });
}

/** Istio's HTTPMatchRequest, as Flagger copies it into `spec.service.match`. */
function httpMatchRequest(): JsonObject {
  return object({
    authority: istioStringMatch(),
    gateways: strings(),
    headers: mapOf(istioStringMatch()),
    ignoreUriCase: boolean(),
    method: istioStringMatch(),
    name: string(),
    port: integer(),
    queryParams: mapOf(istioStringMatch()),
    scheme: istioStringMatch(),
    sourceLabels: mapOf(string()),
    sourceNamespace: string(),
    uri: istioStringMatch(),
    withoutHeaders: mapOf(istioStringMatch()),
  });
}

const DNS_SUBDOMAIN_OR_EMPTY = '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const KIND = '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$';
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const PORT = integer({ minimum: 1, maximum: 65535 });

/** Gateway API's ParentReference, for `spec.service.gatewayRefs`. */
function parentReference(): JsonObject {
  return object(
    {
      group: string({
        default: 'gateway.networking.k8s.io',
        maxLength: 253,
        pattern: DNS_SUBDOMAIN_OR_EMPTY,
      }),
      kind: string({ default: 'Gateway', maxLength: 63, minLength: 1, pattern: KIND }),
      name: string({ maxLength: 253, minLength: 1 }),
      namespace: string({ maxLength: 63, minLength: 1, pattern: DNS_LABEL }),
      sectionName: string({ maxLength: 253, minLength: 1, pattern: DNS_SUBDOMAIN }),
      port: PORT,
    },
    required('name'),
  );
}

function mirrorBackend(): JsonObject {
  return object({
    backendRef: object(
      {
        group: string({ default: '', maxLength: 253, pattern: DNS_SUBDOMAIN_OR_EMPTY }),
        kind: string({ default: 'Service', maxLength: 63, minLength: 1, pattern: KIND }),
        name: string({ maxLength: 253, minLength: 1 }),
        namespace: string({ maxLength: 63, minLength: 1, pattern: DNS_LABEL }),
        port: PORT,
      },
      {
        required: ['name'],
        'x-kubernetes-validations': [
          {
            message: 'Must have port for Service reference',
            rule: "(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true",
          },
        ],
      },
    ),
  });
}

function headerOperations(): JsonObject {
  return object({ add: mapOf(string()), remove: strings(), set: mapOf(string()) });
}

function labelsAndAnnotations(): JsonObject {
  return object({ labels: mapOf(string()), annotations: mapOf(string()) });
}

function trafficPolicy(): JsonObject {
  return object({
    connectionPool: object({
      http: object({
        h2UpgradePolicy: enumOf('DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'),
        http1MaxPendingRequests: integer(),
        http2MaxRequests: integer(),
        idleTimeout: string(),
        maxRequestsPerConnection: integer(),
        maxRetries: integer(),
      }),
    }),
    loadBalancer: object(
      {
        consistentHash: object({
          httpCookie: object({ name: string(), path: string(), ttl: string() }),
          httpHeaderName: string(),
          httpQueryParameterName: string(),
          minimumRingSize: integer(),
          useSourceIp: boolean(),
        }),
        localityLbSetting: object({
          distribute: array(object({ from: string(), to: mapOf(integer()) })),
          enabled: boolean(),
          failover: array(object({ from: string(), to: string() })),
        }),
        simple: enumOf('ROUND_ROBIN', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'LEAST_REQUEST'),
        warmupDurationSecs: string(),
      },
      {
        oneOf: [
          required('simple'),
          {
            properties: {
              consistentHash: {
                oneOf: [
                  required('httpHeaderName'),
                  required('httpCookie'),
                  required('useSourceIp'),
                  required('httpQueryParameterName'),
                ],
              },
            },
            required: ['consistentHash'],
          },
        ],
      },
    ),
    outlierDetection: object({
      baseEjectionTime: string(),
      consecutive5xxErrors: integer(),
      consecutiveErrors: integer(),
      consecutiveGatewayErrors: integer(),
      consecutiveLocalOriginFailures: integer(),
      interval: string(),
      maxEjectionPercent: integer(),
      minHealthPercent: integer(),
      splitExternalLocalOriginErrors: boolean(),
    }),
    tls: object({
      caCertificates: string(),
      clientCertificate: string(),
      mode: enumOf('DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'),
      privateKey: string(),
      sni: string(),
      subjectAltNames: strings(),
    }),
  });
}

function service(): JsonObject {
  return object(
    {
      name: string(),
      port: number(),
      portName: string(),
      appProtocol: string(),
      trafficDistribution: enumOf('PreferClose', 'PreferSameZone', 'PreferSameNode'),
      targetPort: { 'x-kubernetes-int-or-string': true },
      portDiscovery: boolean(),
      headless: boolean(),
      timeout: string(),
      backendTimeout: string(),
      meshName: string(),
      backends: strings(),
      hosts: strings(),
      delegation: boolean(),
      match: array(httpMatchRequest()),
      retries: object({ attempts: integer(), perTryTimeout: string(), retryOn: string() }),
      rewrite: object({ uri: string(), authority: string(), type: string() }),
      // Flagger puts `required` on the array itself, where it constrains nothing.
      mirror: array(mirrorBackend(), required('backendRef')),
      headers: object({ request: headerOperations(), response: headerOperations() }),
      gateways: strings(),
      gatewayRefs: array(parentReference(), { maxItems: 32 }),
      corsPolicy: object({
        allowCredentials: boolean(),
        allowHeaders: strings(),
        allowMethods: strings(),
        allowOrigin: strings(),
        allowOrigins: array(
          object(
            { exact: string(), prefix: string(), regex: string() },
            { oneOf: [required('exact'), required('prefix'), required('regex')] },
          ),
        ),
        exposeHeaders: strings(),
        maxAge: string(),
      }),
      trafficPolicy: trafficPolicy(),
      apex: labelsAndAnnotations(),
      primary: labelsAndAnnotations(),
      canary: labelsAndAnnotations(),
      unmanagedMetadata: object({ annotations: strings(), labels: strings() }),
    },
    required('port'),
  );
}

const DURATION = '^[0-9]+(m|s)';

function analysis(): JsonObject {
  const headerMatch = object(
    { exact: string(), prefix: string(), suffix: string(), regex: string() },
    { oneOf: [required('exact'), required('prefix'), required('suffix'), required('regex')] },
  );
  return object(
    {
      interval: string({ pattern: DURATION }),
      iterations: number(),
      threshold: number(),
      maxWeight: number(),
      stepWeight: number(),
      stepWeights: array(number()),
      stepWeightPromotion: number(),
      mirror: boolean(),
      mirrorWeight: number(),
      primaryReadyThreshold: number(),
      canaryReadyThreshold: number(),
      match: array(
        object({
          headers: mapOf(headerMatch),
          queryParams: mapOf(istioStringMatch()),
          sourceLabels: mapOf(string()),
        }),
      ),
      metrics: array(
        object(
          {
            name: string(),
            interval: string({ pattern: DURATION }),
            threshold: number(),
            thresholdRange: object({ min: number(), max: number() }),
            query: string(),
            templateRef: object({ name: string(), namespace: string() }, required('name')),
            templateVariables: mapOf(string()),
          },
          required('name'),
        ),
      ),
      alerts: array(
        object(
          {
            name: string(),
            severity: enumOf('', 'info', 'warn', 'error'),
            providerRef: object({ name: string(), namespace: string() }, required('name')),
          },
          required('providerRef', 'name'),
        ),
      ),
      webhooks: array(
        object(
          {
            name: string(),
            type: enumOf(
              '',
              'confirm-rollout',
              'pre-rollout',
              'rollout',
              'confirm-promotion',
              'post-rollout',
              'event',
              'rollback',
              'confirm-traffic-increase',
            ),
            muteAlert: boolean(),
            url: string({ format: 'url' }),
            timeout: string({ pattern: DURATION }),
            retries: number(),
            disableTLS: boolean(),
            metadata: mapOf(string()),
          },
          required('name', 'url'),
        ),
      ),
      sessionAffinity: object(
        {
          cookieName: string(),
          primaryCookieName: string(),
          domain: string(),
          httpOnly: boolean(),
          maxAge: number({ default: 86400 }),
          partitioned: boolean(),
          path: string(),
          sameSite: enumOf('Strict', 'Lax', 'None'),
          secure: boolean(),
        },
        required('cookieName'),
      ),
    },
    {
      oneOf: [
        required('interval', 'threshold', 'iterations'),
        required('interval', 'threshold', 'stepWeight'),
        required('interval', 'threshold', 'stepWeights'),
      ],
    },
  );
}

/** The status fields Flagger declares: everything else a controller writes to status is pruned. */
export const FLAGGER_STATUS_FIELDS = [
  'phase',
  'failedChecks',
  'canaryWeight',
  'iterations',
  'trackedConfigs',
  'lastAppliedSpec',
  'lastPromotedSpec',
  'lastTransitionTime',
  'sessionAffinityCookie',
  'primarySessionAffinityCookie',
  'previousSessionAffinityCookie',
  'conditions',
] as const;

function status(): JsonObject {
  const dateTime = (): JsonObject => string({ format: 'date-time' });
  return object({
    phase: enumOf(
      '',
      'Initializing',
      'Initialized',
      'Waiting',
      'Progressing',
      'WaitingPromotion',
      'Promoting',
      'Finalising',
      'Succeeded',
      'Failed',
      'Terminating',
      'Terminated',
    ),
    failedChecks: number(),
    canaryWeight: number(),
    iterations: number(),
    trackedConfigs: mapOf(string()),
    lastAppliedSpec: string(),
    lastPromotedSpec: string(),
    lastTransitionTime: dateTime(),
    sessionAffinityCookie: string(),
    primarySessionAffinityCookie: string(),
    previousSessionAffinityCookie: string(),
    conditions: array(
      object(
        {
          lastTransitionTime: dateTime(),
          lastUpdateTime: dateTime(),
          message: string(),
          reason: string(),
          status: string(),
          type: string(),
        },
        required('type', 'status', 'reason'),
      ),
    ),
  });
}

/** The `openAPIV3Schema` of Flagger's Canary v1beta1. */
export function flaggerCanarySchema(): JsonObject {
  return object({
    apiVersion: string(),
    kind: string(),
    metadata: { type: 'object' },
    spec: object(
      {
        provider: enumOf(
          'apisix',
          'appmesh',
          'appmesh:v1beta2',
          'contour',
          'gatewayapi:v1',
          'gatewayapi:v1beta1',
          'gloo',
          'istio',
          'knative',
          'kubernetes',
          'kuma',
          'linkerd',
          'nginx',
          'osm',
          'skipper',
          'smi:v1alpha1',
          'smi:v1alpha2',
          'smi:v1alpha3',
          'traefik',
        ),
        metricsServer: string(),
        progressDeadlineSeconds: number(),
        targetRef: reference(['DaemonSet', 'Deployment', 'Service']),
        autoscalerRef: reference(['HorizontalPodAutoscaler', 'ScaledObject'], {
          primaryScalerQueries: mapOf(string()),
          primaryScalerReplicas: object({
            minReplicas: integer({ minimum: 1 }),
            maxReplicas: integer({ minimum: 1 }),
          }),
        }),
        ingressRef: reference(['Ingress']),
        routeRef: reference(['ApisixRoute']),
        upstreamRef: reference(['Upstream'], { namespace: string() }),
        service: service(),
        skipAnalysis: boolean(),
        revertOnDeletion: boolean(),
        suspend: boolean(),
        analysis: analysis(),
      },
      required('targetRef', 'analysis'),
    ),
    status: status(),
  });
}

const PRINTER_COLUMNS: JsonObject[] = [
  { name: 'Status', type: 'string', jsonPath: '.status.phase' },
  { name: 'Weight', type: 'string', jsonPath: '.status.canaryWeight' },
  { name: 'Suspended', type: 'boolean', jsonPath: '.spec.suspend', priority: 1 },
  { name: 'FailedChecks', type: 'string', jsonPath: '.status.failedChecks', priority: 1 },
  { name: 'Interval', type: 'string', jsonPath: '.spec.analysis.interval', priority: 1 },
  { name: 'Mirror', type: 'boolean', jsonPath: '.spec.analysis.mirror', priority: 1 },
  { name: 'StepWeight', type: 'string', jsonPath: '.spec.analysis.stepWeight', priority: 1 },
  { name: 'StepWeights', type: 'string', jsonPath: '.spec.analysis.stepWeights', priority: 1 },
  { name: 'MaxWeight', type: 'string', jsonPath: '.spec.analysis.maxWeight', priority: 1 },
  { name: 'LastTransitionTime', type: 'string', jsonPath: '.status.lastTransitionTime' },
];

/** The whole CustomResourceDefinition, as `kubectl apply -f crd.yaml` from Flagger installs it. */
/** A `flagger.app` CRD as Flagger's crd.yaml writes them: one served, stored v1beta1 with status. */
function flaggerCrd(
  names: { kind: string; plural: string; singular: string },
  columns: JsonObject[],
  schema: JsonObject,
): JsonObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${names.plural}.flagger.app`, annotations: { 'helm.sh/resource-policy': 'keep' } },
    spec: {
      group: 'flagger.app',
      names: { ...names, listKind: `${names.kind}List`, categories: ['all'] },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1beta1',
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: columns,
          schema: { openAPIV3Schema: schema },
        },
      ],
    },
  };
}

export function stockFlaggerCanaryCrd(): JsonObject {
  return flaggerCrd(
    { kind: 'Canary', plural: 'canaries', singular: 'canary' },
    PRINTER_COLUMNS,
    flaggerCanarySchema(),
  );
}

/** Flagger's MetricTemplate schema (1.44.0): a provider and a query, nothing else. */
export function flaggerMetricTemplateSchema(): JsonObject {
  return object({
    apiVersion: string(),
    kind: string(),
    metadata: { type: 'object' },
    spec: object(
      {
        provider: object(
          {
            type: enumOf(
              'prometheus',
              'influxdb',
              'datadog',
              'externalmetrics',
              'stackdriver',
              'cloudwatch',
              'newrelic',
              'graphite',
              'dynatrace',
              'keptn',
              'splunk',
            ),
            address: string(),
            headers: mapOf(strings()),
            secretRef: object({ name: string() }, required('name')),
            region: string(),
            insecureSkipVerify: boolean(),
          },
          required('type'),
        ),
        query: string(),
      },
      required('provider', 'query'),
    ),
  });
}

/** Flagger's `metrictemplates.flagger.app` CRD, as Flagger's crd.yaml declares it. */
export function stockFlaggerMetricTemplateCrd(): JsonObject {
  return flaggerCrd(
    { kind: 'MetricTemplate', plural: 'metrictemplates', singular: 'metrictemplate' },
    [{ name: 'Provider', type: 'string', jsonPath: '.spec.provider.type' }],
    flaggerMetricTemplateSchema(),
  );
}

/**
 * Flagger's AlertProvider schema (1.44.0): a chat type, and either an address or a Secret holding
 * it (a `oneOf` of two `required` lists, as Flagger's crd.yaml writes it).
 */
export function flaggerAlertProviderSchema(): JsonObject {
  return object({
    apiVersion: string(),
    kind: string(),
    metadata: { type: 'object' },
    spec: object(
      {
        type: enumOf('slack', 'msteams', 'discord', 'rocket', 'gchat'),
        channel: string(),
        username: string(),
        address: string(),
        proxy: string(),
        secretRef: object({ name: string() }, required('name')),
      },
      { oneOf: [required('type', 'address'), required('type', 'secretRef')] },
    ),
  });
}

/** Flagger's `alertproviders.flagger.app` CRD, as Flagger's crd.yaml declares it. */
export function stockFlaggerAlertProviderCrd(): JsonObject {
  return flaggerCrd(
    { kind: 'AlertProvider', plural: 'alertproviders', singular: 'alertprovider' },
    [{ name: 'Type', type: 'string', jsonPath: '.spec.type' }],
    flaggerAlertProviderSchema(),
  );
}
