/**
 * When the engine refuses a control command, as a pure rule over the phase and strategy: the
 * engine applies it (control.ts), and anything that offers the commands (the dashboard's buttons)
 * asks the same rule, so a button is disabled exactly when the engine would refuse it.
 */
import type { Phase } from '../api/canary.js';
import type { Strategy } from './analysis-config.js';
import type { ControlAction } from './ports.js';

const RUNNING: readonly (Phase | undefined)[] = ['Progressing', 'WaitingPromotion'];

/** Why the engine would refuse `action` now, or undefined when it would apply it. */
export function commandRefusal(
  action: ControlAction['type'],
  phase: Phase | undefined,
  strategy: Strategy,
): string | undefined {
  const current = phase ?? 'none';
  switch (action) {
    case 'abort':
      return RUNNING.includes(phase) || phase === 'Waiting'
        ? undefined
        : `nothing to abort in phase ${current}`;
    case 'promote':
      return RUNNING.includes(phase)
        ? undefined
        : `only a running analysis can be promoted, phase is ${current}`;
    case 'set-weight':
      return phase === 'Progressing' && strategy === 'canary'
        ? undefined
        : 'the weight can be set only while a canary-strategy run is progressing';
    case 'retry':
      return phase === 'Failed' ? undefined : `only a failed revision can be retried, phase is ${current}`;
    case 'pause':
    case 'resume':
      return undefined;
  }
}
