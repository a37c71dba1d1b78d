import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../test/support/in-process-cli.js';
import { installCommand } from '../definitions/install.js';
import { renderInstall } from './install.js';

const kinds = (text: string) => parseAllDocuments(text).map((d) => (d.toJS() as { kind: string }).kind);

describe('serin install --render', () => {
  it('prints the CRDs first, then RBAC and the controller', () => {
    const out = renderInstall({ scope: 'cluster', namespace: 'serin-system' });
    const k = kinds(out);
    expect(k.slice(0, 3)).toEqual([
      'CustomResourceDefinition',
      'CustomResourceDefinition',
      'CustomResourceDefinition',
    ]);
    expect(k).toEqual(
      expect.arrayContaining(['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'ServiceAccount']),
    );
    expect(out).toContain('readOnlyRootFilesystem: true');
    expect(out).not.toContain('--namespaced-rbac');
  });

  it('namespace scope: a Role in the watched namespace instead of the ClusterRole', () => {
    const out = renderInstall({
      scope: 'namespace',
      watchNamespace: 'apps',
      namespace: 'ops',
      image: 'example/serin:1',
    });
    const docs = parseAllDocuments(out).map(
      (d) => d.toJS() as { kind: string; metadata: { namespace?: string } },
    );
    expect(docs.map((d) => d.kind)).not.toContain('ClusterRole');
    expect(docs.find((d) => d.kind === 'Role' && d.metadata.namespace === 'apps')).toBeDefined();
    expect(out).toContain('--namespace=apps');
    // The controller is told its Role cannot grant cluster-scoped kinds (Kuma's TrafficRoute).
    expect(out).toContain('--namespaced-rbac');
    expect(out).toContain('image: example/serin:1');
    expect(docs.find((d) => d.kind === 'Deployment')?.metadata.namespace).toBe('ops');
  });

  it("leaves Flagger's CRD alone by default; --flagger-crd superset adds Serin's superset first", async () => {
    const names = (text: string) =>
      parseAllDocuments(text).map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name);
    expect(names(renderInstall({ scope: 'cluster', namespace: 'serin-system' }))).not.toContain(
      'canaries.flagger.app',
    );
    const superset = renderInstall({ scope: 'cluster', namespace: 'serin-system', flaggerCrd: 'superset' });
    expect(names(superset)[0]).toBe('canaries.flagger.app');
    const bad = await runCommand([installCommand], ['install', '--render', '--flagger-crd', 'replace']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--flagger-crd');
  });

  it('asks for --render and for --watch-namespace with namespace scope', async () => {
    expect((await runCommand([installCommand], ['install'])).code).toBe(2);
    const r = await runCommand([installCommand], ['install', '--render', '--scope', 'namespace']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--watch-namespace');
  });
});
