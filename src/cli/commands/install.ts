import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option } from '@commander-js/extra-typings';
import { parseAllDocuments } from 'yaml';
import { toYamlDocuments } from '../../api/yaml.js';
import { UsageError, type CommandModule } from '../program.js';

/** deploy/ next to the package root, from src/ (tsx) or dist/src/ (the image). */
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

/** `keep`: leave canaries.flagger.app to Flagger (stock CRD, Serin's state in companions); `superset`: install Serin's. */
export const FLAGGER_CRD_MODES = ['keep', 'superset'] as const;
export type FlaggerCrdMode = (typeof FLAGGER_CRD_MODES)[number];

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
      if (o.scope === 'namespace') container.args.push(`--namespace=${o.watchNamespace ?? ''}`);
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

export const installCommand: CommandModule = (program) => {
  program
    .command('install')
    .description('Print the manifests that install Serin on a cluster (pipe to kubectl apply -f -)')
    .option('--render', 'print the manifests: CRDs, RBAC, the controller Deployment')
    .addOption(
      new Option('--scope <scope>', 'cluster-wide, or one namespace with a Role')
        .choices(['cluster', 'namespace'] as const)
        .default('cluster' as const),
    )
    .addOption(
      new Option(
        '--flagger-crd <mode>',
        "keep: leave Flagger's canaries.flagger.app CRD as it is (Flagger still installed or not); superset: install Serin's superset of it (only once Flagger is gone)",
      )
        .choices(FLAGGER_CRD_MODES)
        .default('keep' as const),
    )
    .option('--watch-namespace <ns>', 'with --scope namespace: the namespace the controller watches')
    .option('--namespace <ns>', 'namespace the controller runs in', 'serin-system')
    .option('--image <ref>', 'controller image')
    .action((opts) => {
      if (opts.render !== true)
        throw new UsageError('install: pass --render and pipe the output to `kubectl apply -f -`');
      if (opts.scope === 'namespace' && opts.watchNamespace === undefined) {
        throw new UsageError(
          '--scope namespace: expected --watch-namespace <ns>, the namespace the controller watches',
        );
      }
      process.stdout.write(
        renderInstall({
          scope: opts.scope,
          flaggerCrd: opts.flaggerCrd,
          watchNamespace: opts.watchNamespace,
          namespace: opts.namespace,
          image: opts.image,
        }),
      );
    });
};
