import type { ManifestSet } from '../manifests.js';
import { LintContext, type Finding } from './context.js';
import { checkSerinResources, checkSidecars } from './canary.js';
import {
  checkDestinationRules,
  checkDestinations,
  checkGatewayResources,
  checkGateways,
  checkMeshConflicts,
  checkServices,
  parseDestinationRules,
  type RoutedPods,
} from './references.js';
import { checkHTTPRoutes } from './gateway-api.js';
import { checkVirtualServiceRules, parseVirtualServices } from './virtual-service.js';

export type { Finding } from './context.js';
export { CHECKS, type CheckCode, type Severity } from './codes.js';

export interface LintOptions {
  /** Namespace of manifests that do not name one (kubectl's current namespace). */
  defaultNamespace?: string;
}

const ORDER = { error: 0, warning: 1, info: 2 } as const;

/** Runs every check over a manifest set; findings sorted by file, line and code. */
export function lintManifests(set: ManifestSet, options: LintOptions = {}): Finding[] {
  const ctx = new LintContext(set, options.defaultNamespace ?? 'default');
  for (const p of set.problems) {
    ctx.findings.push({
      code: 'SRN1001',
      severity: 'error',
      file: p.file,
      line: p.line,
      kind: '',
      name: '',
      path: '',
      message: p.message,
      hint: 'fix the YAML/JSON syntax at the line shown',
    });
  }
  const vss = parseVirtualServices(ctx);
  const drs = parseDestinationRules(ctx);
  checkGatewayResources(ctx);
  checkHTTPRoutes(ctx);
  for (const v of vss) checkVirtualServiceRules(ctx, v);
  const routed: RoutedPods = { templates: new Set(), subsets: new Set() };
  checkDestinations(ctx, vss, drs, routed);
  checkGateways(ctx, vss);
  checkMeshConflicts(ctx, vss);
  checkDestinationRules(ctx, drs, routed);
  checkServices(ctx);
  const targets = checkSerinResources(ctx);
  checkSidecars(ctx, routed.templates, targets);
  return ctx.findings.sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      ORDER[a.severity] - ORDER[b.severity] ||
      a.code.localeCompare(b.code),
  );
}
