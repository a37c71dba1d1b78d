import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCrdFiles } from './crd-files.js';
import { customResourceDefinitions, openApiSchema, structuralProblems } from './crd.js';
import { z } from 'zod';

describe('generated CRDs', () => {
  it('match the files checked in under deploy/crds (run `npx tsx scripts/generate-crds.ts`)', () => {
    for (const [file, text] of Object.entries(renderCrdFiles())) {
      const onDisk = readFileSync(join(import.meta.dirname, '..', '..', 'deploy', 'crds', file), 'utf8');
      expect(onDisk, `deploy/crds/${file} is stale`).toBe(text);
    }
  });

  it('are structural schemas the API server accepts', () => {
    for (const crd of customResourceDefinitions()) {
      const versions = (crd.spec as { versions: { schema: { openAPIV3Schema: unknown } }[] }).versions;
      expect(structuralProblems(versions[0]!.schema.openAPIV3Schema)).toEqual([]);
    }
  });

  it('the structural checker catches what the API server rejects', () => {
    const bad = openApiSchema(z.object({ a: z.record(z.string(), z.string()) }));
    expect(structuralProblems({ ...bad, additionalProperties: { type: 'string' } })).toContain(
      '/: additionalProperties together with properties',
    );
    expect(structuralProblems({ type: 'object', properties: { x: { const: 1 } } })).toEqual([
      '/properties/x: forbidden field const',
      '/properties/x: missing type',
    ]);
  });

  it('carries defaults-free int-or-string and preserve-unknown nodes', () => {
    const text = renderCrdFiles()['canaries.serin.dev.yaml']!;
    expect(text).toContain('x-kubernetes-int-or-string: true');
    expect(text).toContain('x-kubernetes-preserve-unknown-fields: true');
    expect(text).not.toContain('additionalProperties: false');
  });

  it('keep fields named like schema keywords, and declare every field they require', () => {
    expect(openApiSchema(z.object({ id: z.string() }))).toMatchObject({
      properties: { id: { type: 'string' } },
      required: ['id'],
    });
    const undeclared: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const schema = node as { required?: string[]; properties?: Record<string, unknown> };
      for (const name of schema.required ?? []) {
        if (!schema.properties || !(name in schema.properties)) undeclared.push(`${path}: ${name}`);
      }
      for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`);
    };
    for (const crd of customResourceDefinitions()) walk(crd, (crd.metadata as { name: string }).name);
    expect(undeclared).toEqual([]);
  });
});
