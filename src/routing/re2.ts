/**
 * RE2 as Istio and Envoy use it.
 *
 * Istio validates regexes with Go's `regexp` (RE2 syntax) and Envoy runs them with RE2, always
 * against the whole value. JavaScript's own engine differs both ways (lookaround and
 * backreferences it accepts, `(?P<name>…)` and `\C`-style rules it does not share) and it
 * backtracks, so one header value could stall the router. `re2js`, a port of Go's engine, gives
 * the same grammar and linear-time matching; the differential test against Go keeps it honest.
 */
import { RE2JS } from 're2js';

export class Re2SyntaxError extends Error {
  constructor(
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(`invalid RE2 regex ${JSON.stringify(pattern)}: ${reason}`);
  }
}

/** Istio rejects longer regexes. */
export const MAX_REGEX_LENGTH = 1024;

/** A compiled RE2 pattern. */
export interface Re2Pattern {
  readonly source: string;
  /** Whether the pattern matches the whole value, as Istio's `regex` string match does. */
  test(value: string): boolean;
  /**
   * Replaces every non-overlapping match, as Envoy's `regex_rewrite` does; `\N` in `rewrite`
   * stands for capture group N (RE2's substitution syntax).
   */
  replaceAll(value: string, rewrite: string): string;
}

function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^error parsing regexp: /, '');
}

/** RE2's substitution syntax (`\N` a group, `\\` a backslash) in re2js's (`$N`, `$$` a dollar). */
function toReplacement(rewrite: string): string {
  return rewrite.replace(/\\(\d)|\\\\|\$/g, (whole: string, group: string | undefined) => {
    if (group !== undefined) return `$${group}`;
    return whole === '$' ? '$$' : '\\';
  });
}

/**
 * Compiling costs far more than matching (hundreds of microseconds), and every configuration
 * update recompiles the same patterns; compiled patterns are immutable, so they are shared.
 */
const cache = new Map<string, RE2JS>();
const MAX_CACHED = 1000;

function compiled(pattern: string): RE2JS {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (error) {
    throw new Re2SyntaxError(pattern, reason(error));
  }
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(pattern, re);
  return re;
}

/**
 * Compiles an RE2 pattern. Throws {@link Re2SyntaxError} with Go's reason when Istio's validation
 * would reject it.
 */
export function compileRe2(pattern: string): Re2Pattern {
  if (pattern.length > MAX_REGEX_LENGTH) {
    throw new Re2SyntaxError(pattern, `longer than ${MAX_REGEX_LENGTH} characters`);
  }
  const re = compiled(pattern);
  return {
    source: pattern,
    test: (value) => re.testExact(value),
    replaceAll: (value, rewrite) => re.matcher(value).replaceAll(toReplacement(rewrite)),
  };
}

/** Why RE2 (as Istio validates it) rejects a pattern, or undefined when it is valid. */
export function re2Error(pattern: string): string | undefined {
  try {
    compileRe2(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Re2SyntaxError ? error.reason : String(error);
  }
}

export function isValidRe2(pattern: string): boolean {
  return re2Error(pattern) === undefined;
}

/** A literal as an RE2 pattern that matches exactly that text. */
export function escapeRe2(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}
