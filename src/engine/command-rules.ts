/**
 * When the engine refuses a control command, as a pure rule over the phase and strategy: the
 * engine rejects by it when a command reaches a tick (control.ts), and every front door (the
 * local API, the dashboard's buttons and backends, the CLI on a cluster) asks the same rule before
 * a command is queued or written, so a refusal is answered at once and a button is disabled
 * exactly when the engine would refuse it. It imports only types, so the browser bundle can use it.
 */
import type { Phase } from '../api/canary.js';
import type { Strategy } from './analysis-config.js';
import type { ControlAction } from './ports.js';

const RUNNING: readonly (Phase | undefined)[] = ['Progressing', 'WaitingPromotion'];

/**
 * Why the engine would refuse `action` now, or undefined when it would apply it. Given only the
 * action's type (a button before a weight is chosen), the weight itself is not checked.
 */
export function commandRefusal(
  action: ControlAction | ControlAction['type'],
  phase: Phase | undefined,
  strategy: Strategy,
): string | undefined {
  const current = phase ?? 'none';
  const type = typeof action === 'string' ? action : action.type;
  switch (type) {
    case 'abort':
      return RUNNING.includes(phase) || phase === 'Waiting'
        ? undefined
        : `nothing to abort in phase ${current}`;
    case 'promote':
      return RUNNING.includes(phase)
        ? undefined
        : `only a running analysis can be promoted, phase is ${current}`;
    case 'set-weight':
      if (phase !== 'Progressing' || strategy !== 'canary') {
        return 'the weight can be set only while a canary-strategy run is progressing';
      }
      return typeof action === 'string' ? undefined : weightRefusal(action);
    case 'retry':
      return phase === 'Failed' ? undefined : `only a failed revision can be retried, phase is ${current}`;
    case 'pause':
    case 'resume':
      return undefined;
  }
}

function weightRefusal(action: ControlAction): string | undefined {
  if (action.type !== 'set-weight') return undefined;
  const { weight } = action;
  return Number.isInteger(weight) && weight >= 0 && weight <= 100
    ? undefined
    : `expected a whole number between 0 and 100, got ${String(weight)}`;
}
