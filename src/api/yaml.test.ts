import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCommand } from '../../test/support/in-process-cli.js';
import { generateCommand } from '../cli/definitions/generate.js';
import { toYaml } from './yaml.js';

const ANCHOR = /(^|\s)[&*]a\d+\b/m;
const root = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('YAML output', () => {
  const shared = { exact: 'insider' };
  const value = { a: { match: shared }, b: { match: shared } };

  it('writes shared substructure out in full, where the yaml library alone would alias it', () => {
    expect(stringify(value)).toMatch(ANCHOR); // the oracle: what older kustomize rejects
    expect(toYaml(value)).not.toMatch(ANCHOR);
    expect(toYaml(value)).toContain('b:\n  match:\n    exact: insider');
  });

  it('is the only YAML writer in src (every command prints through it)', () => {
    const writers = sources(join(root, 'src'))
      .filter((f) => /import\s*\{[^}]*\bstringify\b[^}]*\}\s*from\s*'yaml'/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
    expect(writers).toEqual(['src/api/yaml.ts']);
  });

  it('generate prints an A/B Canary, whose routes share their matches, without anchors', async () => {
    const file = join(root, 'test', 'fixtures', 'flagger', 'istio-ab-testing.yaml');
    const r = await runCommand([generateCommand], ['generate', '-f', file, '--phase', 'progressing']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('kind: VirtualService');
    expect(r.stdout).not.toMatch(ANCHOR);
  });
});
