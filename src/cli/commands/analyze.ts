import type { Canary } from '../../api/canary.js';
import {
  blocking,
  canaryCapabilities,
  capabilityOptionsFor,
  FLAGGER_PROVIDERS,
  SERIN_GATEWAY_API,
} from '../../api/capabilities.js';
import { parseDuration } from '../../api/common.js';
import { readManifests, templateLookup } from '../../analysis/manifests.js';
import { planMetric } from '../../analysis/metric-checks.js';
import { MetricsEvaluator } from '../../analysis/metrics-port.js';
import {
  dryRunReport,
  evaluationReport,
  reportDetails,
  reportRows,
  type CanaryReport,
} from '../../analysis/report.js';
import { formatTable, parseOutputFormat, printStructured } from '../output.js';
import { ExitCode, UsageError } from '../program.js';
import { readSources } from '../sources.js';

export interface AnalyzeOptions {
  filename: string[];
  prometheus?: string;
  provider?: string;
  dryRun?: boolean;
  watch?: boolean;
  output?: string;
  at?: string;
  since: string;
}

function parseTime(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const time = new Date(text);
  if (Number.isNaN(time.getTime()))
    throw new UsageError(`--at: expected an RFC 3339 time such as 2026-01-02T15:04:05Z, got "${text}"`);
  return time;
}

function parseSince(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new UsageError(`--since: expected a duration such as 10m or 1h, got "${text}"`);
  }
}

function withServer(canary: Canary, prometheus: string | undefined): Canary {
  if (prometheus === undefined) return canary;
  try {
    new URL(prometheus);
  } catch {
    throw new UsageError(`--prometheus: expected an absolute http(s) URL, got "${prometheus}"`);
  }
  return { ...canary, spec: { ...canary.spec, metricsServer: prometheus } };
}

function print(reports: readonly CanaryReport[], format: string, dryRun: boolean): void {
  if (format === 'json') {
    printStructured(reports.length === 1 ? reports[0] : reports, 'json');
    return;
  }
  for (const report of reports) {
    process.stdout.write(`Canary ${report.canary} at ${report.time}\n`);
    const rows = reportRows(report);
    if (!dryRun && rows.length > 0)
      process.stdout.write(formatTable(['metric', 'source', 'interval', 'value', 'bounds', 'verdict'], rows));
    process.stdout.write(reportDetails(report, dryRun));
  }
}

function failed(reports: readonly CanaryReport[]): boolean {
  return reports.some((r) => r.metrics.some((m) => m.verdict === 'fail') || r.judge?.verdict === 'fail');
}

async function analyzeOnce(
  canaries: readonly Canary[],
  evaluator: MetricsEvaluator,
  options: { dryRun: boolean; at: Date | undefined; sinceMs: number; judgeState: Map<string, unknown> },
): Promise<CanaryReport[]> {
  const now = options.at ?? new Date();
  const reports: CanaryReport[] = [];
  for (const canary of canaries) {
    const metrics = (canary.spec.analysis ?? canary.spec.canaryAnalysis)?.metrics ?? [];
    if (options.dryRun) {
      const plans = await Promise.all(
        metrics.map(async (m) => (await planMetric(canary, m, evaluator.metricSources)).plan),
      );
      reports.push(dryRunReport(canary, plans, now));
      continue;
    }
    const key = `${canary.metadata.namespace ?? 'default'}/${canary.metadata.name}`;
    const evaluation = await evaluator.evaluateDetailed(canary, {
      canaryWeight: canary.status?.canaryWeight ?? 0,
      runStartedAt: canary.status?.runStartedAt ?? new Date(now.getTime() - options.sinceMs).toISOString(),
      judgeState: options.judgeState.get(key),
      now,
    });
    if (evaluation.judge !== undefined) options.judgeState.set(key, evaluation.judge.state);
    reports.push(evaluationReport(canary, evaluation, now));
  }
  return reports;
}

function intervalOf(canaries: readonly Canary[]): number {
  const intervals = canaries
    .map((c) => (c.spec.analysis ?? c.spec.canaryAnalysis)?.interval ?? '1m')
    .map(parseDuration);
  return Math.min(...intervals);
}

/** Runs `run` every `everyMs` until SIGINT or SIGTERM. */
async function watch(run: () => Promise<void>, everyMs: number): Promise<void> {
  const stopped = new AbortController();
  const stop = () => {
    stopped.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    while (!stopped.signal.aborted) {
      await run();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, everyMs);
        stopped.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** Whether a capability finding is about what an analysis runs (metrics, webhooks), not routing. */
function isAnalysisPath(path: string): boolean {
  return path.startsWith('spec.analysis.') || path.startsWith('spec.canaryAnalysis.');
}

/** A provider of Flagger's enum (or Serin's `gateway-api`), as the controller's default would be. */
function parseProvider(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const known: readonly string[] = [...FLAGGER_PROVIDERS, SERIN_GATEWAY_API];
  if (!known.includes(value))
    throw new UsageError(`--provider: expected one of ${known.join(', ')}, got "${value}"`);
  return value;
}

export async function analyze(opts: AnalyzeOptions): Promise<void> {
  const format = parseOutputFormat(opts.output, ['text', 'json']);
  const defaultProvider = parseProvider(opts.provider);
  const at = parseTime(opts.at);
  const sinceMs = parseSince(opts.since);
  const set = readManifests(readSources(opts.filename));
  if (set.errors.length > 0) {
    for (const e of set.errors) process.stderr.write(`${e}\n`);
    process.exitCode = ExitCode.failure;
    return;
  }
  if (set.canaries.length === 0) throw new UsageError('no Canary in the given files');
  // A metric backend Serin cannot query is refused here rather than answered with "unknown". What
  // only routing needs (the provider's objects, the target kind) does not stop an analysis: every
  // Flagger provider has its built-in queries (src/analysis/builtin-queries.ts).
  const options = capabilityOptionsFor([...set.canaries, ...set.templates]);
  const refused = set.canaries.flatMap((c) =>
    blocking(canaryCapabilities(c, options))
      .filter((i) => isAnalysisPath(i.path))
      .map((i) => `Canary ${c.metadata.name}: ${i.path}: ${i.message}`),
  );
  if (refused.length > 0) {
    for (const line of refused) process.stderr.write(`${line}\n`);
    process.exitCode = ExitCode.failure;
    return;
  }
  const canaries = set.canaries.map((c) => withServer(c, opts.prometheus));
  // Templates usually name an in-cluster address; --prometheus (a port-forward) replaces it.
  const templates =
    opts.prometheus === undefined
      ? set.templates
      : set.templates.map((t) =>
          t.spec.provider.type === 'prometheus'
            ? { ...t, spec: { ...t.spec, provider: { ...t.spec.provider, address: opts.prometheus } } }
            : t,
        );
  const evaluator = new MetricsEvaluator({
    templates: templateLookup(templates),
    metricsServer: opts.prometheus,
    defaultProvider,
  });
  const judgeState = new Map<string, unknown>();
  const once = async () => {
    const reports = await analyzeOnce(canaries, evaluator, {
      dryRun: opts.dryRun === true,
      at,
      sinceMs,
      judgeState,
    });
    print(reports, format, opts.dryRun === true);
    const unknown = reports.flatMap((r) => r.metrics).filter((m) => m.verdict === 'unknown').length;
    if (unknown > 0 && opts.dryRun !== true)
      process.stderr.write(`warning: ${unknown} check(s) could not be measured\n`);
    process.exitCode = failed(reports) ? ExitCode.failure : ExitCode.ok;
  };
  if (opts.watch === true && opts.dryRun !== true) await watch(once, intervalOf(canaries));
  else await once();
}
