/**
 * The graphite provider against a real Graphite (Debian's carbon-cache and graphite-web, one per
 * suite, `test/support/graphite.ts`): points are fed through carbon's plaintext protocol, and
 * checks pass, fail and report unknown as the data says. Graphite is the oracle for the answer's
 * shape (series with `[value, timestamp]` pairs, nulls for empty slots, `1e9999` for infinity),
 * for the window (`from`/`until`, 24 hours by default) and for its errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryDocument, type Canary } from '../../api/canary.js';
import type { MetricTemplate } from '../../api/metric-template.js';
import {
  GRAPHITE_STEP_SECONDS,
  startGraphite,
  type GraphitePoint,
  type TestGraphite,
} from '../../../test/support/graphite.js';
import { evaluateMetric, type MetricSources } from '../metric-checks.js';
import { createGraphiteProvider } from './graphite.js';
import { NoDataError } from './types.js';

let graphite: TestGraphite;
/** The last whole step when the points are fed (the newest slot whisper holds). */
let now = 0;

/** Spring Boot's timers through statsd, as in Flagger's Graphite example: one path per outcome. */
function requests(app: string, outcome: string, status: number, perStep: number): GraphitePoint[] {
  const path = `stats.timers.httpServerRequests.app.${app}.exception.None.method.GET.outcome.${outcome}.status.${String(status)}.uri.root.count`;
  return Array.from({ length: 6 }, (_, i) => ({
    path,
    value: perStep,
    timestamp: now - (5 - i) * GRAPHITE_STEP_SECONDS,
  }));
}

const points = (): GraphitePoint[] => [
  ...requests('podinfo', 'SUCCESS', 200, 95),
  ...requests('podinfo', 'SERVER_ERROR', 500, 5),
  ...requests('podinfo-bad', 'SUCCESS', 200, 80),
  ...requests('podinfo-bad', 'SERVER_ERROR', 500, 20),
  { path: 'serin.latency', value: 120, timestamp: now - 3 * GRAPHITE_STEP_SECONDS },
  { path: 'serin.latency', value: 140, timestamp: now - 2 * GRAPHITE_STEP_SECONDS },
  { path: 'serin.other', value: 7, timestamp: now - 2 * GRAPHITE_STEP_SECONDS },
  { path: 'serin.stale', value: 42, timestamp: now - 20 * 60 },
];

/** Waits until graphite-web answers every fed path's newest point (whisper or carbon's cache). */
async function waitForPoints(points: readonly GraphitePoint[]): Promise<void> {
  const newest = new Map<string, GraphitePoint>();
  for (const p of points) if ((newest.get(p.path)?.timestamp ?? 0) < p.timestamp) newest.set(p.path, p);
  const deadline = Date.now() + 120_000;
  for (const point of newest.values()) {
    for (;;) {
      const series = (await graphite.render({ target: point.path, from: '-1h' })) as {
        datapoints: [number | null, number][];
      }[];
      if (series[0]?.datapoints.some(([v, t]) => t === point.timestamp && v === point.value)) break;
      if (Date.now() > deadline)
        throw new Error(`graphite never showed ${point.path}: ${JSON.stringify(series)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

beforeAll(async () => {
  graphite = await startGraphite();
  // Relative to the time the servers are up: the windows below count back from Graphite's now.
  now = Math.floor(Date.now() / 1000 / GRAPHITE_STEP_SECONDS) * GRAPHITE_STEP_SECONDS;
  const fed = points();
  await graphite.send(fed);
  await waitForPoints(fed);
}, 240_000);

afterAll(async () => {
  await graphite.stop();
});

async function query(q: string): Promise<number> {
  const provider = createGraphiteProvider({
    spec: { type: 'graphite', address: graphite.url },
    credentials: undefined,
  });
  try {
    return await provider.queryValue(q);
  } finally {
    await provider.close();
  }
}

/**
 * Flagger's Graphite MetricTemplate example with the Canary's `interval: 1min`, as its docs write
 * them, but for quotes around `{{interval}}`: Graphite refuses the bare `1min` (tested below).
 */
const SUCCESS_RATE_QUERY = `target=summarize(
  asPercent(
    sumSeries(
      stats.timers.httpServerRequests.app.{{target}}.exception.*.method.*.outcome.{CLIENT_ERROR,INFORMATIONAL,REDIRECTION,SUCCESS}.status.*.uri.*.count
    ),
    sumSeries(
      stats.timers.httpServerRequests.app.{{target}}.exception.*.method.*.outcome.*.status.*.uri.*.count
    )
  ),
  '{{interval}}',
  'avg'
)
`;

function template(query: string): MetricTemplate {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'MetricTemplate',
    metadata: { name: 'graphite-request-success-rate', namespace: 'test' },
    spec: { provider: { type: 'graphite', address: graphite.url }, query },
  };
}

function canary(target: string): Canary {
  return CanaryDocument.parse({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: target, namespace: 'test' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 5, stepWeight: 10, maxWeight: 50 },
    },
  });
}

async function check(target: string, query = SUCCESS_RATE_QUERY, interval = '1min') {
  const sources: MetricSources = { templates: () => Promise.resolve(template(query)) };
  return evaluateMetric(
    canary(target),
    {
      name: 'success rate',
      templateRef: { name: 'graphite-request-success-rate' },
      thresholdRange: { min: 90 },
      interval,
    },
    sources,
    new Date(now * 1000),
  );
}

describe("Flagger's Graphite template on a real Graphite", () => {
  it('passes where the data says 95% of requests succeeded', async () => {
    const outcome = await check('podinfo');
    expect(outcome).toMatchObject({ verdict: 'pass', min: 90 });
    expect(outcome.value).toBeCloseTo(95, 9);
  });

  it('fails where the data says 80%', async () => {
    const outcome = await check('podinfo-bad');
    expect(outcome).toMatchObject({ verdict: 'fail', min: 90 });
    expect(outcome.value).toBeCloseTo(80, 9);
  });

  it('is unknown where there is no data (Graphite answers no series)', async () => {
    const outcome = await check('podinfo-idle');
    expect(outcome.verdict).toBe('unknown');
    expect(outcome.message).toContain('no values found');
  });

  it("is unknown, naming Graphite's error, for a query Graphite refuses", async () => {
    // Graphite reads `1min`, not Go's `1m` (what `{{ interval }}` renders for `interval: 1m`):
    // it answers 500 with a traceback page; an unknown function is a 400 naming it.
    const badInterval = await check('podinfo', SUCCESS_RATE_QUERY, '1m');
    expect(badInterval.verdict).toBe('unknown');
    expect(badInterval.message).toContain('answered HTTP 500');
    const unquoted = await check('podinfo', SUCCESS_RATE_QUERY.replace("'{{interval}}'", '{{interval}}'));
    expect(unquoted.verdict).toBe('unknown');
    expect(unquoted.message).toContain('answered HTTP 500');
    const unknownFunction = await check('podinfo', 'target=nosuchFunction(serin.latency)');
    expect(unknownFunction.verdict).toBe('unknown');
    expect(unknownFunction.message).toContain('answered HTTP 400');
    expect(unknownFunction.message).toContain('unknown function: nosuchFunction');
  });
});

describe('the render answer as Graphite writes it', () => {
  it('takes the last non-null point: empty slots after it are null', async () => {
    const series = (await graphite.render({ target: 'serin.latency', from: '-5min' })) as {
      datapoints: [number | null, number][];
    }[];
    // The oracle's shape: the newest slots hold null, the value sits before them.
    expect(series[0]?.datapoints.at(-1)?.[0]).toBeNull();
    await expect(query('target=serin.latency&from=-5min')).resolves.toBe(140);
  });

  it("takes the last series' value when the query returns several, as Flagger does", async () => {
    await expect(query('target=serin.latency&target=serin.other&from=-5min')).resolves.toBe(7);
    await expect(query('target=serin.other&target=serin.latency&from=-5min')).resolves.toBe(140);
  });

  it('passes from and until through: a point outside the window is no data', async () => {
    await expect(query('target=serin.stale&from=-10min')).rejects.toBeInstanceOf(NoDataError);
    await expect(query('target=serin.stale&from=-30min')).resolves.toBe(42);
    await expect(query('target=serin.stale&from=-30min&until=-25min')).rejects.toBeInstanceOf(NoDataError);
    // Without from, Graphite looks back 24 hours.
    await expect(query('target=serin.stale')).resolves.toBe(42);
  });

  it('reads an infinite point (Graphite writes 1e9999), which the check reports as no measurement', async () => {
    await expect(query('target=scale(scale(serin.latency,1e308),1e308)&from=-5min')).resolves.toBe(
      Number.POSITIVE_INFINITY,
    );
    const outcome = await check('podinfo', 'target=scale(scale(serin.latency,1e308),1e308)&from=-5min');
    expect(outcome.verdict).toBe('unknown');
    expect(outcome.message).toContain('no measurement');
  });
});
