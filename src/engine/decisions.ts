/**
 * The names of the engine's decisions (`status.decisions[].action`), as the engine writes them.
 * Everything that reads or imitates decisions (dashboards, test fakes, `serin status`) names them
 * through this object, so a renamed decision breaks their build instead of drifting in silence.
 */
export const DecisionAction = {
  Initialized: 'Initialized',
  PreRollout: 'PreRollout',
  Waiting: 'Waiting',
  NewRevision: 'NewRevision',
  Restart: 'Restart',
  Advance: 'Advance',
  Mirror: 'Mirror',
  Switch: 'Switch',
  Hold: 'Hold',
  Halt: 'Halt',
  Promote: 'Promote',
  Promoting: 'Promoting',
  Finalising: 'Finalising',
  Succeeded: 'Succeeded',
  Rollback: 'Rollback',
  PromotionFailed: 'PromotionFailed',
  CanaryUnhealthy: 'CanaryUnhealthy',
  Terminating: 'Terminating',
  Paused: 'Paused',
  Resumed: 'Resumed',
  SetWeight: 'SetWeight',
  Retry: 'Retry',
  CommandRejected: 'CommandRejected',
} as const;

export type DecisionAction = (typeof DecisionAction)[keyof typeof DecisionAction];

/** Decisions that end a run badly or stop it: shown as warnings. */
export const WARNING_DECISIONS: readonly DecisionAction[] = [
  DecisionAction.Rollback,
  DecisionAction.Halt,
  DecisionAction.PromotionFailed,
  DecisionAction.CanaryUnhealthy,
  DecisionAction.CommandRejected,
];
