import type { Manifest, ManifestSet } from '../manifests.js';
import { isIstioNetworking } from '../manifests.js';
import { serviceFqdn } from '../plan/index.js';
import { CHECKS, type CheckCode, type Severity } from './codes.js';

export interface Finding {
  code: CheckCode;
  severity: Severity;
  file: string;
  line: number;
  kind: string;
  name: string;
  /** Dotted path inside the document, e.g. `spec.http[0].route[1].weight`. */
  path: string;
  message: string;
  hint: string;
}

export interface PodTemplate {
  manifest: Manifest;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Path of the template metadata inside the document, for line numbers. */
  path: (string | number)[];
}

export interface ServiceInfo {
  manifest: Manifest;
  namespace: string;
  fqdn: string;
  selector: Record<string, string> | undefined;
  ports: { name?: string; port?: number; appProtocol?: string }[];
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);
export const LINT_IGNORE_ANNOTATION = 'serin.dev/lint-ignore';

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? key : `.${key}`;
  return out;
}

/**
 * The inverse of {@link formatPath}, for paths the route plan names (`spec.http[1].match[0].uri`).
 * A path through a delegate (`spec.http[1] → team/reviews spec.http[0]...`) points at the root
 * rule's `delegate`, the place in this document that brings the delegate's rule in.
 */
export function parsePath(text: string): (string | number)[] {
  const arrow = text.indexOf(' → ');
  const own = arrow < 0 ? text : text.slice(0, arrow);
  const out: (string | number)[] = [];
  for (const m of own.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    out.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? ''));
  return arrow < 0 ? out : [...out, 'delegate'];
}

/** Indexes over a manifest set that the checks share, and the list findings are added to. */
export class LintContext {
  readonly findings: Finding[] = [];
  readonly templates: PodTemplate[] = [];
  readonly services: ServiceInfo[] = [];
  readonly namespaces = new Map<string, Manifest>();

  constructor(
    readonly set: ManifestSet,
    readonly defaultNamespace: string,
  ) {
    for (const m of set.manifests) this.index(m);
  }

  namespaceOf(m: Manifest): string {
    return m.namespace ?? this.defaultNamespace;
  }

  private index(m: Manifest): void {
    if (m.kind === 'Namespace' && m.apiVersion === 'v1') this.namespaces.set(m.name, m);
    if (m.kind === 'Service' && m.apiVersion === 'v1') {
      const spec = isRecord(m.raw.spec) ? m.raw.spec : {};
      const ns = this.namespaceOf(m);
      this.services.push({
        manifest: m,
        namespace: ns,
        fqdn: serviceFqdn(m.name, ns),
        selector: isRecord(spec.selector) ? stringMap(spec.selector) : undefined,
        ports: Array.isArray(spec.ports)
          ? (spec.ports as unknown[]).filter(isRecord).map((p) => p as ServiceInfo['ports'][number])
          : [],
      });
    }
    if (WORKLOAD_KINDS.has(m.kind) && m.apiVersion.startsWith('apps/')) {
      const template = isRecord(m.raw.spec) && isRecord(m.raw.spec.template) ? m.raw.spec.template : {};
      const meta = isRecord(template.metadata) ? template.metadata : {};
      this.templates.push({
        manifest: m,
        namespace: this.namespaceOf(m),
        labels: stringMap(meta.labels),
        annotations: stringMap(meta.annotations),
        path: ['spec', 'template', 'metadata'],
      });
    }
    if (m.kind === 'Pod' && m.apiVersion === 'v1') {
      const meta = isRecord(m.raw.metadata) ? m.raw.metadata : {};
      this.templates.push({
        manifest: m,
        namespace: this.namespaceOf(m),
        labels: stringMap(meta.labels),
        annotations: stringMap(meta.annotations),
        path: ['metadata'],
      });
    }
  }

  istio(kind: string): Manifest[] {
    return this.set.manifests.filter((m) => m.kind === kind && isIstioNetworking(m));
  }

  serviceFor(fqdn: string): ServiceInfo | undefined {
    return this.services.find((s) => s.fqdn === fqdn);
  }

  podsMatching(namespace: string, selector: Record<string, string>): PodTemplate[] {
    const entries = Object.entries(selector);
    return this.templates.filter(
      (t) => t.namespace === namespace && entries.every(([k, v]) => t.labels[k] === v),
    );
  }

  report(
    code: CheckCode,
    m: Manifest,
    path: readonly (string | number)[],
    message: string,
    severity: Severity = 'error',
  ): void {
    const ignored = stringMap(isRecord(m.raw.metadata) ? m.raw.metadata.annotations : undefined)[
      LINT_IGNORE_ANNOTATION
    ];
    if (
      ignored
        ?.split(',')
        .map((s) => s.trim())
        .includes(code)
    )
      return;
    this.findings.push({
      code,
      severity,
      file: m.file,
      line: m.lineOf(path),
      kind: m.kind,
      name: m.name,
      path: formatPath(path),
      message,
      hint: CHECKS[code].hint,
    });
  }
}
