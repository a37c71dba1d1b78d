import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCommand } from '../../../test/support/in-process-cli.js';
import { generateCommand } from '../definitions/generate.js';
import { routeCommand } from '../definitions/route.js';

describe('serin generate split', () => {
  it('-o json prints JSON (the subcommand owns -o, not its parent)', async () => {
    const r = await runCommand(
      [generateCommand],
      ['generate', 'split', '--service', 'my-app', '--subset', 'v1=100', '-o', 'json'],
    );
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { kind: string; items: { kind: string }[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => i.kind)).toEqual(['DestinationRule', 'VirtualService']);
  });
});

describe('serin route explain', () => {
  it('keeps --method as given and reads --source-namespace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serin-explain-'));
    onTestFinished(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const file = join(dir, 'vs.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: networking.istio.io/v1',
        'kind: VirtualService',
        'metadata: {name: reviews, namespace: bookinfo}',
        'spec:',
        '  hosts: [reviews]',
        '  http:',
        '  - match: [{method: {exact: POST}, sourceNamespace: web}]',
        '    route: [{destination: {host: reviews, subset: v2}}]',
        '  - route: [{destination: {host: reviews, subset: v1}}]',
      ].join('\n'),
    );
    const explain = async (...extra: string[]) => {
      const r = await runCommand(
        [routeCommand],
        ['route', 'explain', '-f', file, '--host', 'reviews', '-n', 'bookinfo', '-o', 'json', ...extra],
      );
      return JSON.parse(r.stdout) as { rule?: { index: number }; request: { method: string } };
    };
    expect((await explain('--method', 'POST', '--source-namespace', 'web')).rule?.index).toBe(0);
    const lower = await explain('--method', 'post', '--source-namespace', 'web');
    expect(lower.request.method).toBe('post');
    expect(lower.rule?.index).toBe(1);
    expect((await explain('--method', 'POST')).rule?.index).toBe(1);
  });
});

describe('serin generate for the ingress and no-mesh providers', () => {
  const ingress = [
    'apiVersion: networking.k8s.io/v1',
    'kind: Ingress',
    'metadata: {name: podinfo, namespace: test}',
    'spec:',
    '  rules:',
    '  - host: app.example.com',
    '    http:',
    '      paths:',
    '      - {path: /, pathType: Prefix, backend: {service: {name: podinfo, port: {number: 80}}}}',
  ].join('\n');
  const canary = (provider: string, analysis: string) =>
    [
      'apiVersion: flagger.app/v1beta1',
      'kind: Canary',
      'metadata: {name: podinfo, namespace: test}',
      'spec:',
      `  provider: ${provider}`,
      '  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}',
      '  ingressRef: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: podinfo}',
      '  service: {port: 80, targetPort: 9898}',
      `  analysis: ${analysis}`,
    ].join('\n');

  async function generate(yaml: string, ...args: string[]) {
    const dir = mkdtempSync(join(tmpdir(), 'serin-generate-'));
    onTestFinished(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    writeFileSync(join(dir, 'all.yaml'), yaml);
    return runCommand([generateCommand], ['generate', '-f', join(dir, 'all.yaml'), ...args, '-o', 'json']);
  }
  type Listed = {
    items: { kind: string; metadata: { name: string; annotations?: Record<string, string> } }[];
  };

  it('nginx: the canary Ingress read from the given Ingress, at the weight asked', async () => {
    const r = await generate(
      `${ingress}\n---\n${canary('nginx', '{interval: 1m, threshold: 5, stepWeight: 10}')}`,
      '--weight',
      '20',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const items = (JSON.parse(r.stdout) as Listed).items;
    const canaryIngress = items.find((i) => i.kind === 'Ingress');
    expect(canaryIngress?.metadata.name).toBe('podinfo-canary');
    expect(canaryIngress?.metadata.annotations?.['nginx.ingress.kubernetes.io/canary-weight']).toBe('20');
  });

  it('skipper: backend weights; without the Ingress, an error naming ingressRef', async () => {
    const r = await generate(
      `${ingress}\n---\n${canary('skipper', '{interval: 1m, threshold: 5, stepWeight: 10}')}`,
      '--weight',
      '10',
    );
    expect(r.code).toBe(0);
    const items = (JSON.parse(r.stdout) as Listed).items;
    expect(
      items.find((i) => i.kind === 'Ingress')?.metadata.annotations?.['zalando.org/backend-weights'],
    ).toBe('{"podinfo-canary":10,"podinfo-primary":90}');
    const missing = await generate(canary('skipper', '{interval: 1m, threshold: 5, stepWeight: 10}'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('spec.ingressRef: Ingress podinfo not found');
  });

  it('kubernetes: Services only', async () => {
    const r = await generate(
      canary('kubernetes', '{interval: 1m, threshold: 5, iterations: 5}').replace(/ {2}ingressRef.*\n/, ''),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Listed).items.map((i) => `${i.kind}/${i.metadata.name}`)).toEqual([
      'Service/podinfo',
      'Service/podinfo-primary',
      'Service/podinfo-canary',
    ]);
  });
});

describe('serin generate --provider', () => {
  it('is the default for a Canary without spec.provider; spec.provider wins, as in the controller', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serin-generate-provider-'));
    onTestFinished(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const canary = (provider: string | undefined): string => {
      const file = join(dir, `${provider ?? 'unset'}.yaml`);
      writeFileSync(
        file,
        [
          'apiVersion: flagger.app/v1beta1',
          'kind: Canary',
          'metadata: {name: web, namespace: test}',
          'spec:',
          ...(provider === undefined ? [] : [`  provider: ${provider}`]),
          '  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}',
          '  service: {port: 80}',
          '  analysis: {interval: 1m, threshold: 5, maxWeight: 50, stepWeight: 10}',
        ].join('\n'),
      );
      return file;
    };
    const kindsOf = async (file: string): Promise<string[]> => {
      const r = await runCommand(
        [generateCommand],
        ['generate', '-f', file, '--provider', 'linkerd', '--weight', '10', '-o', 'json'],
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout) as { items: { kind: string }[] }).items.map((i) => i.kind);
    };
    const unset = await kindsOf(canary(undefined));
    expect(unset).not.toContain('VirtualService');
    const istio = await kindsOf(canary('istio'));
    expect(istio).toContain('VirtualService');
    expect(istio).not.toEqual(unset);
  });
});
