import { describe, expect, it } from 'vitest';
import { DecisionAction } from '../engine/decisions.js';
import { createMemoryBackend } from './memory-backend.js';
import { sampleCanary } from './testing/fixtures.js';

describe('memory backend', () => {
  it('lists canaries with their phase, weights, strategy and last decision', async () => {
    const backend = createMemoryBackend();
    const canary = sampleCanary();
    backend.record(canary, {
      phase: 'Progressing',
      canaryWeight: 20,
      lastAppliedSpec: 'abc123',
      decisions: [
        {
          time: '2026-01-01T00:01:00Z',
          phase: 'Progressing',
          action: DecisionAction.Advance,
          reason: 'checks pass',
        },
      ],
    });
    const [row] = await backend.list();
    expect(row).toMatchObject({
      namespace: 'test',
      name: 'podinfo',
      phase: 'Progressing',
      canaryWeight: 20,
      primaryWeight: 80,
      revision: 'abc123',
      strategy: 'canary',
      lastDecision: { action: DecisionAction.Advance, reason: 'checks pass' },
    });
  });

  it('keeps a history point per recorded status, capped at the limit', async () => {
    const backend = createMemoryBackend({ historyLimit: 3 });
    const canary = sampleCanary();
    for (const weight of [10, 20, 30, 40]) {
      backend.record(
        canary,
        { phase: 'Progressing', canaryWeight: weight },
        {
          canary: { successRate: 99, latencyMs: 120 },
          primary: { successRate: 100, latencyMs: 100 },
        },
      );
    }
    const history = await backend.history('test', 'podinfo');
    expect(history.map((p) => p.canaryWeight)).toEqual([20, 30, 40]);
    expect(history[2]?.canary.latencyMs).toBe(120);
  });

  it('shows webhooks with their last result and gate state', async () => {
    const backend = createMemoryBackend();
    const canary = sampleCanary();
    backend.record(canary, {
      phase: 'Progressing',
      checks: [
        {
          name: 'load-test',
          kind: 'webhook',
          verdict: 'fail',
          message: 'HTTP 500',
          time: '2026-01-01T00:00:10Z',
        },
        {
          name: 'load-test',
          kind: 'webhook',
          verdict: 'pass',
          message: 'HTTP 200',
          time: '2026-01-01T00:00:20Z',
        },
      ],
    });
    backend.setGate({ namespace: 'test', name: 'podinfo' }, 'approve-promotion', false);
    const detail = await backend.get('test', 'podinfo');
    expect(detail?.webhooks).toEqual([
      {
        name: 'load-test',
        type: 'rollout',
        url: 'http://127.0.0.1:1/load',
        lastResult: { ok: true, message: 'HTTP 200', time: '2026-01-01T00:00:20Z' },
      },
      { name: 'approve-promotion', type: 'confirm-promotion', url: 'http://127.0.0.1:1/gate', open: false },
    ]);
  });

  it('records every action as an event with who asked, and hands it to the platform', async () => {
    const received: unknown[] = [];
    const backend = createMemoryBackend({
      onAction: (ref, command) => {
        received.push({ ref, command });
        return { accepted: true, message: 'rolling back' };
      },
    });
    backend.upsert(sampleCanary());
    const result = await backend.act('test', 'podinfo', { type: 'abort' }, 'token:ab12');
    expect(result).toMatchObject({ accepted: true, message: 'rolling back' });
    expect(result.command).toMatch(/^[0-9a-f-]{36}$/);
    expect(received).toMatchObject([
      {
        ref: { namespace: 'test', name: 'podinfo' },
        command: { action: { type: 'abort' }, by: 'token:ab12' },
      },
    ]);
    const events = (await backend.get('test', 'podinfo'))?.events ?? [];
    expect(events.map((e) => [e.reason, e.by, e.message])).toEqual([
      ['ActionRequested', 'token:ab12', 'abort requested by token:ab12'],
      ['ActionAccepted', 'token:ab12', 'abort: rolling back'],
    ]);
  });

  it('refuses actions when the platform has no handler, and for unknown canaries', async () => {
    const backend = createMemoryBackend();
    backend.upsert(sampleCanary());
    expect(await backend.act('test', 'podinfo', { type: 'pause' }, 'me')).toMatchObject({ accepted: false });
    expect(await backend.act('test', 'nope', { type: 'pause' }, 'me')).toEqual({
      accepted: false,
      message: 'canary test/nope not found',
    });
  });

  it('turns a throwing handler into a refusal', async () => {
    const backend = createMemoryBackend({
      onAction: () => {
        throw new Error('engine is gone');
      },
    });
    backend.upsert(sampleCanary());
    expect(await backend.act('test', 'podinfo', { type: 'resume' }, 'me')).toEqual({
      accepted: false,
      message: 'engine is gone',
    });
  });

  it('notifies subscribers of changes until they unsubscribe', () => {
    const backend = createMemoryBackend();
    const seen: string[] = [];
    const stop = backend.subscribe((c) => seen.push(`${c.namespace}/${c.name}`));
    backend.upsert(sampleCanary('a'));
    stop();
    backend.upsert(sampleCanary('b'));
    expect(seen).toEqual(['test/a']);
  });
});
