import { z } from 'zod';

/**
 * Istio networking v1 shapes used by routing: VirtualService and DestinationRule specs.
 *
 * The schemas are deliberately loose (unknown fields pass through untouched) because Serin reads
 * VirtualServices written by users and, in merge mode, writes them back: a field Serin does not model
 * must survive the round trip. Semantic checks (one of exact/prefix/regex, RE2 validity, weights)
 * belong to `serin lint` and {@link compileVirtualService}, which report them with a path.
 */

const stringRecord = () => z.record(z.string(), z.string());

/** `exact`, `prefix` or `regex` (RE2, whole-string). An empty object only tests presence. */
export const StringMatchSchema = z.looseObject({
  exact: z.string().optional(),
  prefix: z.string().optional(),
  regex: z.string().optional(),
});
export type StringMatch = z.output<typeof StringMatchSchema>;

export const HTTPMatchRequestSchema = z.looseObject({
  name: z.string().optional(),
  uri: StringMatchSchema.optional(),
  scheme: StringMatchSchema.optional(),
  method: StringMatchSchema.optional(),
  authority: StringMatchSchema.optional(),
  headers: z.record(z.string(), StringMatchSchema).optional(),
  queryParams: z.record(z.string(), StringMatchSchema).optional(),
  withoutHeaders: z.record(z.string(), StringMatchSchema).optional(),
  ignoreUriCase: z.boolean().optional(),
  port: z.number().int().optional(),
  sourceLabels: stringRecord().optional(),
  sourceNamespace: z.string().optional(),
  gateways: z.array(z.string()).optional(),
  statPrefix: z.string().optional(),
});
export type HTTPMatchRequest = z.output<typeof HTTPMatchRequestSchema>;

export const PortSelectorSchema = z.looseObject({ number: z.number().int().optional() });

export const DestinationSchema = z.looseObject({
  host: z.string(),
  subset: z.string().optional(),
  port: PortSelectorSchema.optional(),
});
export type Destination = z.output<typeof DestinationSchema>;

export const HeaderOperationsSchema = z.looseObject({
  set: stringRecord().optional(),
  add: stringRecord().optional(),
  remove: z.array(z.string()).optional(),
});
export type HeaderOperations = z.output<typeof HeaderOperationsSchema>;

export const HeadersSchema = z.looseObject({
  request: HeaderOperationsSchema.optional(),
  response: HeaderOperationsSchema.optional(),
});
export type Headers = z.output<typeof HeadersSchema>;

export const HTTPRouteDestinationSchema = z.looseObject({
  destination: DestinationSchema,
  weight: z.number().optional(),
  headers: HeadersSchema.optional(),
});
export type HTTPRouteDestination = z.output<typeof HTTPRouteDestinationSchema>;

export const PercentSchema = z.looseObject({ value: z.number().optional() });
export type Percent = z.output<typeof PercentSchema>;

export const HTTPFaultInjectionSchema = z.looseObject({
  delay: z
    .looseObject({
      fixedDelay: z.string().optional(),
      percentage: PercentSchema.optional(),
      /** Deprecated integer form. */
      percent: z.number().optional(),
    })
    .optional(),
  abort: z
    .looseObject({
      httpStatus: z.number().int().optional(),
      grpcStatus: z.string().optional(),
      percentage: PercentSchema.optional(),
    })
    .optional(),
});
export type HTTPFaultInjection = z.output<typeof HTTPFaultInjectionSchema>;

export const HTTPRetrySchema = z.looseObject({
  attempts: z.number().int().optional(),
  perTryTimeout: z.string().optional(),
  retryOn: z.string().optional(),
  retryRemoteLocalities: z.boolean().optional(),
  retryIgnorePreviousHosts: z.boolean().optional(),
});
export type HTTPRetry = z.output<typeof HTTPRetrySchema>;

export const HTTPRewriteSchema = z.looseObject({
  uri: z.string().optional(),
  authority: z.string().optional(),
  uriRegexRewrite: z.looseObject({ match: z.string(), rewrite: z.string() }).optional(),
});
export type HTTPRewrite = z.output<typeof HTTPRewriteSchema>;

export const HTTPRedirectSchema = z.looseObject({
  uri: z.string().optional(),
  authority: z.string().optional(),
  port: z.number().int().optional(),
  scheme: z.string().optional(),
  redirectCode: z.number().int().optional(),
});
export type HTTPRedirect = z.output<typeof HTTPRedirectSchema>;

export const CorsPolicySchema = z.looseObject({
  allowOrigins: z.array(StringMatchSchema).optional(),
  allowMethods: z.array(z.string()).optional(),
  allowHeaders: z.array(z.string()).optional(),
  exposeHeaders: z.array(z.string()).optional(),
  maxAge: z.string().optional(),
  allowCredentials: z.boolean().optional(),
});
export type CorsPolicy = z.output<typeof CorsPolicySchema>;

export const DelegateSchema = z.looseObject({ name: z.string(), namespace: z.string().optional() });
export type Delegate = z.output<typeof DelegateSchema>;

export const HTTPRouteSchema = z.looseObject({
  name: z.string().optional(),
  match: z.array(HTTPMatchRequestSchema).optional(),
  route: z.array(HTTPRouteDestinationSchema).optional(),
  redirect: HTTPRedirectSchema.optional(),
  directResponse: z.looseObject({ status: z.number().int() }).optional(),
  delegate: DelegateSchema.optional(),
  rewrite: HTTPRewriteSchema.optional(),
  timeout: z.string().optional(),
  retries: HTTPRetrySchema.optional(),
  fault: HTTPFaultInjectionSchema.optional(),
  mirror: DestinationSchema.optional(),
  mirrorPercentage: PercentSchema.optional(),
  /** Deprecated integer form of mirrorPercentage. */
  mirrorPercent: z.number().optional(),
  mirrors: z
    .array(z.looseObject({ destination: DestinationSchema, percentage: PercentSchema.optional() }))
    .optional(),
  corsPolicy: CorsPolicySchema.optional(),
  headers: HeadersSchema.optional(),
});
export type HTTPRoute = z.output<typeof HTTPRouteSchema>;

export const L4MatchAttributesSchema = z.looseObject({
  destinationSubnets: z.array(z.string()).optional(),
  port: z.number().int().optional(),
  sourceLabels: stringRecord().optional(),
  gateways: z.array(z.string()).optional(),
  sourceNamespace: z.string().optional(),
});

export const RouteDestinationSchema = z.looseObject({
  destination: DestinationSchema,
  weight: z.number().optional(),
});
export type RouteDestination = z.output<typeof RouteDestinationSchema>;

export const TCPRouteSchema = z.looseObject({
  match: z.array(L4MatchAttributesSchema).optional(),
  route: z.array(RouteDestinationSchema).optional(),
});
export type TCPRoute = z.output<typeof TCPRouteSchema>;

export const VirtualServiceSpecSchema = z.looseObject({
  hosts: z.array(z.string()).optional(),
  gateways: z.array(z.string()).optional(),
  http: z.array(HTTPRouteSchema).optional(),
  tcp: z.array(TCPRouteSchema).optional(),
  tls: z.array(z.unknown()).optional(),
  exportTo: z.array(z.string()).optional(),
});
export type VirtualServiceSpec = z.output<typeof VirtualServiceSpecSchema>;

/** DestinationRule traffic policy: kept verbatim, Istio owns its semantics. */
export const TrafficPolicySchema = z.record(z.string(), z.unknown());
export type TrafficPolicy = z.output<typeof TrafficPolicySchema>;

export const SubsetSchema = z.looseObject({
  name: z.string(),
  labels: stringRecord().optional(),
  trafficPolicy: TrafficPolicySchema.optional(),
});
export type Subset = z.output<typeof SubsetSchema>;

export const DestinationRuleSpecSchema = z.looseObject({
  host: z.string(),
  trafficPolicy: TrafficPolicySchema.optional(),
  subsets: z.array(SubsetSchema).optional(),
  exportTo: z.array(z.string()).optional(),
});
export type DestinationRuleSpec = z.output<typeof DestinationRuleSpecSchema>;

export const ISTIO_NETWORKING_API_VERSION = 'networking.istio.io/v1';

export interface ObjectMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Record<string, unknown>[];
}

export interface VirtualService {
  apiVersion: string;
  kind: 'VirtualService';
  metadata: ObjectMetadata;
  spec: VirtualServiceSpec;
}

export interface DestinationRule {
  apiVersion: string;
  kind: 'DestinationRule';
  metadata: ObjectMetadata;
  spec: DestinationRuleSpec;
}

/** Parses a VirtualService spec; throws a ZodError whose issues carry the failing path. */
export function parseVirtualServiceSpec(value: unknown): VirtualServiceSpec {
  return VirtualServiceSpecSchema.parse(value);
}

export function parseDestinationRuleSpec(value: unknown): DestinationRuleSpec {
  return DestinationRuleSpecSchema.parse(value);
}
