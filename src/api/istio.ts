import { z } from 'zod';
import { escapeRe2 } from '../routing/re2.js';
import { DURATION_PATTERN, opaqueObject, parseDuration } from './common.js';
import { strictObject } from './strict-object.js';

/**
 * Istio's networking shapes (networking.istio.io/v1: VirtualService, DestinationRule, Gateway), one
 * zod schema each, used wherever Serin reads them: the Canary's embedded `service.match`,
 * `retries`, `corsPolicy` ..., `serin lint`, `route explain` and the local router.
 *
 * The schemas hold what Istio's CRD holds: every field of the API, strictly (a field Istio does
 * not define is an error naming it, with the closest field it may have meant), the CRD's enums,
 * ranges and one-of groups, and its duration rule. Rules Istio's validation webhook adds on top
 * (status ranges, host syntax, combinations of actions ...) live in src/routing/istio/validate.ts,
 * which `serin lint` runs after the schema.
 */

/** At most one of the listed fields (a protobuf `oneof`, as Istio's CRD declares it). */
function atMostOne<T extends object>(fields: readonly (keyof T & string)[], lintCode?: string) {
  return (value: T, ctx: z.core.$RefinementCtx<T>): void => {
    const set = fields.filter((f) => value[f] !== undefined);
    if (set.length > 1)
      ctx.addIssue({
        code: 'custom',
        message: `expected at most one of ${fields.join(', ')}, got ${set.join(' and ')}`,
        ...(lintCode === undefined ? {} : { params: { lintCode } }),
      });
  };
}

const uint32 = () => z.number().int().min(0).max(4_294_967_295);
/** A TCP port: Istio's CRD declares uint32, its webhook requires 1..65535. */
const portNumber = () => z.number().int().min(1).max(65535);
const int32 = () => z.number().int().min(-2_147_483_648).max(2_147_483_647);
const stringMap = () => z.record(z.string(), z.string());
const enumOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `expected one of ${values.join(', ')}` });

const DURATION_HINT = 'expected a duration with a unit, such as 10s, 1m or 500ms';

/**
 * An Istio duration. Istio's CRD requires `duration(self) >= duration('1ms')` and its webhook
 * millisecond precision. The syntax is the one Serin's router parses ({@link parseDuration}), so
 * whatever this accepts the router runs. `zeroAllowed` is for the fields where 0s means "off".
 */
export const istioDuration = (options: { zeroAllowed?: boolean } = {}) =>
  z
    .string()
    .regex(DURATION_PATTERN, { error: DURATION_HINT })
    .superRefine((value, ctx) => {
      if (!DURATION_PATTERN.test(value)) return; // reported by the pattern
      const ms = parseDuration(value);
      if (ms === 0 && options.zeroAllowed === true) return;
      if (ms < 1) ctx.addIssue({ code: 'custom', message: `duration must be at least 1ms, got ${value}` });
      else if (Math.abs(ms - Math.round(ms)) > 1e-6)
        ctx.addIssue({
          code: 'custom',
          message: `only durations to ms precision are supported, got ${value}`,
        });
    });

// ---------------------------------------------------------------------------------------------
// VirtualService

/** `exact`, `prefix` or `regex` (RE2, whole value); `{}` tests presence only. */
export const StringMatchSchema = strictObject({
  exact: z.string().optional(),
  prefix: z.string().optional(),
  regex: z.string().optional(),
}).superRefine(atMostOne(['exact', 'prefix', 'regex'], 'SRN1131'));
export type StringMatch = z.output<typeof StringMatchSchema>;

const stringMatchMap = () => z.record(z.string(), StringMatchSchema);

const httpMatchShape = {
  name: z.string().optional(),
  uri: StringMatchSchema.optional(),
  scheme: StringMatchSchema.optional(),
  method: StringMatchSchema.optional(),
  authority: StringMatchSchema.optional(),
  headers: stringMatchMap().optional(),
  port: portNumber().optional(),
  sourceLabels: stringMap().optional(),
  gateways: z.array(z.string()).optional(),
  queryParams: stringMatchMap().optional(),
  ignoreUriCase: z.boolean().optional(),
  withoutHeaders: stringMatchMap().optional(),
  sourceNamespace: z.string().optional(),
  statPrefix: z.string().optional(),
};
export const HTTPMatchRequestSchema = strictObject(httpMatchShape);
export type HTTPMatchRequest = z.output<typeof HTTPMatchRequestSchema>;

export const PortSelectorSchema = strictObject({ number: portNumber().optional() });

export const DestinationSchema = strictObject({
  host: z.string(),
  subset: z.string().optional(),
  port: PortSelectorSchema.optional(),
});
export type Destination = z.output<typeof DestinationSchema>;

export const HeaderOperationsSchema = strictObject({
  set: stringMap().optional(),
  add: stringMap().optional(),
  remove: z.array(z.string()).optional(),
});
export type HeaderOperations = z.output<typeof HeaderOperationsSchema>;

export const HeadersSchema = strictObject({
  request: HeaderOperationsSchema.optional(),
  response: HeaderOperationsSchema.optional(),
});
export type Headers = z.output<typeof HeadersSchema>;

export const HTTPRouteDestinationSchema = strictObject({
  destination: DestinationSchema,
  weight: z.number().optional(),
  headers: HeadersSchema.optional(),
});
export type HTTPRouteDestination = z.output<typeof HTTPRouteDestinationSchema>;

export const PercentSchema = strictObject({ value: z.number().optional() });
export type Percent = z.output<typeof PercentSchema>;

export const HTTPFaultInjectionSchema = strictObject({
  delay: strictObject({
    fixedDelay: istioDuration().optional(),
    exponentialDelay: istioDuration().optional(),
    percentage: PercentSchema.optional(),
    /** Deprecated integer form of `percentage`. */
    percent: int32().optional(),
  })
    .superRefine(atMostOne(['fixedDelay', 'exponentialDelay']))
    .optional(),
  abort: strictObject({
    httpStatus: int32().optional(),
    grpcStatus: z.string().optional(),
    http2Error: z.string().optional(),
    percentage: PercentSchema.optional(),
  })
    .superRefine(atMostOne(['httpStatus', 'grpcStatus', 'http2Error']))
    .optional(),
});
export type HTTPFaultInjection = z.output<typeof HTTPFaultInjectionSchema>;

export const HTTPRetrySchema = strictObject({
  attempts: z.number().int().min(0, { error: 'attempts cannot be negative' }).max(2_147_483_647).optional(),
  perTryTimeout: istioDuration().optional(),
  retryOn: z.string().optional(),
  retryRemoteLocalities: z.boolean().optional(),
  retryIgnorePreviousHosts: z.boolean().optional(),
  backoff: istioDuration().optional(),
});
export type HTTPRetry = z.output<typeof HTTPRetrySchema>;

const httpRewriteShape = {
  uri: z.string().optional(),
  authority: z.string().optional(),
  uriRegexRewrite: strictObject({ match: z.string(), rewrite: z.string() }).optional(),
};
export const HTTPRewriteSchema = strictObject(httpRewriteShape);
export type HTTPRewrite = z.output<typeof HTTPRewriteSchema>;

export const HTTPRedirectSchema = strictObject({
  uri: z.string().optional(),
  authority: z.string().optional(),
  port: portNumber().optional(),
  derivePort: enumOf(['FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT']).optional(),
  scheme: z.string().optional(),
  redirectCode: uint32().optional(),
  prefixRewrite: z.string().optional(),
}).superRefine(atMostOne(['port', 'derivePort']));
export type HTTPRedirect = z.output<typeof HTTPRedirectSchema>;

export const HTTPDirectResponseSchema = strictObject({
  status: uint32(),
  body: strictObject({ string: z.string().optional(), bytes: z.string().optional() })
    .superRefine(atMostOne(['string', 'bytes']))
    .optional(),
});
export type HTTPDirectResponse = z.output<typeof HTTPDirectResponseSchema>;

export const CorsPolicySchema = strictObject({
  /** Deprecated list of exact origins; `allowOrigins` replaces it. */
  allowOrigin: z.array(z.string()).optional(),
  allowOrigins: z.array(StringMatchSchema).optional(),
  allowMethods: z.array(z.string()).optional(),
  allowHeaders: z.array(z.string()).optional(),
  exposeHeaders: z.array(z.string()).optional(),
  maxAge: istioDuration().optional(),
  allowCredentials: z.boolean().optional(),
  unmatchedPreflights: enumOf(['UNSPECIFIED', 'FORWARD', 'IGNORE']).optional(),
});
export type CorsPolicy = z.output<typeof CorsPolicySchema>;

export const DelegateSchema = strictObject({ name: z.string(), namespace: z.string().optional() });
export type Delegate = z.output<typeof DelegateSchema>;

export const HTTPMirrorPolicySchema = strictObject({
  destination: DestinationSchema,
  percentage: PercentSchema.optional(),
});
export type HTTPMirrorPolicy = z.output<typeof HTTPMirrorPolicySchema>;

export const HTTPRouteSchema = strictObject({
  name: z.string().optional(),
  match: z.array(HTTPMatchRequestSchema).optional(),
  route: z.array(HTTPRouteDestinationSchema).optional(),
  redirect: HTTPRedirectSchema.optional(),
  directResponse: HTTPDirectResponseSchema.optional(),
  delegate: DelegateSchema.optional(),
  rewrite: HTTPRewriteSchema.optional(),
  timeout: istioDuration().optional(),
  retries: HTTPRetrySchema.optional(),
  fault: HTTPFaultInjectionSchema.optional(),
  mirror: DestinationSchema.optional(),
  mirrors: z.array(HTTPMirrorPolicySchema).optional(),
  mirrorPercentage: PercentSchema.optional(),
  /** Deprecated integer form of mirrorPercentage. */
  mirrorPercent: uint32().optional(),
  corsPolicy: CorsPolicySchema.optional(),
  headers: HeadersSchema.optional(),
});
export type HTTPRoute = z.output<typeof HTTPRouteSchema>;

export const RouteDestinationSchema = strictObject({
  destination: DestinationSchema,
  weight: z.number().optional(),
});
export type RouteDestination = z.output<typeof RouteDestinationSchema>;

export const L4MatchAttributesSchema = strictObject({
  destinationSubnets: z.array(z.string()).optional(),
  port: portNumber().optional(),
  sourceLabels: stringMap().optional(),
  gateways: z.array(z.string()).optional(),
  sourceNamespace: z.string().optional(),
  sourceSubnet: z.string().optional(),
});

export const TCPRouteSchema = strictObject({
  match: z.array(L4MatchAttributesSchema).optional(),
  route: z.array(RouteDestinationSchema).optional(),
});
export type TCPRoute = z.output<typeof TCPRouteSchema>;

export const TLSMatchAttributesSchema = strictObject({
  sniHosts: z.array(z.string()),
  destinationSubnets: z.array(z.string()).optional(),
  port: portNumber().optional(),
  sourceLabels: stringMap().optional(),
  gateways: z.array(z.string()).optional(),
  sourceNamespace: z.string().optional(),
});

export const TLSRouteSchema = strictObject({
  match: z.array(TLSMatchAttributesSchema),
  route: z.array(RouteDestinationSchema).optional(),
});
export type TLSRoute = z.output<typeof TLSRouteSchema>;

export const VirtualServiceSpecSchema = strictObject({
  hosts: z.array(z.string()).optional(),
  gateways: z.array(z.string()).optional(),
  http: z.array(HTTPRouteSchema).optional(),
  tls: z.array(TLSRouteSchema).optional(),
  tcp: z.array(TCPRouteSchema).optional(),
  exportTo: z.array(z.string()).optional(),
});
export type VirtualServiceSpec = z.output<typeof VirtualServiceSpecSchema>;

// ---------------------------------------------------------------------------------------------
// DestinationRule

const ClientTLSSettingsSchema = strictObject({
  mode: enumOf(['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL']).optional(),
  clientCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
  credentialName: z.string().optional(),
  subjectAltNames: z.array(z.string()).optional(),
  sni: z.string().optional(),
  insecureSkipVerify: z.boolean().optional(),
  caCrl: z.string().optional(),
});
export type ClientTLSSettings = z.output<typeof ClientTLSSettingsSchema>;

const ConnectionPoolSchema = strictObject({
  tcp: strictObject({
    maxConnections: int32().optional(),
    connectTimeout: istioDuration().optional(),
    tcpKeepalive: strictObject({
      probes: uint32().optional(),
      time: istioDuration().optional(),
      interval: istioDuration().optional(),
    }).optional(),
    maxConnectionDuration: istioDuration().optional(),
    // No CRD rule here: 0s turns the idle timeout off.
    idleTimeout: istioDuration({ zeroAllowed: true }).optional(),
  }).optional(),
  http: strictObject({
    http1MaxPendingRequests: int32().optional(),
    http2MaxRequests: int32().optional(),
    maxRequestsPerConnection: int32().optional(),
    maxRetries: int32().optional(),
    idleTimeout: istioDuration().optional(),
    h2UpgradePolicy: enumOf(['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE']).optional(),
    useClientProtocol: z.boolean().optional(),
    maxConcurrentStreams: int32().optional(),
    http2KeepAlive: strictObject({
      interval: istioDuration().optional(),
      timeout: istioDuration().optional(),
    }).optional(),
  }).optional(),
});
export type ConnectionPool = z.output<typeof ConnectionPoolSchema>;

const ConsistentHashSchema = strictObject({
  httpHeaderName: z.string().optional(),
  httpCookie: strictObject({
    name: z.string(),
    path: z.string().optional(),
    ttl: istioDuration({ zeroAllowed: true }).optional(),
    attributes: z.array(strictObject({ name: z.string(), value: z.string().optional() })).optional(),
  }).optional(),
  useSourceIp: z.boolean().optional(),
  httpQueryParameterName: z.string().optional(),
  ringHash: strictObject({ minimumRingSize: z.number().int().min(0).optional() }).optional(),
  maglev: strictObject({ tableSize: z.number().int().min(0).optional() }).optional(),
  /** Deprecated: `ringHash.minimumRingSize` replaces it. */
  minimumRingSize: z.number().int().min(0).optional(),
})
  .superRefine(atMostOne(['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName']))
  .superRefine(atMostOne(['ringHash', 'maglev']));
export type ConsistentHash = z.output<typeof ConsistentHashSchema>;

const localityFailover = () =>
  z.array(strictObject({ from: z.string().optional(), to: z.string().optional() }));

const LoadBalancerSchema = strictObject({
  simple: enumOf([
    'UNSPECIFIED',
    'LEAST_CONN',
    'RANDOM',
    'PASSTHROUGH',
    'ROUND_ROBIN',
    'LEAST_REQUEST',
  ]).optional(),
  consistentHash: ConsistentHashSchema.optional(),
  localityLbSetting: strictObject({
    distribute: z
      .array(strictObject({ from: z.string().optional(), to: z.record(z.string(), uint32()).optional() }))
      .optional(),
    failover: localityFailover().optional(),
    failoverPriority: z.array(z.string()).optional(),
    enabled: z.boolean().optional(),
  }).optional(),
  zoneAwareLbSetting: strictObject({
    enabled: z.boolean().optional(),
    failover: localityFailover().optional(),
    failoverPriority: z.array(z.string()).optional(),
    minClusterSize: z.number().int().min(1).optional(),
  }).optional(),
  warmupDurationSecs: istioDuration().optional(),
  warmup: strictObject({
    duration: istioDuration(),
    minimumPercent: z.number().min(0).max(100).optional(),
    aggression: z.number().min(0).optional(),
  }).optional(),
}).superRefine(atMostOne(['simple', 'consistentHash']));
export type LoadBalancer = z.output<typeof LoadBalancerSchema>;

const OutlierDetectionSchema = strictObject({
  splitExternalLocalOriginErrors: z.boolean().optional(),
  consecutiveLocalOriginFailures: uint32().optional(),
  consecutiveGatewayErrors: uint32().optional(),
  consecutive5xxErrors: uint32().optional(),
  /** Deprecated: consecutiveGatewayErrors / consecutive5xxErrors replace it. */
  consecutiveErrors: int32().optional(),
  interval: istioDuration().optional(),
  baseEjectionTime: istioDuration().optional(),
  maxEjectionPercent: int32().optional(),
  minHealthPercent: int32().optional(),
  outlierDetectionHttpErrorCodes: z.array(z.number().int().min(100).max(599)).optional(),
});
export type OutlierDetection = z.output<typeof OutlierDetectionSchema>;

const portPolicyShape = {
  port: PortSelectorSchema.optional(),
  loadBalancer: LoadBalancerSchema.optional(),
  connectionPool: ConnectionPoolSchema.optional(),
  outlierDetection: OutlierDetectionSchema.optional(),
  tls: ClientTLSSettingsSchema.optional(),
};
export const PortTrafficPolicySchema = strictObject(portPolicyShape);
export type PortTrafficPolicy = z.output<typeof PortTrafficPolicySchema>;

export const TrafficPolicySchema = strictObject({
  loadBalancer: portPolicyShape.loadBalancer,
  connectionPool: portPolicyShape.connectionPool,
  outlierDetection: portPolicyShape.outlierDetection,
  tls: portPolicyShape.tls,
  portLevelSettings: z.array(PortTrafficPolicySchema).optional(),
  tunnel: strictObject({
    protocol: z.string().optional(),
    targetHost: z.string(),
    targetPort: uint32(),
  }).optional(),
  proxyProtocol: strictObject({ version: enumOf(['V1', 'V2']).optional() }).optional(),
  retryBudget: strictObject({
    percent: z.number().min(0).max(100).optional(),
    minRetryConcurrency: uint32().optional(),
    budgetInterval: istioDuration().optional(),
  }).optional(),
});
export type TrafficPolicy = z.output<typeof TrafficPolicySchema>;

export const SubsetSchema = strictObject({
  name: z.string(),
  labels: stringMap().optional(),
  trafficPolicy: TrafficPolicySchema.optional(),
});
export type Subset = z.output<typeof SubsetSchema>;

export const DestinationRuleSpecSchema = strictObject({
  host: z.string(),
  trafficPolicy: TrafficPolicySchema.optional(),
  subsets: z.array(SubsetSchema).optional(),
  exportTo: z.array(z.string()).optional(),
  workloadSelector: strictObject({ matchLabels: stringMap().optional() }).optional(),
});
export type DestinationRuleSpec = z.output<typeof DestinationRuleSpecSchema>;

// ---------------------------------------------------------------------------------------------
// Gateway

const TLS_VERSIONS = ['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3'] as const;

const ServerTLSSettingsSchema = strictObject({
  httpsRedirect: z.boolean().optional(),
  mode: enumOf([
    'PASSTHROUGH',
    'SIMPLE',
    'MUTUAL',
    'AUTO_PASSTHROUGH',
    'ISTIO_MUTUAL',
    'OPTIONAL_MUTUAL',
  ]).optional(),
  serverCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
  caCrl: z.string().optional(),
  credentialName: z.string().optional(),
  credentialNames: z.array(z.string()).max(2).optional(),
  tlsCertificates: z
    .array(
      strictObject({
        serverCertificate: z.string().optional(),
        privateKey: z.string().optional(),
        caCertificates: z.string().optional(),
      }),
    )
    .max(2)
    .optional(),
  caCertCredentialName: z.string().optional(),
  subjectAltNames: z.array(z.string()).optional(),
  verifyCertificateSpki: z.array(z.string()).optional(),
  verifyCertificateHash: z.array(z.string()).optional(),
  minProtocolVersion: enumOf(TLS_VERSIONS).optional(),
  maxProtocolVersion: enumOf(TLS_VERSIONS).optional(),
  cipherSuites: z.array(z.string()).optional(),
  insecureSkipVerify: z.boolean().optional(),
})
  .superRefine(atMostOne(['tlsCertificates', 'credentialNames']))
  .superRefine(atMostOne(['credentialName', 'credentialNames']));
export type ServerTLSSettings = z.output<typeof ServerTLSSettingsSchema>;

export const ServerSchema = strictObject({
  port: strictObject({
    number: portNumber(),
    protocol: z.string(),
    name: z.string(),
    targetPort: uint32().optional(),
  }),
  bind: z.string().optional(),
  hosts: z.array(z.string()),
  tls: ServerTLSSettingsSchema.optional(),
  defaultEndpoint: z.string().optional(),
  name: z.string().optional(),
});
export type Server = z.output<typeof ServerSchema>;

export const GatewaySpecSchema = strictObject({
  servers: z.array(ServerSchema).optional(),
  selector: stringMap().optional(),
});
export type GatewaySpec = z.output<typeof GatewaySpecSchema>;

// ---------------------------------------------------------------------------------------------
// The Canary's variants of these shapes

/**
 * A header match in `analysis.match`, where Flagger's CRD also allows `suffix`. Istio has no
 * suffix match (Flagger's Go types drop it, leaving a presence match): Serin keeps the meaning the
 * user wrote and turns it into the equivalent regex.
 */
const ABHeaderMatchSchema = strictObject({
  exact: z.string().optional(),
  prefix: z.string().optional(),
  suffix: z.string().optional(),
  regex: z.string().optional(),
})
  .superRefine(atMostOne(['exact', 'prefix', 'suffix', 'regex']))
  .transform(({ suffix, ...rest }): StringMatch =>
    suffix === undefined ? rest : { regex: `.*${escapeRe2(suffix)}` },
  );

/** `analysis.match`: Istio's HTTPMatchRequest, with Flagger's `suffix` header match. */
export const ABMatchRequestSchema = strictObject({
  ...httpMatchShape,
  headers: z.record(z.string(), ABHeaderMatchSchema).optional(),
});

/** `service.rewrite`: Istio's HTTPRewrite, plus the Gateway API rewrite type (ReplaceFullPath or ReplacePrefixMatch). */
export const CanaryHTTPRewriteSchema = strictObject({ ...httpRewriteShape, type: z.string().optional() });

/**
 * `service.trafficPolicy`: the CRD keeps it as an opaque object (as Flagger's does, so no field a
 * newer Istio adds is pruned by the API server), and Serin checks it against Istio's schema.
 */
export const CanaryTrafficPolicySchema = opaqueObject().pipe(TrafficPolicySchema);
