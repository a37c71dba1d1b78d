/**
 * Interim adapters for the ports whose real implementations live elsewhere in Serin and may not be
 * wired yet: a plain HTTP webhook caller with Flagger's payload, and an alert sink that logs.
 * Replaced by `createWebhookPort` (src/analysis) and `createNotifier` (src/notify) where present.
 */
import type { Logger } from 'pino';
import { parseDuration } from '../api/common.js';
import type { Canary, CanaryWebhook } from '../api/canary.js';
import type { NotifierPort, WebhookPort, WebhookResult } from '../engine/ports.js';
import { canaryNamespace } from './objects.js';

export function minimalWebhookPort(): WebhookPort {
  return {
    async call(canary: Canary, hook: CanaryWebhook, phase: string): Promise<WebhookResult> {
      const timeoutMs = hook.timeout === undefined ? 10_000 : parseDuration(hook.timeout);
      const payload = {
        name: canary.metadata.name,
        namespace: canaryNamespace(canary),
        phase,
        checksum: canary.status?.lastAppliedSpec ?? '',
        metadata: hook.metadata ?? {},
      };
      try {
        const res = await fetch(hook.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = (await res.text()).slice(0, 200);
        return {
          ok: res.ok,
          status: res.status,
          message: res.ok ? `${hook.name}: ${res.status}` : `${hook.name}: ${res.status} ${text}`,
        };
      } catch (error) {
        return { ok: false, message: `${hook.name}: ${(error as Error).message}` };
      }
    },
  };
}

export function loggingAlerts(logger: Logger): NotifierPort['alert'] {
  return (canary, alert) => {
    logger.info(
      { canary: canary.metadata.name, namespace: canaryNamespace(canary), severity: alert.severity },
      alert.message,
    );
    return Promise.resolve();
  };
}
