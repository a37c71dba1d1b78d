import type { z } from 'zod';
import {
  VirtualServiceSpecSchema,
  type HTTPMatchRequest,
  type HTTPRoute,
  type StringMatch,
  type VirtualServiceSpec,
} from '../istio/types.js';
import type { Manifest } from '../manifests.js';
import { re2Error } from '../re2.js';
import { formatPath, isRecord, type LintContext } from './context.js';

type Path = (string | number)[];

export interface ParsedVirtualService {
  manifest: Manifest;
  spec: VirtualServiceSpec;
  namespace: string;
}

export function reportSchemaIssues(ctx: LintContext, m: Manifest, error: z.ZodError): void {
  for (const issue of error.issues.slice(0, 5)) {
    const path = ['spec', ...issue.path.filter((k): k is string | number => typeof k !== 'symbol')];
    ctx.report('SRN1003', m, path, `${formatPath(path)}: ${issue.message}`);
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
    out.push({ manifest: m, spec: parsed.data, namespace: ctx.namespaceOf(m) });
  }
  return out;
}

function checkStringMatch(
  ctx: LintContext,
  m: Manifest,
  sm: StringMatch,
  path: Path,
  presenceOk: boolean,
): void {
  const set = [sm.exact, sm.prefix, sm.regex].filter((v) => v !== undefined).length;
  if (set > 1) ctx.report('SRN1131', m, path, `${formatPath(path)} sets ${set} of exact, prefix and regex`);
  if (set === 0 && !presenceOk)
    ctx.report('SRN1131', m, path, `${formatPath(path)} sets none of exact, prefix and regex`);
  if (sm.regex !== undefined) {
    const why = re2Error(sm.regex);
    if (why !== undefined)
      ctx.report('SRN1130', m, [...path, 'regex'], `regex ${JSON.stringify(sm.regex)}: ${why}`);
  }
}

function checkMatchBlock(ctx: LintContext, m: Manifest, block: HTTPMatchRequest, path: Path): void {
  for (const field of ['uri', 'scheme', 'method', 'authority'] as const) {
    const sm = block[field];
    if (sm) checkStringMatch(ctx, m, sm, [...path, field], false);
  }
  for (const field of ['headers', 'queryParams', 'withoutHeaders'] as const) {
    for (const [key, sm] of Object.entries(block[field] ?? {})) {
      const p = [...path, field, key];
      if (field === 'withoutHeaders' && sm.regex === '*') continue;
      checkStringMatch(ctx, m, sm, p, true);
      if (field !== 'queryParams' && key !== key.toLowerCase()) {
        ctx.report(
          'SRN1132',
          m,
          p,
          `header ${JSON.stringify(key)} should be written ${JSON.stringify(key.toLowerCase())}`,
          'warning',
        );
      }
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

function checkActions(ctx: LintContext, m: Manifest, route: HTTPRoute, path: Path): void {
  const hasRoute = (route.route?.length ?? 0) > 0;
  const terminal = route.redirect !== undefined || route.directResponse !== undefined;
  if (!hasRoute && !terminal && route.delegate === undefined) {
    ctx.report('SRN1172', m, path, `${formatPath(path)} has no route, redirect, directResponse or delegate`);
  }
  if (terminal && (hasRoute || route.rewrite !== undefined || route.fault !== undefined)) {
    ctx.report(
      'SRN1173',
      m,
      path,
      `${formatPath(path)} combines redirect/directResponse with route, rewrite or fault`,
    );
  }
  checkMirrorAndFault(ctx, m, route, path);
}

function checkMirrorAndFault(ctx: LintContext, m: Manifest, route: HTTPRoute, path: Path): void {
  if (route.mirror !== undefined && route.mirrors !== undefined) {
    ctx.report('SRN1170', m, [...path, 'mirrors'], 'a rule cannot set both mirror and mirrors');
  }
  const mp = route.mirrorPercentage?.value;
  if (mp !== undefined && (mp < 0 || mp > 100)) {
    ctx.report(
      'SRN1170',
      m,
      [...path, 'mirrorPercentage', 'value'],
      `mirrorPercentage ${mp} is outside 0–100`,
    );
  }
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
    } else if (pct < 0 || pct > 100) {
      ctx.report(
        'SRN1171',
        m,
        [...path, 'fault', kind, 'percentage', 'value'],
        `fault.${kind} percentage ${pct} is outside 0–100`,
      );
    }
  }
}

export function checkWeights(
  ctx: LintContext,
  m: Manifest,
  dests: readonly { weight?: number | undefined }[],
  path: Path,
): void {
  dests.forEach((d, k) => {
    if (d.weight === undefined) return;
    const p = [...path, k, 'weight'];
    if (!Number.isInteger(d.weight)) ctx.report('SRN1111', m, p, `weight ${d.weight} is not a whole number`);
    if (d.weight < 0) ctx.report('SRN1110', m, p, `weight ${d.weight} is negative`);
  });
  if (dests.length < 2) return;
  const total = dests.reduce((s, d) => s + (d.weight ?? 0), 0);
  if (total === 0)
    ctx.report(
      'SRN1112',
      m,
      path,
      `${formatPath(path)}: every destination has weight 0 (Istio rejects "total destination weight = 0")`,
    );
  else if (total !== 100)
    ctx.report('SRN1113', m, path, `${formatPath(path)}: weights sum to ${total}, not 100`, 'warning');
}

export function checkVirtualServiceRules(ctx: LintContext, v: ParsedVirtualService): void {
  (v.spec.http ?? []).forEach((route, i) => {
    const path: Path = ['spec', 'http', i];
    checkActions(ctx, v.manifest, route, path);
    (route.match ?? []).forEach((block, j) => {
      checkMatchBlock(ctx, v.manifest, block, [...path, 'match', j]);
    });
    checkWeights(ctx, v.manifest, route.route ?? [], [...path, 'route']);
  });
  (v.spec.tcp ?? []).forEach((route, i) => {
    checkWeights(ctx, v.manifest, route.route ?? [], ['spec', 'tcp', i, 'route']);
  });
  checkReachability(ctx, v);
}
