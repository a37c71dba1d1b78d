/**
 * Keptn's metrics through the Kubernetes API (`metrics.keptn.sh/v1beta1`), as Flagger reads
 * them. The query is `<keptnmetric|analysis>/<namespace>/<name>/<timeframe>/<arguments>`,
 * lower-cased as Flagger does before it is split:
 *
 * - `keptnmetric/<ns>/<name>`: the KeptnMetric's `status.value` (a decimal string Keptn writes
 *   after each fetch). A metric Keptn has not fetched yet (no `status.value`) is no data; Flagger
 *   reports it as an error.
 * - `analysis/<ns>/<definition>/<timeframe>/<k=v;k=v>`: creates an Analysis of that
 *   AnalysisDefinition over the recent `timeframe` (default 1m) with the arguments, polls it every
 *   second until Keptn marks it `Completed`, answers 1 when it passed and 0 when it failed, and
 *   deletes it. Keptn gets 10 s (or `provider.timeout`), as in Flagger.
 */
import { randomBytes } from 'node:crypto';
import type { KubeClient, KubeObject } from '../../kubernetes/client.js';
import type { ResourceType } from '../../kubernetes/resources.js';
import { ProviderError } from './http.js';
import { providerKubeClient } from './kube.js';
import { NoDataError, type MetricProvider, type ProviderFactory } from './types.js';
import { timeoutMs } from './window.js';

const GROUP = 'metrics.keptn.sh';
const VERSION = 'v1beta1';
const KEPTN_METRIC: ResourceType = {
  group: GROUP,
  version: VERSION,
  plural: 'keptnmetrics',
  kind: 'KeptnMetric',
  namespaced: true,
};
const ANALYSIS: ResourceType = {
  group: GROUP,
  version: VERSION,
  plural: 'analyses',
  kind: 'Analysis',
  namespaced: true,
};
const ANALYSIS_TIMEOUT_MS = 10_000;
const POLL_MS = 1000;
const FORMAT = '<keptnmetric|analysis>/<namespace>/<resourceName>/<duration>/<arguments>';

export type KeptnQuery =
  | { kind: 'keptnmetric'; namespace: string; name: string }
  | { kind: 'analysis'; namespace: string; name: string; timeframe: string; args: Record<string, string> };

function argumentsOf(text: string | undefined): Record<string, string> {
  const args: Record<string, string> = {};
  for (const pair of (text ?? '').split(';')) {
    const parts = pair.split('=');
    if (parts.length === 2 && parts[0] !== undefined && parts[1] !== undefined) args[parts[0]] = parts[1];
  }
  return args;
}

/** Flagger's parse: lower-cased, trimmed, split on `/`; kind, namespace and name are required. */
export function parseKeptnQuery(query: string): KeptnQuery {
  const parts = query.toLowerCase().trim().split('/');
  const [kind = '', namespace = '', name = '', timeframe, args] = parts;
  if (parts.length < 3 || namespace === '' || name === '') {
    throw new ProviderError(`query: expected ${FORMAT}, got "${query.trim()}"`);
  }
  if (kind === 'keptnmetric' || kind === 'keptnmetrics') return { kind: 'keptnmetric', namespace, name };
  if (kind === 'analysis' || kind === 'analyses') {
    return {
      kind: 'analysis',
      namespace,
      name,
      timeframe: timeframe === undefined || timeframe === '' ? '1m' : timeframe,
      args: argumentsOf(args),
    };
  }
  throw new ProviderError(
    `query: the resource kind "${kind}" is not one of keptnmetric, analysis (${FORMAT})`,
  );
}

function statusOf(object: KubeObject | undefined): Record<string, unknown> {
  const status = (object as { status?: unknown } | undefined)?.status;
  return typeof status === 'object' && status !== null ? (status as Record<string, unknown>) : {};
}

async function keptnMetricValue(client: KubeClient, namespace: string, name: string): Promise<number> {
  let metric: KubeObject | undefined;
  try {
    metric = await client.get(KEPTN_METRIC, namespace, name);
  } catch (error) {
    throw new ProviderError(
      `keptn: cannot read KeptnMetric ${namespace}/${name}: ${(error as Error).message}`,
    );
  }
  if (metric === undefined) throw new ProviderError(`keptn: KeptnMetric ${namespace}/${name} not found`);
  const value = statusOf(metric).value;
  if (value === undefined || value === '')
    throw new NoDataError(`KeptnMetric ${namespace}/${name} has no value yet (status.value is empty)`);
  const number = typeof value === 'string' ? Number(value) : Number.NaN;
  if (typeof value !== 'string' || value.trim() === '' || Number.isNaN(number)) {
    throw new ProviderError(
      `keptn: KeptnMetric ${namespace}/${name} status.value ${JSON.stringify(value)} is not a number`,
    );
  }
  return number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** 1 when the Analysis passed, 0 when it failed; undefined while Keptn is still at it. */
function analysisVerdict(object: KubeObject | undefined): number | undefined {
  const status = statusOf(object);
  if (status.state !== 'Completed' || typeof status.pass !== 'boolean') return undefined;
  return status.pass ? 1 : 0;
}

async function analysisValue(
  client: KubeClient,
  query: Extract<KeptnQuery, { kind: 'analysis' }>,
  limitMs: number,
): Promise<number> {
  const where = `Keptn Analysis of ${query.namespace}/${query.name}`;
  const analysis: KubeObject = {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'Analysis',
    metadata: { name: `${query.name}-${randomBytes(3).toString('hex')}`, namespace: query.namespace },
    spec: {
      analysisDefinition: { name: query.name },
      timeframe: { recent: query.timeframe },
      args: query.args,
    },
  };
  let created: KubeObject;
  try {
    created = await client.create(ANALYSIS, analysis);
  } catch (error) {
    throw new ProviderError(`keptn: cannot create the ${where}: ${(error as Error).message}`);
  }
  const name = created.metadata.name;
  const deadline = Date.now() + limitMs;
  try {
    for (;;) {
      await sleep(POLL_MS);
      const verdict = analysisVerdict(await client.get(ANALYSIS, query.namespace, name));
      if (verdict !== undefined) return verdict;
      if (Date.now() >= deadline)
        throw new ProviderError(
          `keptn: the ${where} (${name}) did not complete within ${String(limitMs)} ms`,
        );
    }
  } finally {
    await client.delete(ANALYSIS, query.namespace, name).catch(() => false);
  }
}

export const createKeptnProvider: ProviderFactory = (input) => {
  const client = providerKubeClient(input);
  const limitMs = timeoutMs(input.spec.timeout) ?? ANALYSIS_TIMEOUT_MS;
  const provider: MetricProvider = {
    type: 'keptn',
    queryValue(query) {
      const parsed = parseKeptnQuery(query);
      return parsed.kind === 'keptnmetric'
        ? keptnMetricValue(client, parsed.namespace, parsed.name)
        : analysisValue(client, parsed, limitMs);
    },
    close: () => Promise.resolve(),
  };
  return provider;
};
