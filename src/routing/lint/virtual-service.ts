import type { z } from 'zod';
import {
  VirtualServiceSpecSchema,
  type HTTPMatchRequest,
  type HTTPRoute,
  type VirtualServiceSpec,
} from '../istio/types.js';
import { validateVirtualService, type IstioIssue } from '../istio/validation/index.js';
import type { Manifest } from '../manifests.js';
import { CHECKS, type CheckCode } from './codes.js';
import { formatPath, isRecord, type LintContext } from './context.js';

type Path = (string | number)[];

export interface ParsedVirtualService {
  manifest: Manifest;
  spec: VirtualServiceSpec;
  namespace: string;
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
    reportIstioIssues(ctx, m, validateVirtualService(parsed.data, namespace));
    out.push({ manifest: m, spec: parsed.data, namespace });
  }
  return out;
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

function onlyUriPrefix(block: HTTPMatchRequest): string | undefined {
  const keys = Object.keys(block).filter((k) => k !== 'name' && k !== 'statPrefix');
  return keys.length === 1 && block.uri?.prefix !== undefined ? block.uri.prefix : undefined;
}

function isCatchAll(route: HTTPRoute): boolean {
  const blocks = route.match ?? [];
  return blocks.length === 0 || blocks.some((b) => blockKey(b) === '{}');
}

/** IST0130/IST0131: rules after a catch-all, and match blocks that repeat or are covered by earlier ones. */
function checkReachability(ctx: LintContext, v: ParsedVirtualService): void {
  const http = v.spec.http ?? [];
  const seen = new Set<string>();
  const prefixes: string[] = [];
  let catchAll: number | undefined;
  http.forEach((route, i) => {
    const path: Path = ['spec', 'http', i];
    if (catchAll !== undefined) {
      ctx.report(
        'SRN1120',
        v.manifest,
        path,
        `http[${i}] can never match: http[${catchAll}] before it has no match conditions and catches every request`,
        'warning',
      );
      return;
    }
    const blocks = route.match ?? [];
    const covered = blocks.map((b, j) => {
      const key = blockKey(b);
      const prefix = onlyUriPrefix(b);
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
    for (const b of blocks) {
      seen.add(blockKey(b));
      const prefix = onlyUriPrefix(b);
      if (prefix !== undefined) prefixes.push(prefix);
    }
    if (isCatchAll(route)) catchAll = i;
  });
}

/** SRN1171: a fault without a percentage. */
function checkFaultPercentages(ctx: LintContext, m: Manifest, route: HTTPRoute, path: Path): void {
  for (const kind of ['delay', 'abort'] as const) {
    const f = route.fault?.[kind];
    if (!f) continue;
    const pct = f.percentage?.value ?? (kind === 'delay' ? route.fault?.delay?.percent : undefined);
    if (pct === undefined) {
      ctx.report(
        'SRN1171',
        m,
        [...path, 'fault', kind],
        `fault.${kind} has no percentage: Istio faults no request`,
        'warning',
      );
    }
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
  (v.spec.http ?? []).forEach((route, i) => {
    const path: Path = ['spec', 'http', i];
    checkFaultPercentages(ctx, v.manifest, route, path);
    (route.match ?? []).forEach((block, j) => {
      checkHeaderCase(ctx, v.manifest, block, [...path, 'match', j]);
    });
    checkWeightSum(ctx, v.manifest, route.route ?? [], [...path, 'route']);
  });
  (v.spec.tcp ?? []).forEach((route, i) => {
    checkWeightSum(ctx, v.manifest, route.route ?? [], ['spec', 'tcp', i, 'route']);
  });
  checkReachability(ctx, v);
}
