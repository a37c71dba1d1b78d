/**
 * The local dashboard's view of each side: what the replica group runs (version label and
 * revision) and the last lines a replica wrote, the failing replica's when one fails, secrets
 * redacted. Read from the live processes each time the detail page asks.
 */
import { redactLogLine } from '../analysis/redact.js';
import type { Side, SideView } from '../dashboard/backend.js';
import type { ReplicaGroup } from './workloads/group.js';

/** Lines shown per side: enough to see what a process did last, small enough for every refresh. */
export const SIDE_LOG_LINES = 20;

/** The version label and the revision: the command line is long and may carry secrets in its arguments. */
function versionOf(group: ReplicaGroup): string {
  return redactLogLine(`${group.options.version} (revision ${group.revision.slice(0, 10)})`);
}

function sideOf(group: ReplicaGroup | undefined): SideView {
  if (!group || group.isStopped()) return { logTail: [] };
  const states = group.replicas.map((r) => r.state());
  const failing = states.findIndex((r) => r.backingOff || !r.ready);
  const index = failing >= 0 ? failing : 0;
  const replica = group.replicas[index];
  const lines = replica?.logs.recent(SIDE_LOG_LINES) ?? [];
  return {
    version: versionOf(group),
    logTail: lines.map((l) => redactLogLine(`${l.stream}: ${l.text}`)),
    ...(replica ? { logSource: `process ${states[index]?.name ?? '?'}` } : {}),
  };
}

export function localSides(groups: {
  primary?: ReplicaGroup;
  canary?: ReplicaGroup;
}): Record<Side, SideView> {
  return { primary: sideOf(groups.primary), canary: sideOf(groups.canary) };
}
