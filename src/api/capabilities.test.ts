import { describe, expect, it } from 'vitest';
import { blocking, canaryCapabilities } from './capabilities.js';

/** A Flagger Canary for `web` with `analysis` added to the usual schedule. */
const canaryWithAnalysis = (analysis: Record<string, unknown>) => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    service: { port: 80 },
    analysis: { interval: '1m', threshold: 5, stepWeight: 10, ...analysis },
  },
});

const canaryWith = (metadata: Record<string, string>) =>
  canaryWithAnalysis({ webhooks: [{ name: 'hook', url: 'http://t/', metadata }] });

describe('load tester task types', () => {
  it('names the field and what to use instead for a task Serin will not run through a shell', () => {
    const issues = canaryCapabilities(canaryWith({ type: 'bash', cmd: 'curl -s http://web | grep ok' }));
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'spec.analysis.webhooks[0].metadata.type',
        severity: 'warning',
        reason: 'NotSupported',
        message: expect.stringContaining('use type "cmd" with a hey command line') as unknown,
      }),
    ]);
    // Flagger's own flagger-loadtester still runs it, so the Canary is not refused for it.
    expect(blocking(issues)).toEqual([]);
  });

  it('says nothing about cmd tasks (hey), which Serin runs', () => {
    expect(canaryCapabilities(canaryWith({ cmd: 'hey -z 1m http://web/' }))).toEqual([]);
    expect(canaryCapabilities(canaryWith({ type: 'cmd', cmd: 'hey -z 1m http://web/' }))).toEqual([]);
  });
});

const targeting = (targetRef: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    targetRef,
    service: { port: 80 },
    analysis: { interval: '1m', threshold: 5, stepWeight: 10 },
    ...extra,
  },
});
const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'web' };
const keda = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'web' };

describe('target kinds and autoscalers', () => {
  it('runs DaemonSet and Service targets and KEDA ScaledObjects on Kubernetes', () => {
    const kubernetes = { platform: 'kubernetes' as const };
    for (const kind of ['Deployment', 'DaemonSet', 'Service'])
      expect(canaryCapabilities(targeting({ apiVersion: 'v1', kind, name: 'web' }), kubernetes)).toEqual([]);
    const scaled = targeting(
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      { autoscalerRef: keda },
    );
    expect(canaryCapabilities(scaled, kubernetes)).toEqual([]);
  });

  it('refuses a DaemonSet or Service target in local mode, naming the field', () => {
    for (const kind of ['DaemonSet', 'Service']) {
      const issues = canaryCapabilities(targeting({ apiVersion: 'apps/v1', kind, name: 'web' }), {
        platform: 'local',
      });
      expect(issues).toEqual([
        expect.objectContaining({
          path: 'spec.targetRef.kind',
          reason: 'NotSupported',
          message: expect.stringContaining(`target kind ${kind} on local mode`) as unknown,
        }),
      ]);
    }
  });

  it('refuses an autoscaler on a target that cannot scale', () => {
    for (const [kind, scaler] of [
      ['DaemonSet', hpa],
      ['Service', keda],
    ] as const) {
      const issues = canaryCapabilities(
        targeting({ apiVersion: 'v1', kind, name: 'web' }, { autoscalerRef: scaler }),
      );
      expect(blocking(issues)).toEqual([
        expect.objectContaining({
          path: 'spec.autoscalerRef',
          message: expect.stringContaining(`a ${kind} target cannot be scaled`) as unknown,
        }),
      ]);
    }
  });

  it('runs a Knative Service target with the knative provider only, as Flagger does', () => {
    const ksvc = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'web' };
    expect(blocking(canaryCapabilities(targeting(ksvc)))).toMatchObject([
      { path: 'spec.provider', reason: 'Invalid' },
    ]);
    expect(blocking(canaryCapabilities(targeting(ksvc, { provider: 'knative' })))).toEqual([]);
    const beta = { ...ksvc, apiVersion: 'serving.knative.dev/v1beta1' };
    const betaPaths = blocking(canaryCapabilities(targeting(beta, { provider: 'knative' }))).map(
      (i) => i.path,
    );
    expect(betaPaths).toEqual(['spec.targetRef.apiVersion', 'spec.targetRef']);
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
    expect(blocking(canaryCapabilities(targeting(deployment, { provider: 'knative' })))).toMatchObject([
      { path: 'spec.targetRef' },
    ]);
    // Local mode has no Knative: refused at the target, not run as something else.
    expect(
      blocking(canaryCapabilities(targeting(ksvc, { provider: 'knative' }), { platform: 'local' })),
    ).toMatchObject([{ path: 'spec.targetRef.kind' }]);
  });

  it('refuses a Service target routed under another name', () => {
    const renamed = targeting(
      { apiVersion: 'v1', kind: 'Service', name: 'web' },
      { service: { port: 80, name: 'shop' } },
    );
    expect(blocking(canaryCapabilities(renamed))[0]).toMatchObject({
      path: 'spec.service.name',
      reason: 'Invalid',
    });
  });
});

describe("a metric's interval", () => {
  const canary = (metric: Record<string, unknown>) => canaryWithAnalysis({ metrics: [metric] });
  const template = (type: string, query: string) => ({
    template: () => ({ spec: { provider: { type }, query } }),
  });
  const graphiteQuery = "target=summarize(stats.{{ target }}.errors, '{{ interval }}', 'sum')";

  it("takes Graphite's own units, as Flagger's Graphite docs write them (interval: 1min)", () => {
    const metric = {
      name: 'errors',
      templateRef: { name: 'g' },
      interval: '1min',
      thresholdRange: { max: 1 },
    };
    expect(canaryCapabilities(canary(metric), template('graphite', graphiteQuery))).toEqual([]);
  });

  it('warns that Graphite refuses a Go minute (1m) and says what to write', () => {
    const metric = { name: 'errors', templateRef: { name: 'g' }, interval: '1m', thresholdRange: { max: 1 } };
    const issues = canaryCapabilities(canary(metric), template('graphite', graphiteQuery));
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'spec.analysis.metrics[0].interval',
        severity: 'warning',
        message: expect.stringContaining('write "1min"') as unknown,
      }),
    ]);
  });

  it('refuses 1min for PromQL and for providers that read it as a duration, naming the field', () => {
    const builtin = { name: 'request-success-rate', interval: '1min', thresholdRange: { min: 99 } };
    expect(blocking(canaryCapabilities(canary(builtin)))).toEqual([
      expect.objectContaining({ path: 'spec.analysis.metrics[0].interval' }),
    ]);
    const datadog = {
      name: 'errors',
      templateRef: { name: 'd' },
      interval: '1min',
      thresholdRange: { max: 1 },
    };
    expect(blocking(canaryCapabilities(canary(datadog), template('datadog', 'sum:errors{*}')))).toEqual([
      expect.objectContaining({
        path: 'spec.analysis.metrics[0].interval',
        message: expect.stringContaining('datadog') as unknown,
      }),
    ]);
  });
});
