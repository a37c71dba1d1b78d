/**
 * A scripted rollout over the memory backend: each `step()` pushes the next status and metric
 * sample, as a platform's engine would, and actions change the status as the engine would answer
 * them. Drives the dashboard's browser tests and `preview.ts`.
 */
import { toYaml } from '../../api/yaml.js';
import type { CanaryStatus, CheckRecord, Decision } from '../../api/canary.js';
import { commandRefusal } from '../../engine/command-rules.js';
import { DecisionAction } from '../../engine/decisions.js';
import type { ControlCommand } from '../../engine/ports.js';
import type { CanaryRef, GateAction, MetricsSample, Side, SideView } from '../backend.js';
import { createMemoryBackend, type MemoryBackend } from '../memory-backend.js';
import { sampleCanary } from './fixtures.js';

export interface SimulatedRollout {
  backend: MemoryBackend;
  ref: CanaryRef;
  /** Advances one analysis interval: weight + step, new checks, judge evidence, a history point. */
  step(): void;
  status(): CanaryStatus;
  /** Every action the platform received, in order. */
  received: (ControlCommand | (GateAction & { by: string }))[];
}

const STEP = 10;
const MAX_WEIGHT = 50;

function routingYaml(name: string, namespace: string, canaryWeight: number): string {
  return toYaml({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace },
    spec: {
      hosts: [name],
      http: [
        {
          route: [
            { destination: { host: `${name}-primary` }, weight: 100 - canaryWeight },
            { destination: { host: `${name}-canary` }, weight: canaryWeight },
          ],
        },
      ],
    },
  });
}

function checksAt(weight: number, time: string): CheckRecord[] {
  return [
    {
      name: 'request-success-rate',
      kind: 'metric',
      verdict: 'pass',
      value: 99.2 + (weight % 3) / 10,
      min: 99,
      time,
      weight,
    },
    {
      name: 'request-duration',
      kind: 'metric',
      verdict: 'pass',
      value: 180 + weight,
      max: 500,
      time,
      weight,
    },
    { name: 'load-test', kind: 'webhook', verdict: 'pass', message: 'HTTP 200', time, weight },
  ];
}

/** Evidence in the shape Serin's judge stores: one group per test. */
function judgeAt(weight: number): Record<string, unknown> {
  const canaryRequests = 40 * weight;
  const primaryRequests = 40 * (100 - weight);
  return {
    verdict: 'continue',
    reason: 'not enough evidence yet that the canary differs from the primary',
    evidence: {
      errors: {
        bayesFactor: 0.8 + weight / 100,
        threshold: 40,
        canaryErrors: Math.round(canaryRequests * 0.007),
        canaryRequests,
        primaryErrors: Math.round(primaryRequests * 0.001),
        primaryRequests,
        rateRatio: 1.4,
        nonInferiorityBayesFactor: 2.1,
        margin: 1.5,
      },
      latency: {
        statistic: 1.3,
        threshold: 40,
        effectMs: 28 + weight / 10,
        lowerMs: 12,
        upperMs: 45,
        primaryMs: 152,
        canaryMs: 180 + weight / 10,
        marginMs: 50,
      },
    },
  };
}

/** What the platform measured of each version at a weight (nothing without traffic on the canary). */
function sampleAt(w: number): MetricsSample | undefined {
  if (w <= 0) return undefined;
  return {
    canary: { successRate: 99.2 + (w % 3) / 10, latencyMs: 180 + w, requests: 40 * w },
    primary: { successRate: 99.9, latencyMs: 150 + w / 5, requests: 40 * (100 - w) },
  };
}

const PAUSE_DECISIONS = { pause: DecisionAction.Paused, resume: DecisionAction.Resumed } as const;

const decisionsAfter = (status: CanaryStatus, decision: Decision): Decision[] => [
  ...(status.decisions ?? []),
  decision,
];

/** What a platform reports of each side: the images and the last lines their processes wrote. */
function sidesAt(name: string, w: number): Record<Side, SideView> {
  return {
    primary: {
      version: 'ghcr.io/stefanprodan/podinfo:6.0.0',
      logTail: ['starting podinfo 6.0.0', 'listening on :9898', `served ${40 * (100 - w)} requests`],
      logSource: `pod ${name}-primary-5d8f9c7b6-0, container podinfo`,
    },
    canary: {
      version: 'ghcr.io/stefanprodan/podinfo:6.0.1',
      logTail: ['starting podinfo 6.0.1', 'listening on :9898', `served ${40 * w} requests`],
      logSource: `pod ${name}-7f9c2ab41d-0, container podinfo`,
    },
  };
}

function initialStatus(now: Date): CanaryStatus {
  const runStartedAt = now.toISOString();
  return {
    phase: 'Progressing',
    canaryWeight: 0,
    failedChecks: 0,
    lastAppliedSpec: '7f9c2ab41d',
    runStartedAt,
    conditions: [
      { type: 'Promoted', status: 'Unknown', reason: 'Progressing', message: 'New revision detected' },
    ],
    checks: [],
    decisions: [],
    workloads: {
      primary: { ready: 2, desired: 2, restarts: 0, run: runStartedAt },
      canary: { ready: 2, desired: 2, restarts: 1, run: runStartedAt },
    },
  };
}

export function simulateRollout(
  options: { name?: string; namespace?: string; startMs?: number } = {},
): SimulatedRollout {
  const canary = sampleCanary(options.name ?? 'podinfo', options.namespace ?? 'test');
  const ref = { namespace: canary.metadata.namespace ?? 'test', name: canary.metadata.name };
  let clock = options.startMs ?? Date.parse('2026-01-01T00:00:00Z');
  const now = (): Date => new Date(clock);
  const received: SimulatedRollout['received'] = [];
  let status: CanaryStatus = initialStatus(now());

  const backend = createMemoryBackend({
    now,
    onAction: (_ref, command) => apply(command),
    sides: () => sidesAt(ref.name, status.canaryWeight ?? 0),
  });

  const decide = (action: DecisionAction, reason: string, canaryWeight: number, phase = status.phase) =>
    decisionsAfter(status, {
      time: now().toISOString(),
      phase: phase ?? 'Progressing',
      action,
      reason,
      canaryWeight,
    });

  const push = (next: CanaryStatus): void => {
    status = next;
    const w = status.canaryWeight ?? 0;
    backend.record({ ...canary, status }, status, sampleAt(w));
    backend.setRouting(ref, [
      { kind: 'VirtualService', name: ref.name, yaml: routingYaml(ref.name, ref.namespace, w) },
    ]);
  };

  function apply(command: ControlCommand | (GateAction & { by: string })): {
    accepted: boolean;
    message: string;
  } {
    received.push(command);
    const by = command.by ?? 'unknown';
    if ('gate' in command) {
      backend.setGate(ref, command.gate, command.open);
      if (command.gate === 'approve-promotion') gateOpen = command.open;
      return { accepted: true, message: `gate ${command.gate} ${command.open ? 'opened' : 'closed'}` };
    }
    const action = command.action;
    // The engine's own rule says what it refuses, so the fake cannot accept what the engine would not.
    const refusal = commandRefusal(action.type, status.phase, 'canary');
    if (refusal !== undefined) return { accepted: false, message: refusal };
    switch (action.type) {
      case 'abort':
        push({
          ...status,
          phase: 'Failed',
          canaryWeight: 0,
          decisions: decide(DecisionAction.Rollback, `aborted by ${by}`, 0, 'Failed'),
        });
        return { accepted: true, message: 'rolled back: all traffic on the primary' };
      case 'pause':
      case 'resume':
        push({
          ...status,
          paused: action.type === 'pause',
          decisions: decide(
            PAUSE_DECISIONS[action.type],
            `${action.type}d by ${by}`,
            status.canaryWeight ?? 0,
          ),
        });
        return { accepted: true, message: `${action.type}d` };
      case 'set-weight':
        push({
          ...status,
          canaryWeight: action.weight,
          decisions: decide(DecisionAction.SetWeight, `set by ${by}`, action.weight),
        });
        return { accepted: true, message: `canary weight set to ${action.weight}%` };
      default:
        return { accepted: false, message: `${action.type} is not simulated` };
    }
  }

  let gateOpen = false;
  /** At maxWeight the engine waits at the confirm-promotion gate, then promotes once it opens. */
  const atMaxWeight = (): void => {
    if (!gateOpen) {
      if (status.phase !== 'WaitingPromotion')
        push({ ...status, phase: 'WaitingPromotion', waitingFor: 'confirm-promotion' });
      return;
    }
    const { waitingFor: _waiting, ...rest } = status;
    status = { ...rest, decisions: decide(DecisionAction.Promote, 'gate opened', 50, 'Promoting') };
    push({
      ...status,
      phase: 'Succeeded',
      canaryWeight: 0,
      decisions: decide(DecisionAction.Succeeded, 'promotion finished', 0, 'Succeeded'),
    });
  };

  const step = (): void => {
    clock += 10_000;
    const running = status.phase === 'Progressing' || status.phase === 'WaitingPromotion';
    if (!running || status.paused) return;
    if ((status.canaryWeight ?? 0) >= MAX_WEIGHT) {
      atMaxWeight();
      return;
    }
    const weight = Math.min(MAX_WEIGHT, (status.canaryWeight ?? 0) + STEP);
    push({
      ...status,
      canaryWeight: weight,
      iterations: (status.iterations ?? 0) + 1,
      checks: [...(status.checks ?? []), ...checksAt(weight, now().toISOString())].slice(-30),
      decisions: decide(DecisionAction.Advance, 'all checks passed', weight),
      judge: judgeAt(weight),
    });
  };

  push(status);
  // Gates start closed, as a gate API answers before anyone opened them.
  backend.setGate(ref, 'approve-promotion', false);
  backend.event(ref, {
    type: 'Normal',
    reason: 'Synced',
    message: 'New revision detected, starting canary analysis',
  });
  return { backend, ref, step, status: () => status, received };
}
