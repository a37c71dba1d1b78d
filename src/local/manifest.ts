import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import type { AlertProvider } from '../api/alert-provider.js';
import type { Canary } from '../api/canary.js';
import { hasErrors, parseSource } from '../api/documents.js';
import type { MetricTemplate } from '../api/metric-template.js';
import type { Workload } from '../api/workload.js';
import type { WorkloadTarget } from './workloads/local-workloads.js';

/** One manifest text and where it came from (relative paths in a Workload are read from its directory). */
export interface ManifestSource {
  name: string;
  text: string;
  /** Directory for relative paths; defaults to the directory of `name`. */
  baseDir?: string;
}

/** Everything a local run reads from its manifests, validated. */
export interface Manifest {
  canaries: Canary[];
  workloads: Map<string, WorkloadTarget>;
  templates: MetricTemplate[];
  alertProviders: AlertProvider[];
}

export class ManifestError extends Error {
  constructor(readonly problems: string[]) {
    super(`the manifest is invalid:\n  ${problems.join('\n  ')}`);
  }
}

const nsOf = (meta: { namespace?: string | undefined }) => meta.namespace ?? 'default';

export const workloadKey = (namespace: string, name: string) => `${namespace}/${name}`;

/** A hash of the manifest texts: tells whether a file changed since a `serin apply` overlaid it. */
export function sourcesHash(sources: readonly ManifestSource[]): string {
  const h = createHash('sha256');
  for (const s of sources) h.update(s.name).update('\0').update(s.text).update('\0');
  return h.digest('hex').slice(0, 16);
}

/**
 * Reads Canaries, Workloads, MetricTemplates and AlertProviders from manifests. Every problem is
 * collected (file, document, path, message) and reported at once; nothing is returned half-valid.
 */
export function readManifest(sources: readonly ManifestSource[]): Manifest {
  const problems: string[] = [];
  const manifest: Manifest = { canaries: [], workloads: new Map(), templates: [], alertProviders: [] };
  for (const source of sources) {
    const baseDir = source.baseDir ?? dirname(resolve(source.name));
    const { documents, syntaxErrors } = parseSource(source.text);
    for (const e of syntaxErrors)
      problems.push(
        `${source.name}:${e.index}${e.line === undefined ? '' : ` (line ${e.line})`}: ${e.message}`,
      );
    for (const doc of documents) {
      const where = `${source.name}:${doc.index}`;
      if (doc.family === 'other') {
        problems.push(
          `${where}: kind: expected a serin.dev or flagger.app document, got ${doc.apiVersion ?? '(no apiVersion)'} ${doc.kind ?? ''}`.trimEnd(),
        );
        continue;
      }
      if (hasErrors(doc) || doc.value === undefined) {
        for (const d of doc.diagnostics.filter((x) => x.severity === 'error'))
          problems.push(`${where}: ${d.path ? `${d.path}: ` : ''}${d.message}`);
        continue;
      }
      addDocument(manifest, doc.kind ?? '', doc.value, baseDir);
    }
  }
  problems.push(...crossReferenceProblems(manifest));
  if (problems.length > 0) throw new ManifestError(problems);
  return manifest;
}

function addDocument(manifest: Manifest, kind: string, value: unknown, baseDir: string): void {
  switch (kind) {
    case 'Canary':
      manifest.canaries.push(value as Canary);
      break;
    case 'Workload': {
      const workload = value as Workload;
      manifest.workloads.set(workloadKey(nsOf(workload.metadata), workload.metadata.name), {
        workload,
        baseDir,
      });
      break;
    }
    case 'MetricTemplate':
      manifest.templates.push(value as MetricTemplate);
      break;
    case 'AlertProvider':
      manifest.alertProviders.push(value as AlertProvider);
      break;
  }
}

function crossReferenceProblems(manifest: Manifest): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const canary of manifest.canaries) {
    const ns = nsOf(canary.metadata);
    const id = `Canary ${ns}/${canary.metadata.name}`;
    if (seen.has(id)) problems.push(`${id}: defined twice`);
    seen.add(id);
    const ref = canary.spec.targetRef;
    if (!manifest.workloads.has(workloadKey(ns, ref.name))) {
      problems.push(
        `${id}: spec.targetRef: expected a Workload named "${ref.name}" in namespace ${ns}, found none`,
      );
    }
    if (ref.kind !== 'Workload' && ref.kind !== 'Deployment') {
      problems.push(`${id}: spec.targetRef.kind: expected Workload in local mode, got ${ref.kind}`);
    }
  }
  return problems;
}

/** The Workload a Canary targets. */
export function targetOf(manifest: Manifest, canary: Canary): WorkloadTarget | undefined {
  return manifest.workloads.get(workloadKey(nsOf(canary.metadata), canary.spec.targetRef.name));
}
