import { z } from 'zod';
import { duration, opaqueObject, stringMap } from './common.js';
import { escapeRe2 } from '../routing/re2.js';

/**
 * The parts of Istio's networking API that a Canary embeds (`service.match`, `analysis.match`,
 * `service.retries`, ...). They are checked structurally here so that a typo is reported with its
 * path; full Istio semantics live in src/routing.
 */
export const StringMatch = z
  .strictObject({
    exact: z.string().optional(),
    prefix: z.string().optional(),
    regex: z.string().optional(),
  })
  .refine((m) => [m.exact, m.prefix, m.regex].filter((v) => v !== undefined).length === 1, {
    error: 'expected exactly one of exact, prefix or regex',
  });

export const HTTPMatchRequest = z.strictObject({
  name: z.string().optional(),
  uri: StringMatch.optional(),
  scheme: StringMatch.optional(),
  method: StringMatch.optional(),
  authority: StringMatch.optional(),
  headers: z.record(z.string(), StringMatch).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  sourceLabels: stringMap().optional(),
  gateways: z.array(z.string()).optional(),
  queryParams: z.record(z.string(), StringMatch).optional(),
  ignoreUriCase: z.boolean().optional(),
  withoutHeaders: z.record(z.string(), StringMatch).optional(),
  sourceNamespace: z.string().optional(),
  statPrefix: z.string().optional(),
});
export type HTTPMatchRequest = z.output<typeof HTTPMatchRequest>;

/**
 * A header match in `analysis.match`, where Flagger's CRD also allows `suffix`. Istio has no
 * suffix match (Flagger's Go types drop it, leaving a presence match): Serin keeps the meaning the
 * user wrote and turns it into the equivalent regex.
 */
const ABHeaderMatch = z
  .strictObject({
    exact: z.string().optional(),
    prefix: z.string().optional(),
    suffix: z.string().optional(),
    regex: z.string().optional(),
  })
  .refine((m) => [m.exact, m.prefix, m.suffix, m.regex].filter((v) => v !== undefined).length === 1, {
    error: 'expected exactly one of exact, prefix, suffix or regex',
  })
  .transform(({ suffix, ...rest }): z.output<typeof StringMatch> =>
    suffix === undefined ? rest : { regex: `.*${escapeRe2(suffix)}` },
  );

/** `analysis.match`: Istio's HTTPMatchRequest, with Flagger's `suffix` header match. */
export const ABMatchRequest = HTTPMatchRequest.extend({
  headers: z.record(z.string(), ABHeaderMatch).optional(),
});

export const HTTPRetry = z.strictObject({
  attempts: z.number().int().min(0).optional(),
  perTryTimeout: duration().optional(),
  retryOn: z.string().optional(),
  retryRemoteLocalities: z.boolean().optional(),
});

export const HTTPRewrite = z.strictObject({
  uri: z.string().optional(),
  authority: z.string().optional(),
  uriRegexRewrite: z.strictObject({ match: z.string(), rewrite: z.string() }).optional(),
  /** Gateway API only (ReplaceFullPath or ReplacePrefixMatch). */
  type: z.string().optional(),
});

const HeaderOperations = z.strictObject({
  set: stringMap().optional(),
  add: stringMap().optional(),
  remove: z.array(z.string()).optional(),
});

export const Headers = z.strictObject({
  request: HeaderOperations.optional(),
  response: HeaderOperations.optional(),
});
export type Headers = z.output<typeof Headers>;

export const CorsPolicy = z.strictObject({
  allowOrigin: z.array(z.string()).optional(),
  allowOrigins: z.array(StringMatch).optional(),
  allowMethods: z.array(z.string()).optional(),
  allowHeaders: z.array(z.string()).optional(),
  exposeHeaders: z.array(z.string()).optional(),
  maxAge: z.string().optional(),
  allowCredentials: z.boolean().optional(),
  unmatchedPreflights: z.string().optional(),
});

const TLS_MODES = ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'];
const LOAD_BALANCERS = ['ROUND_ROBIN', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'LEAST_REQUEST'];
const H2_UPGRADE = ['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'];

type Json = Record<string, unknown>;
const asRecord = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};

/** The enums Flagger's CRD declares inside a traffic policy (per policy and per port). */
function policyEnumIssues(
  policy: Json,
  at: (string | number)[],
): { path: (string | number)[]; message: string }[] {
  const checks: [unknown, string[], (string | number)[]][] = [
    [asRecord(policy.tls).mode, TLS_MODES, ['tls', 'mode']],
    [asRecord(policy.loadBalancer).simple, LOAD_BALANCERS, ['loadBalancer', 'simple']],
    [
      asRecord(asRecord(policy.connectionPool).http).h2UpgradePolicy,
      H2_UPGRADE,
      ['connectionPool', 'http', 'h2UpgradePolicy'],
    ],
  ];
  return checks
    .filter(([value, allowed]) => value !== undefined && !allowed.includes(value as string))
    .map(([value, allowed, path]) => ({
      path: [...at, ...path],
      message: `expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`,
    }));
}

/** DestinationRule traffic policy: copied verbatim; the enums Flagger's CRD declares are checked. */
export const TrafficPolicy = opaqueObject().superRefine((policy, ctx) => {
  const issues = policyEnumIssues(policy, []);
  const ports = Array.isArray(policy.portLevelSettings) ? (policy.portLevelSettings as unknown[]) : [];
  ports.forEach((p, i) => issues.push(...policyEnumIssues(asRecord(p), ['portLevelSettings', i])));
  for (const issue of issues) ctx.addIssue({ code: 'custom', ...issue });
});
