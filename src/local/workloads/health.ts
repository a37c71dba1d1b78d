/**
 * A replica group's health in the engine's terms (`status.workloads`): how many replicas are ready,
 * how often they restarted, and why the worst one is not serving, with the same waiting reasons a
 * kubelet reports: CrashLoopBackOff while a crashed process waits out its restart backoff (its
 * exit code, signal or spawn error in `lastExit`). A replica that is only starting, or running but
 * failing its probe, has no reason (as a Running, unready pod has none): the progress deadline
 * covers it.
 */
import type { WorkloadHealth } from '../../api/canary.js';
import type { ReplicaGroup } from './group.js';
import type { ReplicaState } from './replica.js';

/** How many of the failing replica's last lines are kept: enough to show the error, small for status. */
export const LOG_TAIL_LINES = 5;

type Health = Omit<WorkloadHealth, 'run'>;

function reasonOf(replica: ReplicaState): Pick<Health, 'reason' | 'message'> {
  // Between two crashes (started again, not ready yet) it is still crash-looping.
  const crashing = replica.backingOff || (!replica.ready && replica.lastExit !== undefined);
  if (crashing) return { reason: 'CrashLoopBackOff', message: replica.message };
  return { message: replica.message };
}

/** The replica's own output, else Serin's notes about it (a process that never started wrote nothing). */
function logTail(lines: readonly { stream: string; text: string }[]): string[] {
  const own = lines.filter((l) => l.stream !== 'serin');
  return (own.length > 0 ? own : lines).slice(-LOG_TAIL_LINES).map((l) => `${l.stream}: ${l.text}`);
}

/** The replica that explains the group best: one crashing, else one not ready. */
function worst(replicas: readonly ReplicaState[]): ReplicaState | undefined {
  return replicas.find((r) => r.backingOff) ?? replicas.find((r) => !r.ready);
}

export function groupHealth(group: ReplicaGroup | undefined): Health {
  if (group === undefined) return { ready: 0, desired: 0, restarts: 0, message: 'not started' };
  const state = group.state();
  const restarts = state.replicas.reduce((sum, r) => sum + r.restarts, 0);
  const health: Health = { ready: state.readyReplicas, desired: state.replicas.length, restarts };
  const failing = worst(state.replicas);
  if (failing === undefined) return health;
  const replica = group.replicas.find((r) => r.state().name === failing.name);
  const tail = logTail(replica?.logs.recent(100) ?? []);
  return {
    ...health,
    ...reasonOf(failing),
    ...(failing.lastExit !== undefined ? { lastExit: failing.lastExit } : {}),
    ...(tail.length > 0 ? { logTail: tail } : {}),
  };
}
