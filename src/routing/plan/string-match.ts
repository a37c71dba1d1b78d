import { compileRe2, Re2SyntaxError, type Re2Pattern } from '../re2.js';
import type { StringMatch } from '../istio/types.js';

/**
 * Istio's StringMatch, written once. It is a protobuf `oneof`: at most one of `exact`, `prefix`
 * and `regex`. With none set (or `regex: "*"`, which pilot special-cases, istio/istio#20629) a
 * header or query match only asks for presence (`canBeConvertedToPresentMatch`).
 */

export type StringMatchKind =
  | { kind: 'exact'; value: string }
  | { kind: 'prefix'; value: string }
  | { kind: 'regex'; value: string }
  | { kind: 'present' };

export class RouteCompileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** Which of the oneof members is set; throws naming the path when more than one is. */
export function stringMatchKind(m: StringMatch, path: string): StringMatchKind {
  const set = (['exact', 'prefix', 'regex'] as const).filter((k) => m[k] !== undefined);
  if (set.length > 1) {
    throw new RouteCompileError(
      path,
      `expected exactly one of exact, prefix or regex, got ${set.join(' and ')}`,
    );
  }
  if (m.exact !== undefined) return { kind: 'exact', value: m.exact };
  if (m.prefix !== undefined) return { kind: 'prefix', value: m.prefix };
  if (m.regex !== undefined && m.regex !== '*') return { kind: 'regex', value: m.regex };
  return { kind: 'present' };
}

/** A test on a value that may be absent (a header or query parameter the request lacks). */
export type ValueTest = (value: string | undefined) => boolean;

export function compileRegex(pattern: string, path: string): Re2Pattern {
  try {
    return compileRe2(pattern);
  } catch (error) {
    if (error instanceof Re2SyntaxError) throw new RouteCompileError(path, error.message);
    throw error;
  }
}

/**
 * Compiles a StringMatch into a value test. An absent value matches nothing but never reaches a
 * regex; `ignoreCase` lowers both sides (Istio's `ignoreUriCase`, exact and prefix only).
 */
export function compileStringMatch(m: StringMatch, path: string, ignoreCase = false): ValueTest {
  const k = stringMatchKind(m, path);
  switch (k.kind) {
    case 'exact': {
      const want = ignoreCase ? k.value.toLowerCase() : k.value;
      return (v) => v !== undefined && (ignoreCase ? v.toLowerCase() : v) === want;
    }
    case 'prefix': {
      const want = ignoreCase ? k.value.toLowerCase() : k.value;
      return (v) => v !== undefined && (ignoreCase ? v.toLowerCase() : v).startsWith(want);
    }
    case 'regex': {
      const re = compileRegex(k.value, `${path}.regex`);
      return (v) => v !== undefined && re.test(v);
    }
    case 'present':
      return (v) => v !== undefined;
  }
}

/**
 * `withoutHeaders` as Istio ≥ 1.22 programs it: an inverted Envoy header matcher with
 * `treat_missing_header_as_empty`, except for presence matches. So a missing header is read as ""
 * before the inversion: `withoutHeaders: {x: {regex: ".*"}}` excludes requests without `x` too,
 * while `withoutHeaders: {x: {}}` (or `regex: "*"`) selects exactly the requests without `x`.
 */
export function compileWithoutMatch(m: StringMatch, path: string): ValueTest {
  const k = stringMatchKind(m, path);
  const test = compileStringMatch(m, path);
  if (k.kind === 'present') return (v) => v === undefined;
  return (v) => !test(v ?? '');
}
