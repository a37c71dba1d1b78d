import { capabilityOptionsFor } from '../../api/capabilities.js';
import { parseSource } from '../../api/documents.js';
import { assessCanary, runnable, type Assessment } from '../../api/migration.js';
import { connect, listCanaries } from '../../kubernetes/cli-support.js';
import { isNotFound, type KubeClient } from '../../kubernetes/client.js';
import type { ResourceType } from '../../kubernetes/resources.js';
import { formatTable, parseOutputFormat, printStructured } from '../output.js';
import { ExitCode, UsageError } from '../program.js';
import { readSources } from '../sources.js';
import { isRoutingProviderId, ROUTING_PROVIDER_IDS } from '../../routing/providers/ids.js';

const METRIC_TEMPLATE_TYPES: ResourceType[] = ['flagger.app', 'serin.dev'].map((group) => ({
  group,
  version: 'v1beta1',
  plural: 'metrictemplates',
  kind: 'MetricTemplate',
  namespaced: true,
}));

function fromFiles(paths: readonly string[]): unknown[] {
  const documents: unknown[] = [];
  for (const source of readSources(paths)) {
    const { documents: docs, syntaxErrors } = parseSource(source.text);
    if (syntaxErrors.length > 0) {
      const e = syntaxErrors[0];
      throw new UsageError(`${source.name}:${e?.line ?? e?.index ?? 1}: ${e?.message ?? 'unreadable'}`);
    }
    documents.push(...docs.map((d) => d.raw));
  }
  return documents;
}

async function fromCluster(client: KubeClient, namespace: string | undefined): Promise<unknown[]> {
  const documents: unknown[] = await listCanaries(client, namespace);
  for (const type of METRIC_TEMPLATE_TYPES) {
    try {
      documents.push(...(await client.list(type, namespace)).items);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return documents;
}

function detailLines(a: Assessment): string[] {
  const id = `${a.namespace ? `${a.namespace}/` : ''}${a.name}`;
  return [
    ...a.problems.map((p) => `${id}: will not run: ${p.path}: ${p.message}`),
    ...a.differences.map((d) => `${id}: differs: ${d.path}: ${d.message}`),
  ];
}

function printText(assessments: readonly Assessment[]): void {
  const rows = assessments.map((a) => [
    a.namespace,
    a.name,
    a.group,
    a.provider,
    a.verdict,
    String(a.problems.length),
    String(a.differences.length),
  ]);
  process.stdout.write(
    formatTable(['namespace', 'name', 'group', 'provider', 'verdict', 'problems', 'differences'], rows),
  );
  const details = assessments.flatMap(detailLines);
  if (details.length > 0) process.stdout.write(`\n${details.join('\n')}\n`);
  const blocked = assessments.filter((a) => !runnable(a)).length;
  process.stderr.write(
    `${assessments.length} Canary(s) checked: ${assessments.length - blocked} will run, ${blocked} will not\n`,
  );
}

export interface CheckOptions {
  filename: string[];
  namespace?: string;
  allNamespaces?: boolean;
  provider?: string;
  kubeconfig?: string;
  context?: string;
  output?: string;
}

export async function check(opts: CheckOptions): Promise<void> {
  const format = parseOutputFormat(opts.output, ['text', 'json', 'yaml']);
  if (opts.provider !== undefined && !isRoutingProviderId(opts.provider))
    throw new UsageError(
      `--provider: expected one of ${ROUTING_PROVIDER_IDS.join(', ')}, got "${opts.provider}"`,
    );
  let documents: unknown[];
  if (opts.filename.length > 0) {
    documents = fromFiles(opts.filename);
  } else {
    const { client, namespace } = connect(opts);
    documents = await fromCluster(client, opts.allNamespaces === true ? undefined : namespace);
  }
  const options = capabilityOptionsFor(documents, {
    platform: 'kubernetes',
    ...(opts.provider !== undefined ? { defaultProvider: opts.provider, defaultProviderExplicit: true } : {}),
  });
  const canaries = documents.filter(
    (d) => typeof d === 'object' && d !== null && (d as { kind?: unknown }).kind === 'Canary',
  );
  if (canaries.length === 0) throw new UsageError('no Canary found to check');
  const assessments = canaries.map((c) => assessCanary(c, options));
  if (format === 'json' || format === 'yaml') printStructured({ canaries: assessments }, format);
  else printText(assessments);
  process.exitCode = assessments.every(runnable) ? ExitCode.ok : ExitCode.failure;
}
