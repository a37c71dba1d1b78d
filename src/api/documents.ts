import { z } from 'zod';
import { parseAllDocuments, LineCounter } from 'yaml';
import { AlertProviderDocument } from './alert-provider.js';
import { CanaryDocument } from './canary.js';
import { FLAGGER_API_VERSION, FLAGGER_GROUP, SERIN_API_VERSION, SERIN_GROUP } from './common.js';
import { diagnosticsFromIssues, type Diagnostic } from './diagnostics.js';
import { MetricTemplateDocument } from './metric-template.js';
import { WorkloadDocument } from './workload.js';

/**
 * The kinds Serin reads, by kind name. Each is valid under `serin.dev/v1beta1` and, where Flagger
 * has the kind, under `flagger.app/v1beta1` with the same meaning.
 */
export const KINDS: Record<string, { schema: z.ZodType; flagger: boolean }> = {
  Canary: { schema: CanaryDocument, flagger: true },
  MetricTemplate: { schema: MetricTemplateDocument, flagger: true },
  AlertProvider: { schema: AlertProviderDocument, flagger: true },
  Workload: { schema: WorkloadDocument, flagger: false },
};

export interface ParsedDocument {
  /** 1-based position of the document in its source. */
  index: number;
  /** 1-based line where the document starts, when the source was YAML. */
  line?: number;
  apiVersion?: string;
  kind?: string;
  name?: string;
  /** `serin`/`flagger` for documents Serin validates, `other` for everything else (Deployments, ...). */
  family: 'serin' | 'flagger' | 'other';
  raw: unknown;
  /** The validated, defaulted value when there are no errors. */
  value?: unknown;
  diagnostics: Diagnostic[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deletes keys zod reported as unknown so the rest can be validated and used. */
function withoutUnknownKeys(input: unknown, issues: readonly z.core.$ZodIssue[]): unknown {
  const copy: unknown = structuredClone(input);
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    let node: unknown = copy;
    for (const key of issue.path)
      node = isRecord(node) || Array.isArray(node) ? (node as never)[key] : undefined;
    if (isRecord(node)) for (const key of issue.keys) Reflect.deleteProperty(node, key);
  }
  return copy;
}

/** Which schema applies to a document in a Serin or Flagger group, or why none does. */
function schemaFor(apiVersion: unknown, kind: unknown, group: string): { schema: z.ZodType } | Diagnostic {
  const entry = typeof kind === 'string' ? KINDS[kind] : undefined;
  if (!entry || (group === FLAGGER_GROUP && !entry.flagger)) {
    const known = Object.keys(KINDS).filter((k) => group === SERIN_GROUP || KINDS[k]?.flagger);
    return {
      path: 'kind',
      message: `expected one of ${known.join(', ')}, got ${JSON.stringify(kind)}`,
      severity: 'error',
    };
  }
  if (apiVersion !== SERIN_API_VERSION && apiVersion !== FLAGGER_API_VERSION) {
    return {
      path: 'apiVersion',
      message: `expected ${SERIN_API_VERSION} or ${FLAGGER_API_VERSION}, got ${JSON.stringify(apiVersion)}`,
      severity: 'error',
    };
  }
  return { schema: entry.schema };
}

function describeDocument(raw: Record<string, unknown>, base: ParsedDocument): void {
  const { apiVersion, kind, metadata } = raw;
  if (typeof apiVersion === 'string') base.apiVersion = apiVersion;
  if (typeof kind === 'string') base.kind = kind;
  if (isRecord(metadata) && typeof metadata.name === 'string') base.name = metadata.name;
}

/** Validates one decoded document. Unknown fields are warnings (Kubernetes prunes them), not errors. */
export function validateDocument(raw: unknown, index = 1, line?: number): ParsedDocument {
  const base: ParsedDocument = {
    index,
    family: 'other',
    raw,
    diagnostics: [],
    ...(line !== undefined ? { line } : {}),
  };
  if (!isRecord(raw)) {
    const got = raw === null ? 'null' : typeof raw;
    base.diagnostics.push({
      path: '',
      message: `expected an object with apiVersion and kind, got ${got}`,
      severity: 'error',
    });
    return base;
  }
  describeDocument(raw, base);
  const group = base.apiVersion?.split('/')[0] ?? '';
  if (group !== SERIN_GROUP && group !== FLAGGER_GROUP) return base;
  base.family = group === SERIN_GROUP ? 'serin' : 'flagger';
  const found = schemaFor(raw.apiVersion, raw.kind, group);
  if (!('schema' in found)) {
    base.diagnostics.push(found);
    return base;
  }
  let result = found.schema.safeParse(raw);
  if (!result.success) {
    base.diagnostics.push(...diagnosticsFromIssues(result.error.issues, raw));
    const onlyUnknown = result.error.issues.every((i) => i.code === 'unrecognized_keys');
    if (onlyUnknown) result = found.schema.safeParse(withoutUnknownKeys(raw, result.error.issues));
  }
  if (result.success) base.value = result.data;
  return base;
}

export interface SourceParseResult {
  documents: ParsedDocument[];
  /** Syntax errors that stopped a document from being read at all. */
  syntaxErrors: { index: number; line?: number; message: string }[];
}

/** Reads multi-document YAML, or JSON (a single object, a list, or a `kind: List`). */
export function parseSource(text: string): SourceParseResult {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return {
        documents: splitJson(JSON.parse(text) as unknown).map((d, i) => validateDocument(d, i + 1)),
        syntaxErrors: [],
      };
    } catch (error) {
      return {
        documents: [],
        syntaxErrors: [{ index: 1, message: `invalid JSON: ${(error as Error).message}` }],
      };
    }
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const out: SourceParseResult = { documents: [], syntaxErrors: [] };
  if (!Array.isArray(docs)) return out;
  docs.forEach((doc, i) => {
    const line = doc.contents?.range ? lineCounter.linePos(doc.contents.range[0]).line : undefined;
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const errLine = e?.linePos?.[0].line ?? line;
      out.syntaxErrors.push({
        index: i + 1,
        ...(errLine !== undefined ? { line: errLine } : {}),
        message: `invalid YAML: ${e?.message ?? 'unreadable document'}`,
      });
      return;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return; // an empty document between separators
    out.documents.push(validateDocument(value, i + 1, line));
  });
  return out;
}

function splitJson(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (
    isRecord(value) &&
    typeof value.kind === 'string' &&
    value.kind.endsWith('List') &&
    Array.isArray(value.items)
  ) {
    return value.items as unknown[];
  }
  return [value];
}

export function hasErrors(doc: ParsedDocument): boolean {
  return doc.diagnostics.some((d) => d.severity === 'error');
}
