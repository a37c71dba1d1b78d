import { describe, expect, it } from 'vitest';
import { CanaryDocument, type Canary, type CanaryInput } from '../api/canary.js';
import { builtinTemplate, DURATION, SUCCESS_RATE } from './builtin.js';
import { renderTemplate, templateScope } from './template.js';

function canary(overrides: Partial<CanaryInput['spec']> = {}): Canary {
  return CanaryDocument.parse({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'default' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 5, stepWeight: 10, maxWeight: 50 },
      ...overrides,
    },
  });
}

describe('built-in Istio checks', () => {
  it('renders the success rate exactly as Flagger sends it', () => {
    const rendered = renderTemplate(
      builtinTemplate(SUCCESS_RATE),
      templateScope(canary(), { interval: '1m' }),
    );
    expect(rendered).toBe(
      ' sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="default", destination_workload=~"podinfo", response_code!~"5.*" }[1m] ) ) / sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="default", destination_workload=~"podinfo" }[1m] ) ) * 100',
    );
  });

  it('renders the P99 duration exactly as Flagger sends it', () => {
    const rendered = renderTemplate(builtinTemplate(DURATION), templateScope(canary(), { interval: '1m' }));
    expect(rendered).toBe(
      ' histogram_quantile( 0.99, sum( rate( istio_request_duration_milliseconds_bucket{ reporter="destination", destination_workload_namespace="default", destination_workload=~"podinfo" }[1m] ) ) by (le) )',
    );
  });

  it('uses the metric interval and the target, not the Canary name', () => {
    const c = canary({ targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'backend' } });
    const rendered = renderTemplate(builtinTemplate(SUCCESS_RATE), templateScope(c, { interval: '30s' }));
    expect(rendered).toContain('destination_workload=~"backend"');
    expect(rendered).toContain('}[30s]');
    expect(rendered).not.toContain('podinfo');
  });
});
