import type { z } from 'zod';

export interface Diagnostic {
  /** Dotted path inside the document, e.g. `spec.analysis.stepWeight`; empty for the document itself. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value);
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** Turns zod's message into one that says what was expected and what was found. */
function messageFor(issue: z.core.$ZodIssue, input: unknown): string {
  const got = valueAt(input, issue.path);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.message.startsWith('Invalid input')
        ? `expected ${article(issue.expected)}`
        : issue.message;
      return got === undefined ? `required: ${expected}` : `${expected}, got ${describe(got)}`;
    }
    case 'too_big':
    case 'too_small':
    case 'invalid_value':
    case 'invalid_format':
    case 'not_multiple_of':
      return `${issue.message}, got ${describe(got)}`;
    default:
      return issue.message;
  }
}

/** Flattens zod issues into diagnostics; unknown keys become one warning per key. */
export function diagnosticsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  prefix: readonly PropertyKey[] = [],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({
          path: formatPath([...path, key]),
          message: 'unknown field, ignored (check its spelling and indentation)',
          severity: 'warning',
        });
      }
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      out.push({ path: formatPath(path), message: messageFor(issue, input), severity: 'error' });
    } else {
      out.push({ path: formatPath(path), message: messageFor(issue, input), severity: 'error' });
    }
  }
  return out;
}
