/**
 * Canaries and MetricTemplates read from manifest files, for `serin analyze`. Invalid documents
 * are reported with the validator's own messages (file, document, field).
 */
import type { AlertProvider } from '../api/alert-provider.js';
import type { Canary } from '../api/canary.js';
import { parseSource } from '../api/documents.js';
import type { MetricTemplate } from '../api/metric-template.js';

export interface ManifestSet {
  canaries: Canary[];
  templates: MetricTemplate[];
  alertProviders: AlertProvider[];
  /** `file:document: path: message` lines for documents that did not validate. */
  errors: string[];
}

export function readManifests(sources: readonly { name: string; text: string }[]): ManifestSet {
  const set: ManifestSet = { canaries: [], templates: [], alertProviders: [], errors: [] };
  for (const source of sources) {
    const { documents, syntaxErrors } = parseSource(source.text);
    for (const e of syntaxErrors) set.errors.push(`${source.name}:${e.index}: ${e.message}`);
    for (const doc of documents) {
      if (doc.family === 'other') continue;
      const errors = doc.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0 || doc.value === undefined) {
        for (const d of errors)
          set.errors.push(`${source.name}:${doc.index}: ${d.path ? `${d.path}: ` : ''}${d.message}`);
        continue;
      }
      if (doc.kind === 'Canary') set.canaries.push(doc.value as Canary);
      else if (doc.kind === 'MetricTemplate') set.templates.push(doc.value as MetricTemplate);
      else if (doc.kind === 'AlertProvider') set.alertProviders.push(doc.value as AlertProvider);
    }
  }
  return set;
}

/** Finds a template by name; one without a namespace in its manifest matches any namespace. */
export function templateLookup(templates: readonly MetricTemplate[]) {
  return (namespace: string, name: string): Promise<MetricTemplate | undefined> =>
    Promise.resolve(
      templates.find((t) => t.metadata.name === name && t.metadata.namespace === namespace) ??
        templates.find((t) => t.metadata.name === name && t.metadata.namespace === undefined),
    );
}
