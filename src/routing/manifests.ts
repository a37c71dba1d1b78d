import { LineCounter, parseAllDocuments } from 'yaml';
import { decodeYaml } from '../api/documents.js';
import { errorPosition, locator, type Locate } from '../api/locations.js';

/**
 * A set of Kubernetes manifests read from files, each document with where it came from, so that
 * lint findings and explanations can point at `file:line:column`.
 */
export interface Manifest {
  file: string;
  /** 1-based document index in its file. */
  index: number;
  /** 1-based line where the document starts. */
  line: number;
  apiVersion: string;
  kind: string;
  name: string;
  /** The document's namespace, or undefined when it does not say (kubectl would use the context's). */
  namespace: string | undefined;
  raw: Record<string, unknown>;
  /** Line of a path inside the document, or the document's first line when the path is not found. */
  lineOf(path: readonly (string | number)[]): number;
  /** Line and column of the field at a path (its key), as `validate` reports them; none for JSON. */
  locate: Locate;
}

export interface ManifestSet {
  manifests: Manifest[];
  /** Documents that could not be read (syntax errors, not an object). */
  problems: { file: string; line: number; column?: number; message: string }[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(
  file: string,
  index: number,
  line: number,
  raw: Record<string, unknown>,
  locate: Locate,
): Manifest {
  const metadata = isRecord(raw.metadata) ? raw.metadata : {};
  return {
    file,
    index,
    line,
    apiVersion: typeof raw.apiVersion === 'string' ? raw.apiVersion : '',
    kind: typeof raw.kind === 'string' ? raw.kind : '',
    name: typeof metadata.name === 'string' ? metadata.name : '',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
    raw,
    // The deepest part of the path that exists: a missing leaf points at its parent.
    lineOf: (path) => locate(path)?.line ?? line,
    locate,
  };
}

function readJson(file: string, text: string, out: ManifestSet): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    out.problems.push({ file, line: 1, message: `invalid JSON: ${(error as Error).message}` });
    return;
  }
  const items = Array.isArray(value)
    ? value
    : isRecord(value) &&
        typeof value.kind === 'string' &&
        value.kind.endsWith('List') &&
        Array.isArray(value.items)
      ? (value.items as unknown[])
      : [value];
  items.forEach((item, i) => {
    if (isRecord(item)) out.manifests.push(describe(file, i + 1, 1, item, () => undefined));
    else
      out.problems.push({
        file,
        line: 1,
        message: `document ${i + 1}: expected an object with apiVersion and kind`,
      });
  });
}

/** Reads YAML (multi-document) or JSON sources into one manifest set. */
export function readManifests(sources: readonly { name: string; text: string }[]): ManifestSet {
  const out: ManifestSet = { manifests: [], problems: [] };
  for (const { name: file, text } of sources) {
    const trimmed = text.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      readJson(file, text, out);
      continue;
    }
    const counter = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false });
    if (!Array.isArray(docs)) continue;
    docs.forEach((doc, i) => {
      const start = doc.contents?.range ? counter.linePos(doc.contents.range[0]).line : 1;
      const error = doc.errors[0];
      if (error) {
        const at = errorPosition(error, counter);
        out.problems.push({ file, ...at, message: `invalid YAML: ${error.message}` });
        return;
      }
      const decoded = decodeYaml(doc, counter);
      if ('error' in decoded) {
        out.problems.push({ file, line: decoded.line ?? start, message: decoded.error });
        return;
      }
      const value = decoded.value;
      if (value === null || value === undefined) return;
      if (!isRecord(value)) {
        out.problems.push({ file, line: start, message: 'expected an object with apiVersion and kind' });
        return;
      }
      out.manifests.push(describe(file, i + 1, start, value, locator(doc, counter)));
    });
  }
  return out;
}

export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function isIstioNetworking(m: Pick<Manifest, 'apiVersion'>): boolean {
  return apiGroup(m.apiVersion) === 'networking.istio.io';
}

export function ofKind(set: ManifestSet, kind: string, istio = false): Manifest[] {
  return set.manifests.filter((m) => m.kind === kind && (!istio || isIstioNetworking(m)));
}
