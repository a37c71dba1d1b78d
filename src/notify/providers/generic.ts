import type { PayloadBuilder } from '../types.js';

/** Serin's plain JSON alert, for any receiver. */
export const genericPayload: PayloadBuilder = (alert, _settings, address) => ({
  url: address,
  body: {
    name: alert.name,
    namespace: alert.namespace,
    phase: alert.phase,
    severity: alert.severity,
    message: alert.text,
    fields: alert.fields,
    timestamp: alert.time,
    ...(alert.decisionId !== undefined ? { decisionId: alert.decisionId } : {}),
  },
});
