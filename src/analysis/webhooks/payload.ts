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

export function webhookPayload(
  canary: Canary,
  phase: string,
  metadata: Record<string, string> | undefined,
): WebhookPayload {
  return {
    name: canary.metadata.name,
    namespace: canary.metadata.namespace ?? 'default',
    phase,
    checksum: revisionChecksum(canary),
    metadata: { ...(metadata ?? {}) },
  };
}
