import { capabilityOptionsFor } from '../../api/capabilities.js';
import { parseSource } from '../../api/documents.js';
import type { Position } from '../../api/locations.js';
import { assessCanary, runnable, type Assessment, type Finding } from '../../api/migration.js';
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

/** A document to check, with the file it came from and where its fields are (YAML sources). */
interface Sourced {
  raw: unknown;
  file?: string;
  locate?: ((path: string) => Position | undefined) | undefined;
}

/** A finding at `file:line:column` of its field, as `validate` reports it. */
type LocatedFinding = Finding & { line?: number; column?: number };

interface LocatedAssessment extends Assessment {
  /** The file the Canary was read from; absent when read from a cluster. */
  file?: string;
  problems: LocatedFinding[];
  differences: LocatedFinding[];
}

function fromFiles(paths: readonly string[]): Sourced[] {
  const documents: Sourced[] = [];
  for (const source of readSources(paths)) {
    const { documents: docs, syntaxErrors } = parseSource(source.text);
    const e = syntaxErrors[0];
    if (e !== undefined) {
      const where = `${e.line ?? 1}${e.column !== undefined ? `:${e.column}` : ''}`;
      throw new UsageError(`${source.name}:${where}: ${e.message}`);
    }
    documents.push(...docs.map((d) => ({ raw: d.raw, file: source.name, locate: d.locate })));
  }
  return documents;
}

function located(a: Assessment, doc: Sourced): LocatedAssessment {
  if (doc.file === undefined) return a;
  const at = (f: Finding): LocatedFinding => {
    const p = doc.locate?.(f.path);
    return p === undefined ? f : { ...f, line: p.line, column: p.column };
  };
  return { ...a, file: doc.file, problems: a.problems.map(at), differences: a.differences.map(at) };
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

function detailLines(a: LocatedAssessment): string[] {
  const id = `${a.namespace ? `${a.namespace}/` : ''}${a.name}`;
  const where = (f: LocatedFinding) =>
    a.file === undefined ? '' : `${a.file}${f.line !== undefined ? `:${f.line}:${f.column ?? 1}` : ''}: `;
  return [
    ...a.problems.map((p) => `${where(p)}${id}: will not run: ${p.path}: ${p.message}`),
    ...a.differences.map((d) => `${where(d)}${id}: differs: ${d.path}: ${d.message}`),
  ];
}

function printText(assessments: readonly LocatedAssessment[]): void {
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
  let sourced: Sourced[];
  if (opts.filename.length > 0) {
    sourced = fromFiles(opts.filename);
  } else {
    const { client, namespace } = connect(opts);
    const listed = await fromCluster(client, opts.allNamespaces === true ? undefined : namespace);
    sourced = listed.map((raw) => ({ raw }));
  }
  const documents = sourced.map((d) => d.raw);
  const options = capabilityOptionsFor(documents, {
    platform: 'kubernetes',
    ...(opts.provider !== undefined ? { defaultProvider: opts.provider, defaultProviderExplicit: true } : {}),
  });
  const canaries = sourced.filter(
    ({ raw }) => typeof raw === 'object' && raw !== null && (raw as { kind?: unknown }).kind === 'Canary',
  );
  if (canaries.length === 0) throw new UsageError('no Canary found to check');
  const assessments = canaries.map((c) => located(assessCanary(c.raw, options), c));
  if (format === 'json' || format === 'yaml') printStructured({ canaries: assessments }, format);
  else printText(assessments);
  process.exitCode = assessments.every(runnable) ? ExitCode.ok : ExitCode.failure;
}
