import { expect, it } from 'vitest';
import { planLine, renderStatus } from './status-view.js';

const canary = (status: Record<string, unknown>) => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: { port: 9898 },
    analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 },
  },
  status,
});

it('serin status shows the engine plan with the current step and the time to promotion', () => {
  const now = new Date('2026-01-01T00:10:00Z');
  const at20 = canary({ phase: 'Progressing', canaryWeight: 20, evidenceSince: '2026-01-01T00:09:30Z' });
  // 30 s left at 20%, then 30, 40, 50 and the promotion round: 30 s + 3 minutes.
  expect(planLine(at20, now)).toBe('10% [20%] 30% 40% 50% promote; promotion in about 3m');
  expect(renderStatus(at20, now)).toContain('Plan:    10% [20%] 30% 40% 50% promote; promotion in about 3m');
  expect(planLine(canary({ phase: 'Progressing', canaryWeight: 20, paused: true }), now)).toBe(
    '10% [20%] 30% 40% 50% promote; no estimate: paused',
  );
});
