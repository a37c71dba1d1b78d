import { z } from 'zod';
import { strictObject } from './strict-object.js';

/**
 * Gateway API HTTPRoute (gateway.networking.k8s.io/v1), standard channel as of v1.6: every field
 * the channel defines, strictly (an unknown field is an error naming it), with the CRD's enums and
 * bounds. Experimental-channel fields (retry, sessionPersistence ...) are unknown here on purpose:
 * a cluster installed from the standard channel prunes them. `serin lint` reads HTTPRoutes with it.
 */

const name = () => z.string().min(1).max(253);
const portNumber = () => z.number().int().min(1).max(65535);
/** Gateway API durations: `1h`, `30s`, `500ms` (at most 4 groups, no fractions). */
const gatewayDuration = () =>
  z.string().regex(/^([0-9]{1,5}(h|m|s|ms)){1,4}$/, { error: 'expected a duration such as 10s or 500ms' });

const ParentReferenceSchema = strictObject({
  group: z.string().optional(),
  kind: z.string().optional(),
  namespace: z.string().optional(),
  name: name(),
  sectionName: z.string().optional(),
  port: portNumber().optional(),
});

const HeaderMatchSchema = strictObject({
  type: z.enum(['Exact', 'RegularExpression']).optional(),
  name: z.string().min(1).max(256),
  value: z.string().max(4096),
});

const HTTPRouteMatchSchema = strictObject({
  path: strictObject({
    type: z.enum(['Exact', 'PathPrefix', 'RegularExpression']).optional(),
    value: z.string().max(1024).optional(),
  }).optional(),
  headers: z.array(HeaderMatchSchema).max(16).optional(),
  queryParams: z.array(HeaderMatchSchema).max(16).optional(),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']).optional(),
});

const HeaderModifierSchema = strictObject({
  set: z
    .array(strictObject({ name: z.string().min(1).max(256), value: z.string().max(4096) }))
    .max(16)
    .optional(),
  add: z
    .array(strictObject({ name: z.string().min(1).max(256), value: z.string().max(4096) }))
    .max(16)
    .optional(),
  remove: z.array(z.string()).max(16).optional(),
});

const PathModifierSchema = strictObject({
  type: z.enum(['ReplaceFullPath', 'ReplacePrefixMatch']),
  replaceFullPath: z.string().max(1024).optional(),
  replacePrefixMatch: z.string().max(1024).optional(),
});

const BackendObjectReferenceSchema = strictObject({
  group: z.string().optional(),
  kind: z.string().optional(),
  name: name(),
  namespace: z.string().optional(),
  port: portNumber().optional(),
});

const HTTPRouteFilterSchema = strictObject({
  type: z.enum([
    'RequestHeaderModifier',
    'ResponseHeaderModifier',
    'RequestMirror',
    'RequestRedirect',
    'URLRewrite',
    'ExtensionRef',
    'CORS',
  ]),
  requestHeaderModifier: HeaderModifierSchema.optional(),
  responseHeaderModifier: HeaderModifierSchema.optional(),
  requestMirror: strictObject({
    backendRef: BackendObjectReferenceSchema,
    percent: z.number().int().min(0).max(100).optional(),
    fraction: strictObject({
      numerator: z.number().int().min(0),
      denominator: z.number().int().min(1).optional(),
    }).optional(),
  }).optional(),
  requestRedirect: strictObject({
    scheme: z.enum(['http', 'https']).optional(),
    hostname: z.string().optional(),
    path: PathModifierSchema.optional(),
    port: portNumber().optional(),
    statusCode: z
      .union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)])
      .optional(),
  }).optional(),
  urlRewrite: strictObject({
    hostname: z.string().optional(),
    path: PathModifierSchema.optional(),
  }).optional(),
  extensionRef: strictObject({ group: z.string(), kind: z.string(), name: name() }).optional(),
  cors: strictObject({
    allowOrigins: z.array(z.string().min(1).max(253)).max(64).optional(),
    allowCredentials: z.boolean().optional(),
    allowMethods: z.array(z.string()).max(9).optional(),
    allowHeaders: z.array(z.string()).max(64).optional(),
    exposeHeaders: z.array(z.string()).max(64).optional(),
    maxAge: z.number().int().min(1).optional(),
  }).optional(),
});

const HTTPBackendRefSchema = strictObject({
  ...BackendObjectReferenceSchema.shape,
  weight: z.number().int().min(0).max(1_000_000).optional(),
  filters: z.array(HTTPRouteFilterSchema).max(16).optional(),
});

const HTTPRouteRuleSchema = strictObject({
  name: z.string().min(1).max(253).optional(),
  matches: z.array(HTTPRouteMatchSchema).max(64).optional(),
  filters: z.array(HTTPRouteFilterSchema).max(16).optional(),
  backendRefs: z.array(HTTPBackendRefSchema).max(16).optional(),
  timeouts: strictObject({
    request: gatewayDuration().optional(),
    backendRequest: gatewayDuration().optional(),
  }).optional(),
});

export const HTTPRouteSpecSchema = strictObject({
  parentRefs: z.array(ParentReferenceSchema).max(32).optional(),
  hostnames: z.array(z.string().min(1).max(253)).max(16).optional(),
  rules: z.array(HTTPRouteRuleSchema).min(1).max(16).optional(),
});
export type HTTPRouteSpec = z.output<typeof HTTPRouteSpecSchema>;

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
