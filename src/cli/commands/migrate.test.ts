import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../test/support/in-process-cli.js';
import type { Assessment } from '../../api/migration.js';
import { migrateCommand } from '../definitions/migrate.js';
import { validateCommand } from '../definitions/validate.js';

const corpus = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'flagger');

/** Each corpus Canary says what Flagger's docs and CRD make of it, in an annotation. */
function expectations(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of readdirSync(corpus)) {
    for (const doc of parseAllDocuments(readFileSync(join(corpus, file), 'utf8'))) {
      const value = doc.toJS() as {
        kind?: string;
        metadata: { name: string; annotations?: Record<string, string> };
      };
      const expect = value.metadata.annotations?.['corpus.serin.dev/expect'];
      if (value.kind === 'Canary' && expect) out.set(value.metadata.name, expect);
    }
  }
  return out;
}

const VERDICTS: Record<string, string[]> = {
  runs: ['Runs', 'RunsWithDifferences'],
  'not-supported': ['NotSupported'],
  invalid: ['Invalid'],
};

describe('serin migrate check', () => {
  it('judges every Canary of the Flagger corpus as its annotation says, and exits 1', async () => {
    const r = await runCommand([migrateCommand], ['migrate', 'check', '-f', corpus, '-o', 'json']);
    expect(r.code).toBe(1);
    const { canaries } = JSON.parse(r.stdout) as { canaries: Assessment[] };
    const expected = expectations();
    expect(canaries.map((c) => c.name).sort()).toEqual([...expected.keys()].sort());
    for (const c of canaries) {
      expect(VERDICTS[expected.get(c.name) ?? ''], `${c.name}: ${JSON.stringify(c.problems)}`).toContain(
        c.verdict,
      );
      if (c.verdict === 'NotSupported' || c.verdict === 'Invalid')
        expect(c.problems.length).toBeGreaterThan(0);
    }
    // Every provider in Flagger's enum but Serin's is refused, naming the field and the provider.
    for (const c of canaries.filter(
      (x) => x.problems[0]?.path === 'spec.provider' && x.verdict === 'NotSupported',
    ))
      expect(c.problems[0]?.message, c.name).toMatch(/^provider \S+ is not supported by Serin/);
    // At the field, as validate reports it: `provider:` is at line 10, column 3 of appmesh-v1beta1.yaml.
    const appmesh = canaries.find((c) => c.name === 'appmesh-v1beta1');
    expect(appmesh).toMatchObject({ file: join(corpus, 'appmesh-v1beta1.yaml') });
    expect(appmesh?.problems[0]).toMatchObject({ path: 'spec.provider', line: 10, column: 3 });
  });

  it('prints a kubectl-style table with the reasons, and exits 0 when everything runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serin-migrate-'));
    try {
      for (const name of ['istio-progressive', 'istio-ab-testing', 'gatewayapi-v1'])
        writeFileSync(join(dir, `${name}.yaml`), readFileSync(join(corpus, `${name}.yaml`)));
      const ok = await runCommand([migrateCommand], ['migrate', 'check', '-f', dir]);
      expect(ok.code).toBe(0);
      expect(ok.stdout.split('\n')[0]).toMatch(
        /^NAMESPACE\s+NAME\s+GROUP\s+PROVIDER\s+VERDICT\s+PROBLEMS\s+DIFFERENCES$/,
      );
      expect(ok.stdout).toMatch(/shop\s+istio-ab-testing\s+flagger\.app\s+<default>\s+RunsWithDifferences/);
      // Each detail at file:line:column of its field: `suffix:` on line 27 of istio-ab-testing.yaml.
      expect(ok.stdout).toContain(
        `${join(dir, 'istio-ab-testing.yaml')}:27:25: shop/istio-ab-testing: differs: spec.analysis.match[2].headers.user-agent.suffix`,
      );
      writeFileSync(join(dir, 'provider-typo.yaml'), readFileSync(join(corpus, 'provider-typo.yaml')));
      const blocked = await runCommand([migrateCommand], ['migrate', 'check', '-f', dir]);
      expect(blocked.code).toBe(1);
      expect(blocked.stdout).toContain(
        `${join(dir, 'provider-typo.yaml')}:10:3: shop/provider-typo: will not run: spec.provider: expected one of apisix`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says what deletion does to a Knative Service's traffic, not to replicas it does not have", async () => {
    const r = await runCommand([migrateCommand], ['migrate', 'check', '-f', join(corpus, 'knative.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "spec.revertOnDeletion: not set: on deletion Serin gives the Knative Service's traffic back",
    );
    expect(r.stdout).not.toContain('replicas back');
  });

  it('exits 2 for usage errors', async () => {
    expect((await runCommand([migrateCommand], ['migrate', 'check', '-f', corpus, '-o', 'xml'])).code).toBe(
      2,
    );
    expect((await runCommand([migrateCommand], ['migrate', 'check', '-f', '/nonexistent'])).code).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), 'serin-migrate-'));
    try {
      const broken = join(dir, 'broken.yaml');
      writeFileSync(broken, 'kind: Canary\nspec: [1, 2\n');
      const r = await runCommand([migrateCommand], ['migrate', 'check', '-f', broken]);
      expect(r.code).toBe(2);
      // yaml's own position for the unclosed sequence (its prettyErrors say the same).
      expect(r.stderr).toContain(`${broken}:3:1: invalid YAML`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('serin validate on Flagger documents', () => {
  it.each([
    ['provider-typo', 'spec.provider: expected one of apisix'],
    ['statefulset', 'spec.targetRef.kind: expected one of Deployment, DaemonSet, Service'],
    [
      'iterations-and-step-weight',
      'spec.analysis.stepWeight: expected only one of iterations, stepWeight or stepWeights',
    ],
    ['missing-analysis', 'spec.analysis: required'],
    [
      'bad-tls-mode',
      'spec.service.trafficPolicy.tls.mode: expected one of DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL, got "STRICT"',
    ],
    ['appmesh-v1beta1', 'spec.provider: provider appmesh is not supported by Serin: '],
    ['no-provider-gateway-refs', 'spec.provider: not set, but spec.service.gatewayRefs is'],
  ])('%s exits 1 naming the field', async (name, message) => {
    const r = await runCommand([validateCommand], ['validate', '-f', join(corpus, `${name}.yaml`)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(message);
  });

  it('accepts what Flagger accepts: header suffix, no provider, Gateway API', async () => {
    for (const name of [
      'istio-ab-testing',
      'no-provider',
      'gatewayapi-v1',
      'istio-session-affinity',
      'datadog',
      'daemonset',
      'keda-scaled-object',
      'knative',
    ]) {
      const r = await runCommand([validateCommand], ['validate', '-f', join(corpus, `${name}.yaml`)]);
      expect(r.code, `${name}: ${r.stdout}`).toBe(0);
    }
  });
});
