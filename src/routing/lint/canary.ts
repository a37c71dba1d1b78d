import { capabilityOptionsFor, documentCapabilities } from '../../api/capabilities.js';
import { validateDocument } from '../../api/documents.js';
import type { Manifest } from '../manifests.js';
import { SELECTOR_LABELS } from '../names.js';
import { isRecord, type LintContext, type PodTemplate } from './context.js';

const SERIN_GROUPS = new Set(['serin.dev', 'flagger.app']);

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
}

function get(obj: unknown, ...keys: string[]): unknown {
  let node = obj;
  for (const k of keys) node = isRecord(node) ? node[k] : undefined;
  return node;
}

function find(
  ctx: LintContext,
  kind: string | readonly string[],
  name: string,
  namespace: string,
): Manifest | undefined {
  const kinds = typeof kind === 'string' ? [kind] : kind;
  return ctx.set.manifests.find(
    (m) => kinds.includes(m.kind) && m.name === name && ctx.namespaceOf(m) === namespace,
  );
}

function checkTarget(ctx: LintContext, m: Manifest, ns: string, targets: Set<PodTemplate>): void {
  const kind = get(m.raw, 'spec', 'targetRef', 'kind');
  const name = get(m.raw, 'spec', 'targetRef', 'name');
  if (typeof name !== 'string') return;
  const targetKind = typeof kind === 'string' ? kind : 'Deployment';
  const target = find(ctx, targetKind, name, ns);
  if (!target) {
    ctx.report('SRN1602', m, ['spec', 'targetRef', 'name'], `${targetKind} ${ns}/${name} is not in the set`);
    return;
  }
  if (target.kind === 'Workload') return;
  for (const t of ctx.templates) if (t.manifest === target) targets.add(t);
  const matchLabels = get(target.raw, 'spec', 'selector', 'matchLabels');
  if (!SELECTOR_LABELS.some((l) => isRecord(matchLabels) && typeof matchLabels[l] === 'string')) {
    ctx.report(
      'SRN1606',
      target,
      ['spec', 'selector'],
      `${target.kind} ${name} is a canary target but its selector has none of ${SELECTOR_LABELS.join(', ')}`,
    );
  }
  const containers = get(target.raw, 'spec', 'template', 'spec', 'containers');
  const list = Array.isArray(containers) ? (containers as unknown[]) : [];
  if (!list.some((c) => isRecord(c) && c.readinessProbe !== undefined)) {
    ctx.report(
      'SRN1601',
      target,
      ['spec', 'template', 'spec', 'containers'],
      `${target.kind} ${name} is the target of Canary ${m.name} but has no readinessProbe`,
    );
  }
}

function checkRefs(ctx: LintContext, m: Manifest, ns: string): void {
  const scaler = get(m.raw, 'spec', 'autoscalerRef');
  if (isRecord(scaler) && typeof scaler.name === 'string') {
    const kind = typeof scaler.kind === 'string' ? scaler.kind : 'HorizontalPodAutoscaler';
    if (!find(ctx, kind, scaler.name, ns))
      ctx.report(
        'SRN1603',
        m,
        ['spec', 'autoscalerRef', 'name'],
        `${kind} ${ns}/${scaler.name} is not in the set`,
      );
  }
  for (const key of ['analysis', 'canaryAnalysis']) {
    const metrics = get(m.raw, 'spec', key, 'metrics');
    (Array.isArray(metrics) ? (metrics as unknown[]) : []).forEach((metric, i) => {
      const ref = get(metric, 'templateRef');
      if (!isRecord(ref) || typeof ref.name !== 'string') return;
      const refNs = typeof ref.namespace === 'string' ? ref.namespace : ns;
      if (!find(ctx, 'MetricTemplate', ref.name, refNs)) {
        ctx.report(
          'SRN1604',
          m,
          ['spec', key, 'metrics', i, 'templateRef'],
          `MetricTemplate ${refNs}/${ref.name} is not in the set`,
        );
      }
    });
    const alerts = get(m.raw, 'spec', key, 'alerts');
    (Array.isArray(alerts) ? (alerts as unknown[]) : []).forEach((alert, i) => {
      const ref = get(alert, 'providerRef');
      if (!isRecord(ref) || typeof ref.name !== 'string') return;
      const refNs = typeof ref.namespace === 'string' ? ref.namespace : ns;
      if (!find(ctx, 'AlertProvider', ref.name, refNs)) {
        ctx.report(
          'SRN1605',
          m,
          ['spec', key, 'alerts', i, 'providerRef'],
          `AlertProvider ${refNs}/${ref.name} is not in the set`,
        );
      }
    });
  }
}

/** SRN1607: in owned mode the VirtualService named like the apex Service is rewritten whole. */
function checkOwnedVirtualService(ctx: LintContext, m: Manifest, ns: string): void {
  const service = get(m.raw, 'spec', 'service');
  if (!isRecord(service) || service.routing === 'merge') return;
  const target = get(m.raw, 'spec', 'targetRef', 'name');
  const apex = typeof service.name === 'string' ? service.name : target;
  if (typeof apex !== 'string') return;
  const vs = ctx.istio('VirtualService').find((v) => v.name === apex && ctx.namespaceOf(v) === ns);
  const http =
    vs && isRecord(vs.raw.spec) && Array.isArray(vs.raw.spec.http) ? (vs.raw.spec.http as unknown[]) : [];
  const handWritten = http.some((r) => {
    const dests = get(r, 'route');
    return Array.isArray(dests) && !dests.some((d) => get(d, 'destination', 'host') === `${apex}-canary`);
  });
  if (vs && handWritten) {
    ctx.report(
      'SRN1607',
      m,
      ['spec', 'service'],
      `Canary ${m.name} owns VirtualService ${apex} and will replace its rules (${vs.file}:${vs.line})`,
      'warning',
    );
  }
}

function pathOf(dotted: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of dotted.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out.filter((k) => k !== '');
}

/** SRN1002 schema problems of Serin/Flagger resources; SRN1601–1606 references of Canaries. */
export function checkSerinResources(ctx: LintContext): Set<PodTemplate> {
  const targets = new Set<PodTemplate>();
  const capabilities = capabilityOptionsFor(ctx.set.manifests.map((m) => m.raw));
  for (const m of ctx.set.manifests) {
    if (!SERIN_GROUPS.has(groupOf(m.apiVersion))) continue;
    const parsed = validateDocument(m.raw, m.index, m.line);
    for (const d of parsed.diagnostics) {
      ctx.report('SRN1002', m, pathOf(d.path), d.path ? `${d.path}: ${d.message}` : d.message, d.severity);
    }
    for (const c of documentCapabilities(m.raw, capabilities)) {
      const code = c.reason === 'Ignored' ? 'SRN1702' : c.reason === 'Invalid' ? 'SRN1002' : 'SRN1701';
      ctx.report(code, m, pathOf(c.path), `${c.path}: ${c.message}`, c.severity);
    }
    if (m.kind !== 'Canary') continue;
    const ns = ctx.namespaceOf(m);
    checkTarget(ctx, m, ns, targets);
    checkRefs(ctx, m, ns);
    checkOwnedVirtualService(ctx, m, ns);
  }
  return targets;
}

/** SRN1501/1502: routed workloads must run a sidecar; an error for canary targets (no metrics without it). */
export function checkSidecars(
  ctx: LintContext,
  routed: ReadonlySet<PodTemplate>,
  targets: ReadonlySet<PodTemplate>,
): void {
  const reportedNamespaces = new Set<string>();
  // Targets first, so that a namespace hosting a canary target is reported at error severity.
  for (const t of new Set([...targets, ...routed])) {
    const severity = targets.has(t) ? 'error' : 'warning';
    const inject = t.annotations['sidecar.istio.io/inject'] ?? t.labels['sidecar.istio.io/inject'];
    if (inject === 'false') {
      ctx.report(
        'SRN1502',
        t.manifest,
        [...t.path, 'annotations', 'sidecar.istio.io/inject'],
        `${t.manifest.kind} ${t.manifest.name} receives mesh traffic but opts out of the sidecar`,
        severity,
      );
    }
    const ns = ctx.namespaces.get(t.namespace);
    if (!ns || reportedNamespaces.has(t.namespace) || inject === 'true') continue;
    const labels = get(ns.raw, 'metadata', 'labels');
    const enabled =
      isRecord(labels) &&
      (labels['istio-injection'] === 'enabled' || typeof labels['istio.io/rev'] === 'string');
    if (!enabled) {
      reportedNamespaces.add(t.namespace);
      ctx.report(
        'SRN1501',
        ns,
        ['metadata'],
        `namespace ${t.namespace} runs ${t.manifest.kind} ${t.manifest.name}, which receives routed traffic, but has no istio-injection=enabled label`,
        severity,
      );
    }
  }
}
