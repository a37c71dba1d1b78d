import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runSerin } from '../../../test/support/cli.js';
import { runCommand } from '../../../test/support/in-process-cli.js';
import { generateCommand } from '../definitions/generate.js';
import { lintCommand } from '../definitions/lint.js';
import { routeCommand } from '../definitions/route.js';

const root = join(import.meta.dirname, '..', '..', '..');
const example = (name: string) => join(root, 'examples', 'routing', name);
/** The commands run in-process: the same parser, actions and exit codes, without a start-up per case. */
const serin = (args: readonly string[]) => runCommand([generateCommand, lintCommand, routeCommand], args);

describe('serin generate', () => {
  it('prints every object for a Canary at a weight, as multi-document YAML', async () => {
    const r = await serin(['generate', '-f', example('podinfo.yaml'), '--weight', '20']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map(
      (d) => d.toJS() as { kind: string; metadata: { name: string } },
    );
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'Service/podinfo',
      'Service/podinfo-primary',
      'Service/podinfo-canary',
      'Deployment/podinfo-primary',
      'DestinationRule/podinfo-primary',
      'DestinationRule/podinfo-canary',
      'VirtualService/podinfo',
    ]);
    expect(r.stdout).toContain('weight: 80');
    expect(r.stdout).toContain('weight: 20');
  });

  it('renders the merge into a user VirtualService, and Gateway API with -o json', async () => {
    const merged = await serin([
      'generate',
      '-f',
      example('merge-into.yaml'),
      '--weight',
      '30',
      '-o',
      'json',
    ]);
    expect(merged.code).toBe(0);
    const list = JSON.parse(merged.stdout) as {
      items: { kind: string; spec: { http?: { name?: string }[] } }[];
    };
    const vs = list.items.find((i) => i.kind === 'VirtualService');
    expect(vs?.spec.http?.map((h) => h.name)).toEqual(['chaos', 'main']);
    const gw = await serin([
      'generate',
      '-f',
      example('ab-testing.yaml'),
      '--provider',
      'gateway-api',
      '--phase',
      'progressing',
    ]);
    expect(gw.code).toBe(0);
    expect(gw.stdout).toContain('kind: HTTPRoute');
  });

  it('split: the DestinationRule and VirtualService of the manual flow', async () => {
    const r = await serin([
      'generate',
      'split',
      '--service',
      'my-app',
      '--subset',
      'v1=90',
      '--subset',
      'v2=10',
      '--match',
      'header:user-agent~.*Chrome.*=v2',
    ]);
    expect(r.code).toBe(0);
    const [dr, vs] = parseAllDocuments(r.stdout).map(
      (d) => d.toJS() as { kind: string; spec: Record<string, unknown> },
    );
    expect(dr?.spec).toEqual({
      host: 'my-app',
      subsets: [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v2', labels: { version: 'v2' } },
      ],
    });
    expect(vs?.spec.http).toEqual([
      {
        match: [{ headers: { 'user-agent': { regex: '.*Chrome.*' } } }],
        route: [{ destination: { host: 'my-app', subset: 'v2' } }],
      },
      {
        route: [
          { destination: { host: 'my-app', subset: 'v1' }, weight: 90 },
          { destination: { host: 'my-app', subset: 'v2' }, weight: 10 },
        ],
      },
    ]);
  });

  it('usage errors exit 2 with the flag named', async () => {
    const r = await serin(['generate', 'split', '--service', 'a', '--subset', 'v1=90', '--subset', 'v2=20']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('weights must sum to 100, got 110');
    const bad = await serin(['generate', '-f', example('podinfo.yaml'), '--weight', '120']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--weight');
  });
});

describe('serin lint', () => {
  it('exits 1 on errors and reports file:line:column of the field, code and hint', async () => {
    const r = await serin(['lint', join(root, 'examples', 'seeds', 'next-site')]);
    expect(r.code).toBe(1);
    // spec.targetRef.name, the key at column 5 of line 11.
    expect(r.stdout).toContain(
      'next-site/12.yaml:11:5: error SRN1602 Canary/next-canary: Deployment default/next-deployment is not in the set',
    );
    expect(r.stdout).toContain('hint: include the Deployment named in spec.targetRef');
  });

  it('exits 0 with only warnings, -o json', async () => {
    const r = await serin(['lint', join(root, 'examples', 'seeds', 'my-app-split'), '-o', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { findings: { code: string; line: number; column: number }[] };
    // spec.gateways[0], the list item at column 7 of line 10.
    expect(out.findings.map((f) => `${f.code}:${f.line}:${f.column}`)).toEqual(['SRN1150:10:7']);
  });

  it('reports a YAML syntax error at its line and column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serin-lint-'));
    try {
      const file = join(dir, 'broken.yaml');
      writeFileSync(file, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: [web\n');
      const r = await serin(['lint', file]);
      expect(r.code).toBe(1);
      // Where yaml's own prettyErrors puts it: the unclosed flow sequence ends at line 5, column 1.
      expect(r.stdout).toContain(`${file}:5:1: error SRN1001: invalid YAML: Flow sequence`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('what generate prints lints clean together with its inputs', async () => {
    const gen = await serin(['generate', '-f', example('podinfo.yaml'), '--weight', '10']);
    // Spawned: reading the manifests from stdin (`-`) is the process boundary under test here.
    const r = await runSerin(['lint', '-', example('podinfo.yaml'), '-o', 'json'], { stdin: gen.stdout });
    const out = JSON.parse(r.stdout) as { findings: { code: string; severity: string }[] };
    // The example names its gateway in the legacy name.namespace form, which Istio warns about
    // (SRN1004); the ingress Gateway, which lives with the mesh installation, is outside the set.
    expect(out.findings.map((f) => `${f.code}:${f.severity}`)).toEqual([
      'SRN1004:warning',
      'SRN1150:warning',
    ]);
    expect(r.code).toBe(0);
  });
});

describe('serin route explain', () => {
  it('explains a split seed and the Chrome rule', async () => {
    const dir = join(root, 'examples', 'seeds', 'next-site');
    const chrome = await serin([
      'route',
      'explain',
      '-f',
      join(dir, '09.yaml'),
      '-f',
      join(dir, '04.yaml'),
      '--host',
      'shop.example.com',
      '--gateway',
      'next-gateway',
      '--header',
      'user-agent=Mozilla/5.0 Chrome/126',
    ]);
    expect(chrome.code).toBe(0);
    expect(chrome.stdout).toContain('RESULT      rule 0 of next-virtual-service: next-service/v2:80 100%');
    const other = await serin([
      'route',
      'explain',
      '-f',
      join(dir, '05.yaml'),
      '-f',
      join(dir, '04.yaml'),
      '--host',
      'shop.example.com',
      '--gateway',
      'next-gateway',
      '-o',
      'json',
    ]);
    const e = JSON.parse(other.stdout) as {
      destinations: { subset: string; percent: number; subsetLabels: Record<string, string> }[];
    };
    expect(e.destinations.map((d) => [d.subset, d.percent, d.subsetLabels])).toEqual([
      ['v1', 90, { version: 'v1' }],
      ['v2', 10, { version: 'v2' }],
    ]);
  });

  it('bad flags are usage errors', async () => {
    const r = await serin([
      'route',
      'explain',
      '-f',
      join(root, 'examples', 'seeds', 'next-site'),
      '--host',
      'x',
      '--header',
      'novalue',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--header: expected NAME=VALUE');
  });
});
