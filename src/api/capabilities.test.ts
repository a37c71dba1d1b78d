import { describe, expect, it } from 'vitest';
import { blocking, canaryCapabilities } from './capabilities.js';

const canaryWith = (metadata: Record<string, string>) => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    service: { port: 80 },
    analysis: {
      interval: '1m',
      threshold: 5,
      stepWeight: 10,
      webhooks: [{ name: 'hook', url: 'http://t/', metadata }],
    },
  },
});

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
