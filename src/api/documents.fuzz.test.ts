/**
 * 10,000 hostile sources through the parser with a fixed seed: mutations of real manifests (the
 * seeds and the examples), alias bombs, unresolved aliases and deep nesting. None may throw; each
 * must come back as documents and syntax errors.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aliasBomb } from '../../test/support/hostile-yaml.js';
import { parseSource } from './documents.js';

const root = join(import.meta.dirname, '..', '..');

function manifests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ya?ml|json)$/.test(e.name))
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'));
}

// The smaller real manifests: the parser's cost per case is its input's size, and 10,000 cases run in every `npm test`.
const REAL = [
  ...manifests(join(root, 'test', 'fixtures', 'seeds')),
  ...manifests(join(root, 'examples')),
].filter((text) => text.length <= 700);
const YAML_SPECIALS = [
  '&a ',
  '*a',
  '*b',
  '&b ',
  '[',
  ']',
  '{',
  '}',
  ': ',
  '- ',
  '|',
  '>',
  '!!str ',
  '!',
  '%',
  '@',
  '`',
  "'",
  '"',
  '\n',
  '  ',
  '\t',
  '#',
  ',',
  '---\n',
  '...\n',
  '<<: *a\n',
  '\\',
  '\u0000',
  '\uFEFF',
  '?',
];

/** One edit at a position expressed as a fraction of the text, so it applies to any text. */
const edit = fc.oneof(
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    text: fc.constantFrom(...YAML_SPECIALS),
  }),
  fc.record({
    op: fc.constant('delete' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({
    op: fc.constant('duplicate' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.integer({ min: 1, max: 200 }),
  }),
  fc.record({
    op: fc.constant('bomb' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    levels: fc.integer({ min: 2, max: 6 }),
  }),
  fc.record({
    op: fc.constant('nest' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    depth: fc.integer({ min: 1, max: 80 }),
    open: fc.constantFrom('[', '{"a":', '- ', 'a:\n  '),
  }),
);

type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function applyEdit(text: string, e: Edit): string {
  const at = Math.floor(e.at * text.length);
  switch (e.op) {
    case 'insert':
      return text.slice(0, at) + e.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + e.length);
    case 'duplicate':
      return text.slice(0, at + e.length) + text.slice(at, at + e.length) + text.slice(at + e.length);
    case 'bomb':
      return `${text.slice(0, at)}\n${aliasBomb(e.levels)}${text.slice(at)}`;
    case 'nest':
      return text.slice(0, at) + e.open.repeat(e.depth) + text.slice(at);
  }
}

const source = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.constantFrom(...REAL), fc.array(edit, { minLength: 1, maxLength: 6 }))
      .map(([text, edits]) => edits.reduce(applyEdit, text)),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 8 }).map((levels) => aliasBomb(levels)) },
);

describe('parser fuzz', () => {
  it('turns 10,000 hostile sources into documents and syntax errors, never an exception', () => {
    let syntaxErrors = 0;
    let documents = 0;
    fc.assert(
      fc.property(source, (text) => {
        const result = parseSource(text);
        syntaxErrors += result.syntaxErrors.length;
        documents += result.documents.length;
      }),
      { seed: 20261201, numRuns: 10_000 },
    );
    process.stdout.write(
      `parser fuzz: 10000 sources, ${documents} documents, ${syntaxErrors} syntax errors, 0 exceptions\n`,
    );
    expect(syntaxErrors).toBeGreaterThan(0);
  }, 900_000);
});
