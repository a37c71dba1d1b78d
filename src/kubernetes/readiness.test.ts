import { describe, expect, it } from 'vitest';
import { daemonSetReadiness, deploymentReadiness, podSelector, podsHealth } from './readiness.js';

const now = new Date('2026-01-01T00:10:00Z');
const dep = (spec: Record<string, unknown>, status: Record<string, unknown>, generation = 1) => ({
  metadata: { name: 'web', generation },
  spec,
  status: { observedGeneration: 1, ...status },
});

describe('deploymentReadiness (Flagger isDeploymentReady rules)', () => {
  it('waits while the new generation is not observed', () => {
    const r = deploymentReadiness(dep({ replicas: 2 }, {}, 2), 100, 600, now);
    expect(r).toMatchObject({ ready: false, retriable: true });
    expect(r.message).toContain('observed');
  });

  it('is ready when all updated replicas are available', () => {
    const r = deploymentReadiness(
      dep({ replicas: 2 }, { replicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
      100,
      600,
      now,
    );
    expect(r.ready).toBe(true);
  });

  it('waits for updated replicas and for old replicas to terminate', () => {
    expect(
      deploymentReadiness(
        dep({ replicas: 3 }, { replicas: 3, updatedReplicas: 1, availableReplicas: 3 }),
        100,
        600,
        now,
      ).message,
    ).toContain('1 of 3 updated');
    expect(
      deploymentReadiness(
        dep({ replicas: 2 }, { replicas: 3, updatedReplicas: 2, availableReplicas: 2 }),
        100,
        600,
        now,
      ).message,
    ).toContain('pending termination');
  });

  it('applies the ready threshold to available replicas', () => {
    const status = { replicas: 4, updatedReplicas: 4, availableReplicas: 2 };
    expect(deploymentReadiness(dep({ replicas: 4 }, status), 100, 600, now).ready).toBe(false);
    expect(deploymentReadiness(dep({ replicas: 4 }, status), 50, 600, now).ready).toBe(true);
  });

  it('is stuck (not retriable) on ProgressDeadlineExceeded', () => {
    const conditions = [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }];
    expect(deploymentReadiness(dep({ replicas: 1 }, { conditions }), 100, 600, now)).toMatchObject({
      ready: false,
      retriable: false,
    });
  });

  it('is stuck when minimum replicas stay unavailable beyond the deadline', () => {
    const conditions = [
      {
        type: 'Available',
        status: 'False',
        reason: 'MinimumReplicasUnavailable',
        lastUpdateTime: '2026-01-01T00:00:00Z',
      },
    ];
    const status = { conditions, replicas: 1, updatedReplicas: 1 };
    expect(deploymentReadiness(dep({ replicas: 1 }, status), 100, 300, now).retriable).toBe(false);
    expect(deploymentReadiness(dep({ replicas: 1 }, status), 100, 900, now).retriable).toBe(true);
  });
});

describe('podsHealth (the kubelet’s words for a failing pod)', () => {
  const web = { metadata: { name: 'web' }, spec: { replicas: 2 }, status: { readyReplicas: 1 } };
  const pod = (name: string, containerStatuses: unknown[], conditions: unknown[] = []) => ({
    metadata: { name },
    status: { containerStatuses, conditions },
  });

  it('reports the first waiting reason with the restarts and how the container last ended', () => {
    const h = podsHealth(web, [
      pod('web-a', [{ name: 'app', restartCount: 0, state: { running: {} } }]),
      pod('web-b', [
        {
          name: 'app',
          restartCount: 3,
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
          lastState: {
            terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: '2026-01-01T00:00:00Z' },
          },
        },
      ]),
    ]);
    expect(h).toEqual({
      ready: 1,
      desired: 2,
      restarts: 3,
      reason: 'CrashLoopBackOff',
      message: 'pod web-b, container app: back-off 40s',
      lastExit: { code: 137, error: 'OOMKilled', time: '2026-01-01T00:00:00Z' },
    });
  });

  it('ignores containers that are only starting, and names image and scheduling problems', () => {
    const creating = pod('web-a', [{ name: 'app', state: { waiting: { reason: 'ContainerCreating' } } }]);
    expect(podsHealth(web, [creating]).reason).toBeUndefined();
    const pull = pod('web-a', [{ name: 'app', state: { waiting: { reason: 'ImagePullBackOff' } } }]);
    expect(podsHealth(web, [pull]).reason).toBe('ImagePullBackOff');
    const pending = pod('web-a', [], [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }]);
    expect(podsHealth(web, [pending])).toMatchObject({ reason: 'Unschedulable', restarts: 0 });
  });

  it('selects the pods by the Deployment’s matchLabels', () => {
    expect(podSelector({ spec: { selector: { matchLabels: { app: 'web', tier: 'front' } } } })).toBe(
      'app=web,tier=front',
    );
    expect(podSelector({ spec: {} })).toBeUndefined();
  });
});

describe('daemonSetReadiness (Flagger isDaemonSetReady rules)', () => {
  const ds = (status: Record<string, unknown>, generation = 1) => ({
    metadata: { name: 'agent', generation },
    status: { observedGeneration: 1, ...status },
  });
  const since = '2026-01-01T00:05:00Z';

  it('waits while the new generation is not observed', () => {
    expect(daemonSetReadiness(ds({}, 2), 100, 600, since, now)).toMatchObject({
      ready: false,
      retriable: true,
    });
  });

  it('waits for every desired pod to run the new template, then for the threshold of available pods', () => {
    const rolling = { desiredNumberScheduled: 4, updatedNumberScheduled: 2, numberAvailable: 3 };
    expect(daemonSetReadiness(ds(rolling), 100, 600, since, now).message).toContain(
      '2 of 4 pods run the new template',
    );
    const starting = { desiredNumberScheduled: 4, updatedNumberScheduled: 4, numberAvailable: 1 };
    expect(daemonSetReadiness(ds(starting), 100, 600, since, now).ready).toBe(false);
    // floor(4 * 25%) = 1 available pod is enough at a 25% threshold.
    expect(daemonSetReadiness(ds(starting), 25, 600, since, now).ready).toBe(true);
  });

  it('is ready with no pod desired (a parked canary fits no node)', () => {
    expect(daemonSetReadiness(ds({ desiredNumberScheduled: 0 }), 100, 600, since, now).ready).toBe(true);
  });

  it('is stuck for good once not ready past the progress deadline since the last transition', () => {
    const rolling = { desiredNumberScheduled: 2, updatedNumberScheduled: 1 };
    expect(daemonSetReadiness(ds(rolling), 100, 60, since, now).retriable).toBe(false);
    expect(daemonSetReadiness(ds(rolling), 100, 600, since, now).retriable).toBe(true);
  });
});
