/**
 * Differential test: Serin's RE2 against Go's `regexp`, which Istio validates regexes with.
 * Both must accept and reject the same patterns and agree on every whole-value match.
 */
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGoOracle, type GoOracle } from '../../test/support/go-oracle.js';
import { compileRe2, re2Error } from './re2.js';

interface Answer {
  valid: boolean;
  error?: string;
  matches: boolean[];
}

const source = fileURLToPath(new URL('../../test/support/re2-oracle/main.go', import.meta.url));
let oracle: GoOracle;
/**
 * Go added `(?<name>…)` in 1.22 (RE2 and the Go that current Istio releases are built with accept
 * it); with an older Go, such groups are sent in their `(?P<name>…)` spelling, which means the same.
 */
let spellNamedGroupsForGo = (pattern: string): string => pattern;

beforeAll(() => {
  oracle = buildGoOracle(source, 'regexp');
  if (oracle.minorVersion < 22) spellNamedGroupsForGo = (p) => p.replaceAll('(?<n>', '(?P<n>');
}, 180_000);

afterAll(() => {
  oracle.remove();
});

/** Asks Go about every pattern in one process. */
function askGo(queries: { pattern: string; inputs: string[] }[]): Promise<Answer[]> {
  return oracle.ask(queries.map((q) => ({ ...q, pattern: spellNamedGroupsForGo(q.pattern) })));
}

/** Pieces that exercise RE2's grammar: operators, groups, flags, classes, escapes, literals. */
const TOKENS = [
  'a',
  'b',
  'c',
  'x',
  '0',
  '9',
  '-',
  ',',
  ':',
  '/',
  ' ',
  'é',
  '\n',
  '.',
  '*',
  '+',
  '?',
  '|',
  '^',
  '$',
  '(',
  ')',
  '(?:',
  '(?i)',
  '(?m)',
  '(?s)',
  '(?U)',
  '(?P<n>',
  '(?<n>',
  '(?=',
  '(?!',
  '(?i:',
  '[',
  ']',
  '[^',
  '[a-c]',
  '[[:alpha:]]',
  '[[:^digit:]]',
  '{',
  '}',
  '{2}',
  '{1,3}',
  '{,2}',
  '{2,}',
  '\\',
  '\\d',
  '\\D',
  '\\w',
  '\\s',
  '\\b',
  '\\B',
  '\\A',
  '\\z',
  '\\Z',
  '\\C',
  '\\pL',
  '\\p{Greek}',
  '\\PN',
  '\\x41',
  '\\x{e9}',
  '\\Q',
  '\\E',
  '\\.',
  '\\*',
  '\\-',
  '\\1',
  '\\e',
  '\\n',
  '\\t',
  '\\v',
  '\\f',
  '\\a',
  '\\0',
  '\\8',
  '*?',
  '+?',
  '??',
];
const INPUT_CHARS = ['a', 'b', 'c', 'x', '0', '9', '-', ',', ':', '/', ' ', 'é', '\n', '.', 'A', 'Σ'];

const token = fc.constantFrom(...TOKENS);
const patternArb = fc.array(token, { minLength: 1, maxLength: 10 }).map((t) => t.join(''));
const inputArb = fc.array(fc.constantFrom(...INPUT_CHARS), { maxLength: 8 }).map((cs) => cs.join(''));
const caseArb = fc.record({
  pattern: patternArb,
  inputs: fc.array(inputArb, { minLength: 8, maxLength: 8 }),
});

/** Patterns people write in VirtualServices, and the cases the hand-written translator got wrong. */
const KNOWN = [
  '/api/(?:v1|v2)/.*',
  '.*Chrome.*',
  '^/api/v[0-9]+/.*$',
  '(?i).*chrome.*',
  '.*flagger-cookie.*AbCdEfGhIj.*',
  '\\C',
  '$*',
  '(?m)^a$',
  '(a+)+b',
  'a{1001}',
  'a{,',
  '[[:word:]]+',
  '\\Qa.b\\E',
];

describe('RE2 against Go regexp (the validator Istio uses)', () => {
  it('accepts, rejects and matches as Go does on 6,000 generated patterns and known cases', async () => {
    const generated = fc.sample(caseArb, { seed: 20261201, numRuns: 6000 });
    const known = KNOWN.map((pattern) => ({
      pattern,
      inputs: ['', 'a', 'aaab', 'a\nb', '/api/v1/x', '/api/v3/x', 'Mozilla Chrome/1', 'a.b', 'axb', 'a{,'],
    }));
    const queries = [...known, ...generated];
    const answers = await askGo(queries);
    expect(answers).toHaveLength(queries.length);
    const disagreements: string[] = [];
    queries.forEach((q, i) => {
      const go = answers[i];
      if (go === undefined) return;
      const ours = re2Error(q.pattern);
      if ((ours === undefined) !== go.valid) {
        disagreements.push(
          `${JSON.stringify(q.pattern)}: Go ${go.valid ? 'accepts' : `rejects (${go.error ?? ''})`}, Serin ${
            ours === undefined ? 'accepts' : `rejects (${ours})`
          }`,
        );
        return;
      }
      if (!go.valid) return;
      const re = compileRe2(q.pattern);
      q.inputs.forEach((input, j) => {
        if (re.test(input) !== go.matches[j]) {
          disagreements.push(
            `${JSON.stringify(q.pattern)} on ${JSON.stringify(input)}: Go ${String(go.matches[j])}`,
          );
        }
      });
    });
    expect(disagreements.slice(0, 20)).toEqual([]);
    // The corpus must exercise both sides of the grammar, or the comparison proves little.
    const valid = answers.filter((a) => a.valid).length;
    expect(valid).toBeGreaterThan(queries.length / 10);
    expect(queries.length - valid).toBeGreaterThan(queries.length / 10);
  }, 180_000);
});
