import { z } from 'zod';
import { isAlias, isNode, isScalar, LineCounter, parseAllDocuments, visit, type Document } from 'yaml';
import { AlertProviderDocument } from './alert-provider.js';
import { CanaryDocument } from './canary.js';
import { FLAGGER_API_VERSION, FLAGGER_GROUP, SERIN_API_VERSION, SERIN_GROUP } from './common.js';
import { diagnosticsFromIssues, type Diagnostic } from './diagnostics.js';
import { errorPosition, locator, type Position } from './locations.js';
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
  /** `line:column` of a diagnostic's path in the YAML source (src/api/locations.ts). */
  locate?: (path: string) => Position | undefined;
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
  if (apiVersion !== SERIN_API_VERSION && apiVersion !== FLAGGER_API_VERSION)
    return wrongApiVersion(apiVersion);
  return { schema: entry.schema };
}

function wrongApiVersion(apiVersion: unknown, kind?: string): Diagnostic {
  const accepted =
    kind === undefined || KINDS[kind]?.flagger === true
      ? `${SERIN_API_VERSION} or ${FLAGGER_API_VERSION}`
      : SERIN_API_VERSION;
  return {
    path: 'apiVersion',
    message: `expected ${accepted}${kind === undefined ? '' : ` for kind ${kind}`}, got ${JSON.stringify(apiVersion)}`,
    severity: 'error',
  };
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
  if (group !== SERIN_GROUP && group !== FLAGGER_GROUP) {
    // A kind only Serin and Flagger define under a group neither uses is a misspelt apiVersion
    // (`flager.app/v1beta1`), not someone else's resource: skipping it would pass it unchecked.
    const known = base.kind === undefined ? undefined : KINDS[base.kind];
    if (known !== undefined && base.kind !== undefined) {
      base.family = known.flagger ? 'flagger' : 'serin';
      base.diagnostics.push(wrongApiVersion(raw.apiVersion, base.kind));
    }
    return base;
  }
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
  syntaxErrors: { index: number; line?: number; column?: number; message: string }[];
}

/**
 * Limits on what one source may make the parser do. YAML aliases can expand a few lines into
 * billions of nodes (a "billion laughs" bomb), and deep nesting exhausts the stack: both are
 * reported as syntax errors instead of running out of memory or throwing.
 */
export const SOURCE_LIMITS = {
  /** Largest source accepted, in bytes (UTF-8). */
  maxBytes: 4 * 1024 * 1024,
  /** Most alias expansions per document (yaml's `maxAliasCount`). */
  maxAliasCount: 100,
  /** Deepest nesting of lists and objects. */
  maxDepth: 64,
  /**
   * Widest indentation of a YAML line, counting compact `- ` and `? ` indicators: the YAML lexer
   * runs out of memory on a few thousand nested `- - - ...` before any depth check could run.
   */
  maxIndent: 1000,
} as const;

/** The first line indented past {@link SOURCE_LIMITS.maxIndent}, if any. */
function overIndentedLine(text: string): number | undefined {
  const indent = /^(?:[ \t]|[-?:][ \t])*/;
  let line = 0;
  for (const row of text.split('\n')) {
    line += 1;
    if (row.length > SOURCE_LIMITS.maxIndent && (indent.exec(row)?.[0].length ?? 0) > SOURCE_LIMITS.maxIndent)
      return line;
  }
  return undefined;
}

type SyntaxError = SourceParseResult['syntaxErrors'][number];

/** Reads multi-document YAML, or JSON (a single object, a list, or a `kind: List`). Never throws. */
export function parseSource(text: string): SourceParseResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > SOURCE_LIMITS.maxBytes) {
    return {
      documents: [],
      syntaxErrors: [
        {
          index: 1,
          line: 1,
          message: `source is ${bytes} bytes, more than the limit of ${SOURCE_LIMITS.maxBytes}`,
        },
      ],
    };
  }
  try {
    const trimmed = text.trimStart();
    return trimmed.startsWith('{') || trimmed.startsWith('[') ? parseJson(text) : parseYaml(text);
  } catch (error) {
    // Whatever the limits above missed still ends as a diagnostic, never as an exception.
    return {
      documents: [],
      syntaxErrors: [{ index: 1, message: `unreadable source: ${(error as Error).message}` }],
    };
  }
}

function parseJson(text: string): SourceParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      documents: [],
      syntaxErrors: [{ index: 1, message: `invalid JSON: ${(error as Error).message}` }],
    };
  }
  if (depthOf(value) > SOURCE_LIMITS.maxDepth) {
    return { documents: [], syntaxErrors: [{ index: 1, line: 1, message: tooDeep() }] };
  }
  return { documents: splitJson(value).map((d, i) => validateDocument(d, i + 1)), syntaxErrors: [] };
}

function parseYaml(text: string): SourceParseResult {
  const overIndented = overIndentedLine(text);
  if (overIndented !== undefined) {
    return {
      documents: [],
      syntaxErrors: [
        {
          index: 1,
          line: overIndented,
          message: `invalid YAML: indented or nested more than ${SOURCE_LIMITS.maxIndent} columns deep`,
        },
      ],
    };
  }
  const lineCounter = new LineCounter();
  // yaml's own duplicate-key check compares every key with every other (quadratic: a 500 kB map
  // of distinct keys takes seconds); {@link duplicateKeyLine} does the same check in linear time.
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const out: SourceParseResult = { documents: [], syntaxErrors: [] };
  if (!Array.isArray(docs)) return out;
  docs.forEach((doc, i) => {
    const line = doc.contents?.range ? lineCounter.linePos(doc.contents.range[0]).line : undefined;
    const at = (errLine: number | undefined, message: string): SyntaxError => ({
      index: i + 1,
      ...(errLine !== undefined ? { line: errLine } : {}),
      message,
    });
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const pos = e !== undefined ? errorPosition(e, lineCounter) : undefined;
      out.syntaxErrors.push({
        ...at(pos?.line ?? line, `invalid YAML: ${e?.message ?? 'unreadable document'}`),
        ...(pos !== undefined ? { column: pos.column } : {}),
      });
      return;
    }
    const decoded = decodeYaml(doc, lineCounter);
    if ('error' in decoded) {
      out.syntaxErrors.push(at(decoded.line ?? line, decoded.error));
      return;
    }
    if (decoded.value === null || decoded.value === undefined) return; // an empty document between separators
    out.documents.push({
      ...validateDocument(decoded.value, i + 1, line),
      locate: locator(doc, lineCounter),
    });
  });
  return out;
}

/** A document's value, or why it cannot be had within the limits (and the line to blame). */
export function decodeYaml(
  doc: Document.Parsed,
  lineCounter: LineCounter,
): { value: unknown } | { error: string; line?: number } {
  const duplicate = duplicateKeyLine(doc, lineCounter);
  if (duplicate !== undefined) return { error: `invalid YAML: Map keys must be unique`, line: duplicate };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: SOURCE_LIMITS.maxAliasCount });
  } catch (error) {
    const line = firstAliasLine(doc, lineCounter);
    const message = (error as Error).message;
    if (/excessive alias count/i.test(message)) {
      return {
        error: `invalid YAML: aliases expand to more than ${SOURCE_LIMITS.maxAliasCount} nodes (a resource exhaustion attack?); write the values out instead`,
        ...(line !== undefined ? { line } : {}),
      };
    }
    return { error: `invalid YAML: ${message}`, ...(line !== undefined ? { line } : {}) };
  }
  if (depthOf(value) > SOURCE_LIMITS.maxDepth) return { error: tooDeep() };
  return { value };
}

/** The line of the first key repeated in its map, as yaml's `uniqueKeys` would report it. */
function duplicateKeyLine(doc: Document.Parsed, lineCounter: LineCounter): number | undefined {
  let line: number | undefined;
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key)) {
          const range = isScalar(pair.key) || isNode(pair.key) ? pair.key.range : undefined;
          line = range ? lineCounter.linePos(range[0]).line : 1;
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return line;
}

function firstAliasLine(doc: Document.Parsed, lineCounter: LineCounter): number | undefined {
  let line: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (!isAlias(node) || !node.range) return undefined;
      line = lineCounter.linePos(node.range[0]).line;
      return visit.BREAK;
    },
  });
  return line;
}

const tooDeep = () =>
  `nested deeper than ${SOURCE_LIMITS.maxDepth} levels of lists and objects: no Serin or Flagger document is that deep`;

/** How deep lists and objects nest, counted without recursion and stopping past the limit. */
function depthOf(root: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() ?? [undefined, 0];
    if (node === null || typeof node !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > SOURCE_LIMITS.maxDepth) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
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
