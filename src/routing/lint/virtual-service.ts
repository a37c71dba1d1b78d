import type { z } from 'zod';
import {
  VirtualServiceSpecSchema,
  type HTTPMatchRequest,
  type HTTPRoute,
  type VirtualServiceSpec,
} from '../istio/types.js';
import { validateVirtualService, type IstioIssue } from '../istio/validation/index.js';
import type { Manifest } from '../manifests.js';
import {
  compileRoutePlan,
  RouteCompileError,
  stringMatchKind,
  type PlannedRule,
  type RoutePlan,
} from '../plan/index.js';
import { CHECKS, type CheckCode } from './codes.js';
import { formatPath, isRecord, parsePath, type LintContext } from './context.js';

type Path = (string | number)[];

export interface ParsedVirtualService {
  manifest: Manifest;
  spec: VirtualServiceSpec;
  namespace: string;
  /** Whether Istio's validation refuses it (then its plan's compile errors are not reported again). */
  refusedByIstio: boolean;
  /** The compiled route plan, the one the local router executes; undefined when it does not compile. */
  plan?: RoutePlan;
}

const isCheckCode = (code: unknown): code is CheckCode => typeof code === 'string' && code in CHECKS;

/** SRN1003 (or `code`) for what the schema refuses (an unknown field is reported at the field itself). */
export function reportSchemaIssues(
  ctx: LintContext,
  m: Manifest,
  error: z.ZodError,
  code: CheckCode = 'SRN1003',
): void {
  for (const issue of error.issues.slice(0, 10)) {
    const at = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    const unknown = issue.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [];
    const path = ['spec', ...at, ...unknown];
    const lintCode: unknown = issue.code === 'custom' ? issue.params?.lintCode : undefined;
    ctx.report(isCheckCode(lintCode) ? lintCode : code, m, path, `${formatPath(path)}: ${issue.message}`);
  }
}

/** Istio's validation findings: their own code where a check has one, else SRN1004. */
export function reportIstioIssues(ctx: LintContext, m: Manifest, issues: readonly IstioIssue[]): void {
  for (const issue of issues) {
    const path = ['spec', ...issue.path];
    ctx.report(issue.code ?? 'SRN1004', m, path, `${formatPath(path)}: ${issue.message}`, issue.severity);
  }
}

export function parseVirtualServices(ctx: LintContext): ParsedVirtualService[] {
  const out: ParsedVirtualService[] = [];
  for (const m of ctx.istio('VirtualService')) {
    const parsed = VirtualServiceSpecSchema.safeParse(m.raw.spec ?? {});
    if (!parsed.success) {
      reportSchemaIssues(ctx, m, parsed.error);
      continue;
    }
    const namespace = ctx.namespaceOf(m);
    const issues = validateVirtualService(parsed.data, namespace);
    reportIstioIssues(ctx, m, issues);
    out.push({
      manifest: m,
      spec: parsed.data,
      namespace,
      refusedByIstio: issues.some((i) => i.severity === 'error'),
    });
  }
  planVirtualServices(ctx, out);
  return out;
}

/**
 * Compiles every VirtualService into the route plan `serin run` executes (delegates found in the
 * set). What the plan refuses, `serin run` refuses: SRN1006, unless Istio's validation already
 * refused the resource.
 */
function planVirtualServices(ctx: LintContext, vss: ParsedVirtualService[]): void {
  const delegates = (name: string, namespace: string) => {
    const v = vss.find((x) => x.manifest.name === name && x.namespace === namespace);
    return v === undefined ? undefined : { name, namespace, spec: v.spec };
  };
  for (const v of vss) {
    try {
      v.plan = compileRoutePlan(
        { name: v.manifest.name, namespace: v.namespace, spec: v.spec },
        { delegates },
      );
    } catch (error) {
      if (!(error instanceof RouteCompileError)) throw error;
      if (v.refusedByIstio) continue;
      const path = parsePath(error.path);
      ctx.report('SRN1006', v.manifest, path, `${error.path}: ${error.reason}`);
    }
  }
}

/** The plan's rules written in this VirtualService itself (a delegate's rules are linted in the delegate). */
export function ownRules(v: ParsedVirtualService): PlannedRule[] {
  return (v.plan?.rules ?? []).filter((r) => r.origin.delegate === undefined);
}

/** SRN1132: Envoy sees header names in lower case; a capital letter is a likely mistake. */
function checkHeaderCase(ctx: LintContext, m: Manifest, block: HTTPMatchRequest, path: Path): void {
  for (const field of ['headers', 'withoutHeaders'] as const) {
    for (const key of Object.keys(block[field] ?? {})) {
      if (key === key.toLowerCase()) continue;
      ctx.report(
        'SRN1132',
        m,
        [...path, field, key],
        `header ${JSON.stringify(key)} should be written ${JSON.stringify(key.toLowerCase())}`,
        'warning',
      );
    }
  }
}

/** A canonical key for a match block, to find duplicates of earlier blocks. */
function blockKey(block: HTTPMatchRequest): string {
  const { name: _name, statPrefix: _stat, ...rest } = block;
  const sort = (v: unknown): unknown =>
    isRecord(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sort(v[k])]),
        )
      : Array.isArray(v)
        ? v.map(sort)
        : v;
  return JSON.stringify(sort(rest));
}

function onlyUriPrefix(block: HTTPMatchRequest, path: Path): string | undefined {
  const keys = Object.keys(block).filter((k) => k !== 'name' && k !== 'statPrefix');
  if (keys.length !== 1 || block.uri === undefined) return undefined;
  const kind = stringMatchKind(block.uri, formatPath([...path, 'uri']));
  return kind.kind === 'prefix' ? kind.value : undefined;
}

function isCatchAll(route: HTTPRoute): boolean {
  const blocks = route.match ?? [];
  return blocks.length === 0 || blocks.some((b) => blockKey(b) === '{}');
}

/** IST0130/IST0131: rules after a catch-all, and match blocks that repeat or are covered by earlier ones. */
function checkReachability(ctx: LintContext, v: ParsedVirtualService): void {
  const seen = new Set<string>();
  const prefixes: string[] = [];
  let catchAll: number | undefined;
  for (const rule of ownRules(v)) {
    const i = rule.origin.index;
    const path: Path = ['spec', 'http', i];
    if (catchAll !== undefined) {
      ctx.report(
        'SRN1120',
        v.manifest,
        path,
        `http[${i}] can never match: http[${catchAll}] before it has no match conditions and catches every request`,
        'warning',
      );
      continue;
    }
    const blocks = rule.route.match ?? [];
    const covered = blocks.map((b, j) => {
      const key = blockKey(b);
      const prefix = onlyUriPrefix(b, [...path, 'match', j]);
      const dup = seen.has(key) || (prefix !== undefined && prefixes.some((p) => prefix.startsWith(p)));
      if (dup && blocks.length > 1)
        ctx.report(
          'SRN1121',
          v.manifest,
          [...path, 'match', j],
          `http[${i}].match[${j}] is already matched by an earlier rule`,
          'info',
        );
      return dup;
    });
    if (blocks.length > 0 && covered.every(Boolean)) {
      ctx.report(
        'SRN1120',
        v.manifest,
        path,
        `http[${i}] can never match: earlier rules already match all of its match blocks`,
        'warning',
      );
    }
    blocks.forEach((b, j) => {
      seen.add(blockKey(b));
      const prefix = onlyUriPrefix(b, [...path, 'match', j]);
      if (prefix !== undefined) prefixes.push(prefix);
    });
    if (isCatchAll(rule.route)) catchAll = i;
  }
}

/** SRN1171: a fault the plan injects into no request (no percentage, or 0). */
function checkFaultPercentages(ctx: LintContext, m: Manifest, rule: PlannedRule, path: Path): void {
  for (const kind of ['delay', 'abort'] as const) {
    const f = rule.fault?.[kind];
    if (f === undefined || f.percent > 0) continue;
    ctx.report(
      'SRN1171',
      m,
      [...path, 'fault', kind],
      `fault.${kind} has no percentage (or 0): Istio faults no request`,
      'warning',
    );
  }
}

/** SRN1113: weights that do not sum to 100 (Istio normalises them since 1.15; older releases refuse). */
export function checkWeightSum(
  ctx: LintContext,
  m: Manifest,
  dests: readonly { weight?: number | undefined }[],
  path: Path,
): void {
  if (dests.length < 2) return;
  const total = dests.reduce((s, d) => s + (d.weight ?? 0), 0);
  if (total !== 0 && total !== 100)
    ctx.report('SRN1113', m, path, `${formatPath(path)}: weights sum to ${total}, not 100`, 'warning');
}

export function checkVirtualServiceRules(ctx: LintContext, v: ParsedVirtualService): void {
  for (const rule of ownRules(v)) {
    const path: Path = ['spec', 'http', rule.origin.index];
    checkFaultPercentages(ctx, v.manifest, rule, path);
    (rule.route.match ?? []).forEach((block, j) => {
      checkHeaderCase(ctx, v.manifest, block, [...path, 'match', j]);
    });
    checkWeightSum(ctx, v.manifest, rule.destinations, [...path, 'route']);
  }
  (v.spec.tcp ?? []).forEach((route, i) => {
    checkWeightSum(ctx, v.manifest, route.route ?? [], ['spec', 'tcp', i, 'route']);
  });
  checkReachability(ctx, v);
}
