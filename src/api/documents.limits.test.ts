import { describe, expect, it } from 'vitest';
import { aliasBomb } from '../../test/support/hostile-yaml.js';
import { parseSource, SOURCE_LIMITS } from './documents.js';

describe('parser limits', () => {
  it('reports a YAML alias bomb as a syntax error with its line, instead of throwing', () => {
    const text = `apiVersion: serin.dev/v1beta1\nkind: Canary\n---\n${aliasBomb()}`;
    const result = parseSource(text);
    expect(result.documents.map((d) => d.kind)).toEqual(['Canary']);
    expect(result.syntaxErrors).toEqual([
      {
        index: 2,
        line: 5,
        message: expect.stringContaining(
          `aliases expand to more than ${SOURCE_LIMITS.maxAliasCount} nodes`,
        ) as string,
      },
    ]);
  });

  it('reports an alias without its anchor with the alias line', () => {
    const result = parseSource('apiVersion: v1\nkind: Service\nspec: *missing\n');
    expect(result.syntaxErrors).toEqual([
      { index: 1, line: 3, message: expect.stringMatching(/^invalid YAML: Unresolved alias/) as string },
    ]);
  });

  it('reports nesting deeper than the limit, in YAML and in JSON', () => {
    const depth = SOURCE_LIMITS.maxDepth + 1;
    const yaml = parseSource(`a: ${'['.repeat(depth)}${']'.repeat(depth)}\n`);
    expect(yaml.syntaxErrors[0]?.message).toMatch(/nested deeper than 64 levels/);
    const json = parseSource(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    expect(json.syntaxErrors[0]?.message).toMatch(/nested deeper than 64 levels/);
    const fine = parseSource(`a: ${'['.repeat(depth - 2)}${']'.repeat(depth - 2)}\n`);
    expect(fine.syntaxErrors).toEqual([]);
  });

  it('refuses a source larger than the size limit before parsing it', () => {
    const text = `a: "${'x'.repeat(SOURCE_LIMITS.maxBytes)}"\n`;
    expect(parseSource(text).syntaxErrors).toEqual([
      { index: 1, line: 1, message: expect.stringMatching(/more than the limit of 4194304/) as string },
    ]);
  });

  it('names apiVersion and the accepted values for a known kind in a misspelt group', () => {
    const [doc] = parseSource(
      'apiVersion: flager.app/v1beta1\nkind: Canary\nmetadata: {name: a}\n',
    ).documents;
    expect(doc?.family).toBe('flagger');
    expect(doc?.diagnostics).toEqual([
      {
        path: 'apiVersion',
        message:
          'expected serin.dev/v1beta1 or flagger.app/v1beta1 for kind Canary, got "flager.app/v1beta1"',
        severity: 'error',
      },
    ]);
    const [workload] = parseSource('apiVersion: serin.io/v1\nkind: Workload\n').documents;
    expect(workload?.diagnostics[0]?.message).toBe(
      'expected serin.dev/v1beta1 for kind Workload, got "serin.io/v1"',
    );
    const [other] = parseSource('apiVersion: apps/v1\nkind: Deployment\n').documents;
    expect(other?.diagnostics).toEqual([]);
  });
});
