import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCommand } from '../../../test/support/in-process-cli.js';
import { generateCommand } from '../definitions/generate.js';

const corpus = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'flagger');

/** `serin generate` on the Flagger corpus Canaries of the SMI, Contour and Gloo providers. */
describe('serin generate for TrafficSplit, HTTPProxy and RouteTable providers', () => {
  it.each([
    ['linkerd', 'split.smi-spec.io/v1alpha1 TrafficSplit'],
    ['osm', 'split.smi-spec.io/v1alpha2 TrafficSplit'],
    ['smi-v1alpha3', 'split.smi-spec.io/v1alpha3 TrafficSplit'],
    ['contour', 'projectcontour.io/v1 HTTPProxy'],
  ])('%s prints the Services, the primary and %s', async (name, kinds) => {
    const r = await runCommand(
      [generateCommand],
      ['generate', '-f', join(corpus, `${name}.yaml`), '--phase', 'Progressing', '-o', 'json'],
    );
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { items: { apiVersion: string; kind: string }[] };
    const routing = list.items
      .filter((i) => !['Service', 'Deployment'].includes(i.kind))
      .map((i) => `${i.apiVersion} ${i.kind}`);
    expect(routing.join(',')).toBe(kinds);
  });

  it("gloo reads the upstreamRef's Upstream from the files given, and the Services' selectors", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serin-gloo-'));
    onTestFinished(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const upstream = join(dir, 'upstream.yaml');
    writeFileSync(
      upstream,
      'apiVersion: gloo.solo.io/v1\nkind: Upstream\nmetadata: {name: podinfo, namespace: gloo-system}\n' +
        'spec: {connectionConfig: {connectTimeout: 2s}}\n',
    );
    const args = ['generate', '-f', join(corpus, 'gloo.yaml'), '--phase', 'Progressing', '-o', 'json'];
    const missing = await runCommand([generateCommand], args);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('spec.upstreamRef: Upstream gloo-system/podinfo not found');
    const r = await runCommand([generateCommand], [...args, '-f', upstream]);
    expect(r.code, r.stderr).toBe(0);
    const items = (JSON.parse(r.stdout) as { items: { kind: string; spec: Record<string, unknown> }[] })
      .items;
    expect(items.filter((i) => i.kind !== 'Service' && i.kind !== 'Deployment').map((i) => i.kind)).toEqual([
      'Upstream',
      'Upstream',
      'RouteTable',
    ]);
    expect(items.find((i) => i.kind === 'Upstream')?.spec).toEqual({
      connectionConfig: { connectTimeout: '2s' },
      kube: {
        serviceName: 'podinfo-primary',
        serviceNamespace: 'shop',
        servicePort: 9898,
        selector: { app: 'podinfo-primary' },
      },
    });
  });
});
