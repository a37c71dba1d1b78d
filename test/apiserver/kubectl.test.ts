import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import { startTestApiServer, writeKubeconfig, type TestApiServer } from './index.js';
import { kubectl, kubectlArgs, waitFor } from './testing.js';

let server: TestApiServer;
let kubeconfig: string;

const deployment = (replicas: number, image: string) =>
  stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80 }] }] },
      },
    },
  });

async function ok(args: string[], stdin = ''): Promise<string> {
  const result = await kubectl(kubeconfig, args, stdin);
  if (result.code !== 0)
    throw new Error(`kubectl ${args.join(' ')} failed (${String(result.code)}): ${result.stderr}`);
  return result.stdout;
}

/** `kubectl create -f` sends JSON; `kubectl create configmap NAME` would send protobuf, which the server refuses. */
async function createConfigMap(name: string): Promise<string> {
  return ok(['create', '-f', '-'], stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } }));
}

async function getJson(
  args: string[],
): Promise<Record<string, unknown> & { spec?: Record<string, unknown> }> {
  return JSON.parse(await ok([...args, '-o', 'json'])) as Record<string, unknown>;
}

beforeAll(async () => {
  server = await startTestApiServer({ deployments: { readyDelayMs: 20 } });
  kubeconfig = writeKubeconfig(server);
});

afterAll(async () => {
  await server.stop();
  rmSync(dirname(kubeconfig), { recursive: true, force: true });
});

describe('kubectl against the test API server', () => {
  it('prints tables for built-in kinds and CRDs', async () => {
    const namespaces = await ok(['get', 'namespaces']);
    expect(namespaces).toMatch(/^NAME\s+STATUS\s+AGE/);
    expect(namespaces).toMatch(/default\s+Active/);
    expect(await ok(['get', 'crd'])).toContain('virtualservices.networking.istio.io');
    const empty = await kubectl(kubeconfig, ['get', 'pods']);
    expect(empty.stderr).toContain('No resources found in default namespace.');
  });

  it('applies a Deployment (client-side, with default validation), then reconfigures it', async () => {
    expect(await ok(['apply', '-f', '-'], deployment(2, 'nginx:1'))).toContain('deployment.apps/web created');
    expect(await ok(['apply', '-f', '-'], deployment(3, 'nginx:2'))).toContain(
      'deployment.apps/web configured',
    );
    expect(await ok(['apply', '-f', '-'], deployment(3, 'nginx:2'))).toContain(
      'deployment.apps/web unchanged',
    );
    const web = await getJson(['get', 'deployment', 'web']);
    expect(web.spec?.replicas).toBe(3);
    expect((web.metadata as { generation: number }).generation).toBe(2);
    await waitFor('ready column', async () => /web\s+3\s+3\s+3\s+3/.test(await ok(['get', 'deploy'])));
  });

  it('applies server-side and reports field manager conflicts', async () => {
    await ok(['apply', '--server-side', '--field-manager', 'serin', '-f', '-'], deployment(3, 'nginx:2'));
    const conflict = await kubectl(
      kubeconfig,
      ['apply', '--server-side', '--field-manager', 'other', '-f', '-'],
      deployment(4, 'nginx:2'),
    );
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('conflict');
    await ok(
      ['apply', '--server-side', '--force-conflicts', '--field-manager', 'other', '-f', '-'],
      deployment(4, 'nginx:2'),
    );
    expect((await getJson(['get', 'deployment', 'web'])).spec?.replicas).toBe(4);
  });

  it('selects by label and prints names', async () => {
    await createConfigMap('one');
    expect(await ok(['get', 'deploy,cm', '-l', 'tier=front', '-o', 'name'])).toBe('deployment.apps/web\n');
    expect(await ok(['get', 'deploy', '-l', 'tier notin (front)', '-o', 'name'])).toBe('');
  });

  it('reports AlreadyExists from create', async () => {
    const again = await kubectl(
      kubeconfig,
      ['create', '-f', '-'],
      stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' } }),
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      'Error from server (AlreadyExists): error when creating "STDIN": configmaps "one" already exists',
    );
  });

  it('refuses protobuf bodies with 415, which the typed create generators send', async () => {
    const typed = await kubectl(kubeconfig, ['create', 'configmap', 'typed']);
    expect(typed.code).toBe(1);
    expect(typed.stderr).toContain('unknown format');
  });

  it('patches with merge, JSON and strategic patches', async () => {
    await ok(['patch', 'deployment', 'web', '--type', 'merge', '-p', '{"spec":{"replicas":5}}']);
    await ok([
      'patch',
      'deployment',
      'web',
      '--type',
      'json',
      '-p',
      '[{"op":"add","path":"/metadata/annotations/x","value":"y"}]',
    ]);
    await ok([
      'patch',
      'deployment',
      'web',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"proxy"}]}}}}',
    ]);
    const web = await getJson(['get', 'deployment', 'web']);
    expect(web.spec?.replicas).toBe(5);
    expect((web.metadata as { annotations: Record<string, string> }).annotations.x).toBe('y');
    const template = web.spec?.template as { spec: { containers: { name: string }[] } };
    expect(template.spec.containers.map((container) => container.name)).toEqual(['web', 'sidecar']);
  });

  it('applies and lists custom resources with their printer columns', async () => {
    const canary = stringify({
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'web' },
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        service: { port: 80 },
        analysis: { interval: '1m', threshold: 5, stepWeight: 10 },
      },
    });
    expect(await ok(['apply', '-f', '-'], canary)).toContain('canary.flagger.app/web created');
    const table = await ok(['get', 'canaries.flagger.app']);
    expect(table).toMatch(/^NAME\s+STATUS\s+WEIGHT\s+LASTTRANSITIONTIME/);
    const vs = stringify({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'web' },
      spec: { hosts: ['web'] },
    });
    expect(await ok(['apply', '-f', '-'], vs)).toContain('virtualservice.networking.istio.io/web created');
    expect(await ok(['get', 'vs', 'web', '-o', 'jsonpath={.spec.hosts[0]}'])).toBe('web');
  });

  it('applies install manifests: the repository CRDs again, a ServiceAccount and RBAC', async () => {
    const crds = join(import.meta.dirname, '..', '..', 'deploy', 'crds');
    expect(await ok(['apply', '-f', crds])).toContain(
      'customresourcedefinition.apiextensions.k8s.io/canaries.serin.dev configured',
    );
    const rbac = [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'serin' } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'serin' },
        rules: [{ apiGroups: ['serin.dev'], resources: ['canaries'], verbs: ['get', 'list', 'watch'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'serin' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'serin' },
        subjects: [{ kind: 'ServiceAccount', name: 'serin', namespace: 'default' }],
      },
    ];
    const output = await ok(['apply', '-f', '-'], rbac.map((document) => stringify(document)).join('---\n'));
    expect(output).toContain('clusterrolebinding.rbac.authorization.k8s.io/serin created');
  });

  it('streams changes with get -w', async () => {
    const child = spawn('kubectl', kubectlArgs(kubeconfig, ['get', 'configmaps', '-w']), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitFor('initial list', () => /^NAME\s+AGE/.test(output) && /\none\s/.test(output));
      await waitFor('watch open', () => server.openWatchCount >= 1);
      await createConfigMap('two');
      await waitFor('watched change', () => /\ntwo\s/.test(output));
    } finally {
      child.kill();
    }
  });

  it('deletes and waits for finalizers to be removed', async () => {
    await createConfigMap('held');
    await ok([
      'patch',
      'configmap',
      'held',
      '--type',
      'merge',
      '-p',
      '{"metadata":{"finalizers":["serin.dev/hold"]}}',
    ]);
    expect(await ok(['delete', 'configmap', 'held', '--wait=false'])).toContain('configmap "held" deleted');
    const held = await getJson(['get', 'configmap', 'held']);
    expect((held.metadata as { deletionTimestamp?: string }).deletionTimestamp).toBeTruthy();
    const requestsBefore = server.requests.length;
    const waiting = kubectl(kubeconfig, ['delete', 'configmap', 'held', '--timeout=30s']);
    // Remove the finalizer only once this delete is waiting on a watch, or it would find nothing to delete.
    await waitFor('delete waiting on a watch', () => {
      const since = server.requests.slice(requestsBefore);
      const deleted = since.findIndex(
        (entry) => entry.method === 'DELETE' && entry.path.endsWith('/configmaps/held'),
      );
      return (
        deleted >= 0 &&
        since.slice(deleted).some((entry) => entry.watch && entry.path.endsWith('/configmaps'))
      );
    });
    await ok([
      'patch',
      'configmap',
      'held',
      '--type',
      'json',
      '-p',
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    ]);
    expect((await waiting).code).toBe(0);
    const gone = await kubectl(kubeconfig, ['get', 'configmap', 'held']);
    expect(gone.stderr).toContain('NotFound');
  });

  it('deletes a Deployment and its dependents', async () => {
    const uid = ((await getJson(['get', 'deployment', 'web'])).metadata as { uid: string }).uid;
    const owned = stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'owned',
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid }],
      },
    });
    await ok(['apply', '-f', '-'], owned);
    expect(await ok(['delete', 'deployment', 'web'])).toContain('deployment.apps "web" deleted');
    await waitFor(
      'dependent collected',
      async () => (await kubectl(kubeconfig, ['get', 'configmap', 'owned'])).code === 1,
    );
  });
});
