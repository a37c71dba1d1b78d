import { describe, expect, it } from 'vitest';
import type { Canary } from '../api/canary.js';
import type { KubeObject } from './client.js';
import {
  prunedSpecFields,
  reportPrunedSpec,
  SPEC_ANNOTATION,
  withSpecExtensions,
} from './spec-extensions.js';

function canary(
  annotations: Record<string, string>,
  spec: Record<string, unknown>,
  generation = 1,
): KubeObject {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'web', uid: 'u1', generation, annotations },
    spec,
  };
}

const spec = { targetRef: { name: 'web' }, analysis: { interval: '1m', threshold: 5 } };

describe('serin.dev/spec annotation', () => {
  it('merges its fields over the spec, object by object', () => {
    const result = withSpecExtensions(
      canary(
        { [SPEC_ANNOTATION]: '{"analysis":{"unknownThreshold":3},"service":{"routing":"merge"}}' },
        spec,
      ),
    );
    expect('object' in result && result.object.spec).toEqual({
      targetRef: { name: 'web' },
      analysis: { interval: '1m', threshold: 5, unknownThreshold: 3 },
      service: { routing: 'merge' },
    });
  });

  it('refuses a malformed annotation, naming it', () => {
    for (const text of ['{not json', '[1]', '"x"']) {
      const result = withSpecExtensions(canary({ [SPEC_ANNOTATION]: text }, spec));
      expect('error' in result && result.error).toContain(`metadata.annotations.${SPEC_ANNOTATION}`);
    }
  });
});

describe('pruned spec fields', () => {
  const applied = JSON.stringify({
    spec: {
      ...spec,
      analysis: { ...spec.analysis, judge: {}, unknownThreshold: 2, stepWeight: null },
      webhooks: [{ name: 'a', extra: 1 }],
    },
  });
  const live = canary(
    { 'kubectl.kubernetes.io/last-applied-configuration': applied },
    { ...spec, webhooks: [{ name: 'a' }] },
  );

  it('names every field kubectl applied that the live Canary lacks (nulls aside)', () => {
    expect(prunedSpecFields(live)).toEqual([
      'spec.analysis.judge',
      'spec.analysis.unknownThreshold',
      'spec.webhooks[0].extra',
    ]);
    expect(prunedSpecFields(canary({}, spec))).toEqual([]);
  });

  it('reports them in one Warning Event per generation', async () => {
    const events: { type: string; reason: string; message: string }[] = [];
    const notifier = {
      event: (_c: Canary, e: (typeof events)[number]) => Promise.resolve(void events.push(e)),
      alert: () => Promise.resolve(),
    };
    await reportPrunedSpec(notifier, live, {} as Canary);
    await reportPrunedSpec(notifier, live, {} as Canary);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'Warning', reason: 'SpecFieldsPruned' });
    expect(events[0]?.message).toContain(
      'spec.analysis.judge, spec.analysis.unknownThreshold, spec.webhooks[0].extra',
    );
    expect(events[0]?.message).toContain(SPEC_ANNOTATION);
    await reportPrunedSpec(
      notifier,
      { ...live, metadata: { ...live.metadata, generation: 2 } },
      {} as Canary,
    );
    expect(events).toHaveLength(2);
  });
});
