import type { Phase } from '../api/canary.js';
import type { Condition } from '../api/common.js';

export type { Phase };

/** Phases in which a run is under way and the analysis loop drives the canary. */
export const ACTIVE_PHASES: readonly Phase[] = ['Progressing', 'WaitingPromotion', 'Promoting', 'Finalising'];

export function isTerminalPhase(phase: Phase | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

export function isActivePhase(phase: Phase | undefined): boolean {
  return phase !== undefined && ACTIVE_PHASES.includes(phase);
}

/** The `Promoted` condition for each phase, as Flagger writes it (so `kubectl wait` keeps working). */
const PROMOTED: Record<Phase, { status: Condition['status']; message: string }> = {
  Initializing: { status: 'Unknown', message: 'New workload detected, starting initialization.' },
  Initialized: { status: 'True', message: 'Initialization completed.' },
  Waiting: { status: 'Unknown', message: 'Waiting for approval.' },
  Progressing: { status: 'Unknown', message: 'New revision detected, progressing canary analysis.' },
  WaitingPromotion: { status: 'Unknown', message: 'Waiting for approval.' },
  Promoting: { status: 'Unknown', message: 'Canary analysis completed, starting primary rolling update.' },
  Finalising: { status: 'Unknown', message: 'Canary analysis completed, routing all traffic to primary.' },
  Succeeded: { status: 'True', message: 'Canary analysis completed successfully, promotion finished.' },
  Failed: { status: 'False', message: 'Canary analysis failed, canary scaled to zero.' },
  Terminating: { status: 'Unknown', message: 'Canary is being deleted, restoring the original objects.' },
  Terminated: { status: 'Unknown', message: 'Canary deleted.' },
};

export function promotedCondition(phase: Phase, previous: Condition | undefined, now: string): Condition {
  const { status, message } = PROMOTED[phase];
  const sameStatus = previous?.status === status;
  return {
    type: 'Promoted',
    status,
    reason: phase,
    message,
    lastUpdateTime: now,
    lastTransitionTime: sameStatus && previous.lastTransitionTime ? previous.lastTransitionTime : now,
  };
}
