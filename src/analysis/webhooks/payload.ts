import { createHash } from 'node:crypto';
import type { Canary } from '../../api/canary.js';

/** Flagger's webhook body: receivers written for Flagger read it unchanged. */
export interface WebhookPayload {
  name: string;
  namespace: string;
  phase: string;
  /** Identifies this revision of code and config, so a receiver can deduplicate. */
  checksum: string;
  metadata: Record<string, string>;
  /**
   * Serin: the decision this call is an effect of (event and post-rollout hooks). A call cut off by
   * a crash is made again after the restart with the same id, so a receiver can drop the repeat.
   */
  decisionId?: string;
}

/**
 * A hash of the revision being delivered (`lastAppliedSpec`) and the configs it tracks. Flagger
 * hashes the same pair with its own function, so the values differ but the meaning is the same.
 */
export function revisionChecksum(canary: Canary): string {
  const status = canary.status ?? {};
  const configs = Object.entries(status.trackedConfigs ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256')
    .update(JSON.stringify({ trackedConfigs: configs, lastAppliedSpec: status.lastAppliedSpec ?? '' }))
    .digest('hex')
    .slice(0, 16);
}

/** Flagger's body; the engine puts `eventMessage`, `eventType` and `timestamp` in an event hook's metadata. */
export function webhookPayload(
  canary: Canary,
  phase: string,
  metadata: Record<string, string> | undefined,
  decisionId?: string,
): WebhookPayload {
  return {
    name: canary.metadata.name,
    namespace: canary.metadata.namespace ?? 'default',
    phase,
    checksum: revisionChecksum(canary),
    metadata: { ...(metadata ?? {}) },
    ...(decisionId !== undefined ? { decisionId } : {}),
  };
}
