import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Canary } from './canary.js';
import { hasErrors, parseSource } from './documents.js';

const seedsDir = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'seeds');

const minimal = (spec: string, apiVersion = 'serin.dev/v1beta1') => `apiVersion: ${apiVersion}
kind: Canary
metadata:
  name: podinfo
  namespace: test
spec:
${spec}`;

describe('Canary documents', () => {
  it.each(readdirSync(seedsDir))('accepts the Flagger Canary in seed %s as it is', (file) => {
    const { documents, syntaxErrors } = parseSource(readFileSync(join(seedsDir, file), 'utf8'));
    expect(syntaxErrors).toEqual([]);
    expect(documents).toHaveLength(1);
    const doc = documents[0]!;
    expect(doc.family).toBe('flagger');
    expect(doc.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect((doc.value as Canary).spec.analysis?.metrics?.length).toBe(2);
  });

  it('reports a fields Flagger would prune as a warning that names the path', () => {
    const [doc] = parseSource(readFileSync(join(seedsDir, 'canary-003-0.yaml'), 'utf8')).documents;
    expect(doc?.diagnostics).toContainEqual({
      path: 'spec.service.primary.host',
      message: 'unknown field, ignored (check its spelling and indentation)',
      severity: 'warning',
    });
  });

  it('reports every error of a document at once, each with its path and what was expected', () => {
    const text = minimal(`  targetRef: {name: podinfo}
  service: {port: 70000}
  analysis:
    interval: 5 minutes
    stepWeight: 150
    threshold: -1
    metrics:
      - name: request-success-rate
        thresholdRange: {min: "high"}
    webhooks:
      - {name: gate, type: confirm-everything, url: http://gate/}`);
    const [doc] = parseSource(text).documents;
    const messages = doc!.diagnostics.map((d) => `${d.path}: ${d.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'spec.service.port: expected a port number between 1 and 65535, got 70000',
        'spec.analysis.stepWeight: expected a number between 1 and 100, got 150',
        'spec.analysis.interval: expected a duration such as 30s, 1m or 1h30m, got "5 minutes"',
        'spec.analysis.threshold: expected a whole number of failed checks, 1 or more, got -1',
        'spec.analysis.metrics[0].thresholdRange.min: expected a number, got "high"',
      ]),
    );
    expect(messages.some((m) => m.startsWith('spec.analysis.webhooks[0].type: '))).toBe(true);
    expect(hasErrors(doc!)).toBe(true);
    expect(doc!.value).toBeUndefined();
  });

  it("applies Flagger's defaults from the schema, so every module reads the same values", () => {
    const [doc] = parseSource(
      minimal(`  targetRef: {name: podinfo}
  service: {port: 80}
  analysis:
    stepWeight: 10
    metrics: [{name: request-success-rate, thresholdRange: {min: 99}}]
    webhooks: [{name: load, url: "http://tester/"}]`),
    ).documents;
    const canary = doc!.value as Canary;
    expect(canary.spec.progressDeadlineSeconds).toBe(600);
    expect(canary.spec.analysis).toMatchObject({ primaryReadyThreshold: 100, canaryReadyThreshold: 100 });
    expect(canary.spec.analysis?.metrics?.[0]?.interval).toBe('1m');
    expect(canary.spec.analysis?.webhooks?.[0]).toMatchObject({ timeout: '10s', retries: 0 });
    expect(canary.spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' });
  });

  it('names a missing required field', () => {
    const [doc] = parseSource(minimal('  service: {port: 80}')).documents;
    expect(doc!.diagnostics).toContainEqual({
      path: 'spec.targetRef',
      message: 'required: expected an object',
      severity: 'error',
    });
  });

  it('checks relations between fields', () => {
    const [doc] = parseSource(
      minimal(`  targetRef: {name: podinfo}
  service: {port: 80, delegation: true, gateways: [public]}
  analysis: {stepWeights: [10, 5], maxWeight: 10, stepWeight: 20,
             sessionAffinity: {cookieName: a, primaryCookieName: a}}`),
    ).documents;
    const paths = doc!.diagnostics.map((d) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'spec.analysis.stepWeights[1]',
        'spec.analysis.stepWeight',
        'spec.service.delegation',
        'spec.analysis.sessionAffinity.primaryCookieName',
      ]),
    );
  });

  it('reads JSON, lists and multi-document YAML, and leaves other kinds alone', () => {
    const json = JSON.stringify({
      kind: 'List',
      items: [
        {
          apiVersion: 'serin.dev/v1beta1',
          kind: 'Canary',
          metadata: { name: 'a' },
          spec: { targetRef: { name: 'a' }, service: { port: 80 }, analysis: { stepWeight: 10 } },
        },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' } },
      ],
    });
    const fromJson = parseSource(json).documents;
    expect(fromJson.map((d) => d.family)).toEqual(['serin', 'other']);
    expect(fromJson[0]!.diagnostics).toEqual([]);
    const yaml = `apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n${minimal('  targetRef: {name: a}\n  service: {port: 80}')}\n---\n`;
    const fromYaml = parseSource(yaml).documents;
    expect(fromYaml.map((d) => [d.index, d.line, d.kind])).toEqual([
      [1, 1, 'Service'],
      [2, 5, 'Canary'],
    ]);
  });

  it('rejects unknown kinds and versions in Serin groups, and broken syntax, with a clear message', () => {
    const badKind = parseSource('apiVersion: serin.dev/v1beta1\nkind: Rollout\nmetadata: {name: a}\n')
      .documents[0]!;
    expect(badKind.diagnostics[0]).toMatchObject({ path: 'kind', severity: 'error' });
    expect(badKind.diagnostics[0]!.message).toContain('expected one of Canary');
    const badVersion = parseSource('apiVersion: flagger.app/v1alpha3\nkind: Canary\nmetadata: {name: a}\n')
      .documents[0]!;
    expect(badVersion.diagnostics[0]!.message).toBe(
      'expected serin.dev/v1beta1 or flagger.app/v1beta1, got "flagger.app/v1alpha3"',
    );
    const syntax = parseSource('a: [1, 2\nb: {');
    expect(syntax.syntaxErrors[0]!.message).toMatch(/^invalid YAML: /);
    expect(parseSource('{"a":').syntaxErrors[0]!.message).toMatch(/^invalid JSON: /);
  });

  it('validates MetricTemplate and AlertProvider, rejecting unknown provider types', () => {
    const docs = parseSource(`apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata: {name: latency}
spec:
  provider: {type: prometheus, address: "http://prometheus:9090"}
  query: up
---
apiVersion: serin.dev/v1beta1
kind: MetricTemplate
metadata: {name: bad}
spec:
  provider: {type: nagios}
  query: up
---
apiVersion: flagger.app/v1beta1
kind: AlertProvider
metadata: {name: on-call}
spec: {type: slack, channel: alerts, secretRef: {name: slack-url}}
`).documents;
    expect(docs.map(hasErrors)).toEqual([false, true, false]);
    expect(docs[1]!.diagnostics[0]).toMatchObject({ path: 'spec.provider.type' });
    expect(docs[1]!.diagnostics[0]!.message).toContain('expected one of prometheus, datadog');
  });
});
