/**
 * Where a diagnostic's field is in its YAML source, as editors want it: `line:column` (1-based) of
 * the offending key. A path names a field by `a.b[2].c`; the deepest part of it that exists in the
 * document is located, so a missing required field points at the map it is missing from.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type YAMLError } from 'yaml';

export interface Position {
  line: number;
  column: number;
}

/** `spec.metrics[0].name` → `['spec', 'metrics', 0, 'name']`. */
export function pathKeys(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) keys.push(Number(m[2]));
    else if (m[1] !== undefined) keys.push(m[1]);
  }
  return keys;
}

function startOf(node: Node | null | undefined): number | undefined {
  return node?.range?.[0];
}

/** The offset of the deepest node on `keys`: a map entry's key, a list item, else the document. */
function offsetOf(doc: Document.Parsed, keys: readonly (string | number)[]): number | undefined {
  let node: unknown = doc.contents;
  let offset = startOf(doc.contents);
  for (const key of keys) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) break;
      offset = startOf(pair.key as Node) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (!item) break;
      offset = startOf(item) ?? offset;
      node = item;
    } else break;
  }
  return offset;
}

/** Where a path (`a.b[2].c`, or its keys) is in a YAML document. */
export type Locate = (path: string | readonly (string | number)[]) => Position | undefined;

/** Locates paths in one parsed YAML document. */
export function locator(doc: Document.Parsed, lineCounter: LineCounter): Locate {
  return (path) => {
    const offset = offsetOf(doc, typeof path === 'string' ? pathKeys(path) : path);
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
}

/**
 * Where a YAML syntax error is. Without `prettyErrors` (which costs a pass over the text per
 * error) yaml leaves `linePos` unset; the error's offset and the line counter give the same place.
 */
export function errorPosition(error: YAMLError, lineCounter: LineCounter): Position {
  const at = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
  return { line: at.line, column: at.col };
}
