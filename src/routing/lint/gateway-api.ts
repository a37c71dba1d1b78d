import { GATEWAY_API_GROUP, HTTPRouteSpecSchema } from '../../api/gateway-api.js';
import type { LintContext } from './context.js';
import { reportSchemaIssues } from './virtual-service.js';

const SERVED_VERSIONS = new Set([`${GATEWAY_API_GROUP}/v1`, `${GATEWAY_API_GROUP}/v1beta1`]);

/** SRN1005: HTTPRoutes against the Gateway API standard channel's schema. */
export function checkHTTPRoutes(ctx: LintContext): void {
  for (const m of ctx.set.manifests) {
    if (m.kind !== 'HTTPRoute' || !m.apiVersion.startsWith(`${GATEWAY_API_GROUP}/`)) continue;
    if (!SERVED_VERSIONS.has(m.apiVersion)) {
      ctx.report(
        'SRN1005',
        m,
        ['apiVersion'],
        `apiVersion ${m.apiVersion}: HTTPRoute is served as v1 (or v1beta1)`,
      );
      continue;
    }
    const parsed = HTTPRouteSpecSchema.safeParse(m.raw.spec ?? {});
    if (!parsed.success) reportSchemaIssues(ctx, m, parsed.error, 'SRN1005');
  }
}
