import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { toYamlDocuments } from '../../api/yaml.js';
import type { FlaggerCrdMode } from '../definitions/install.js';

/** deploy/ next to the package root, from src/ (tests) or dist/ (the package and the image). */
export function findDeployDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'deploy', 'kustomization.yaml'))) return join(dir, 'deploy');
    dir = dirname(dir);
  }
  throw new Error('cannot find the deploy/ directory of this Serin installation');
}

function kustomizationResources(deploy: string): string[] {
  const [doc] = parseAllDocuments(readFileSync(join(deploy, 'kustomization.yaml'), 'utf8'));
  const resources = (doc?.toJS() as { resources?: unknown } | undefined)?.resources;
  if (!Array.isArray(resources)) throw new Error('deploy/kustomization.yaml: expected a resources list');
  return resources.map(String);
}

interface RenderOptions {
  scope: 'cluster' | 'namespace';
  flaggerCrd?: FlaggerCrdMode;
  watchNamespace?: string | undefined;
  namespace: string;
  image?: string | undefined;
}

type Doc = Record<string, unknown> & { kind?: string; metadata?: { namespace?: string; name?: string } };

function adjust(doc: Doc, o: RenderOptions): Doc | undefined {
  if (doc.metadata?.namespace === 'serin-system') doc.metadata.namespace = o.namespace;
  if (doc.kind === 'Namespace' && doc.metadata?.name === 'serin-system') doc.metadata.name = o.namespace;
  if (o.scope === 'namespace' && (doc.kind === 'ClusterRole' || doc.kind === 'ClusterRoleBinding'))
    return undefined;
  const json = JSON.stringify(doc)
    .replaceAll('"namespace":"serin-system"', `"namespace":${JSON.stringify(o.namespace)}`)
    .replaceAll('"namespace":"WATCHED"', `"namespace":${JSON.stringify(o.watchNamespace ?? '')}`);
  const out = JSON.parse(json) as Doc;
  if (doc.kind === 'Deployment') {
    const container = (
      out as { spec: { template: { spec: { containers: { image: string; args: string[] }[] } } } }
    ).spec.template.spec.containers[0];
    if (container) {
      if (o.image !== undefined) container.image = o.image;
      // The Role cannot grant cluster-scoped kinds: the controller refuses Canaries that need them.
      if (o.scope === 'namespace')
        container.args.push(`--namespace=${o.watchNamespace ?? ''}`, '--namespaced-rbac');
    }
  }
  return out;
}

/** The install manifests (CRDs first), as one multi-document YAML stream. */
export function renderInstall(o: RenderOptions): string {
  const deploy = findDeployDirectory();
  const files = kustomizationResources(deploy);
  if (o.flaggerCrd === 'superset') files.unshift('flagger/canaries.flagger.app.yaml');
  if (o.scope === 'namespace') files.push('namespaced/role.yaml');
  const docs: Doc[] = [];
  for (const file of files) {
    for (const d of parseAllDocuments(readFileSync(join(deploy, file), 'utf8'))) {
      const value = d.toJS() as Doc | null;
      if (value === null) continue;
      const adjusted = adjust(value, o);
      if (adjusted) docs.push(adjusted);
    }
  }
  return toYamlDocuments(docs);
}
