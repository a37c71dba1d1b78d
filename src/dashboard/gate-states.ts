/**
 * Whether each gate-type hook of a Canary is open, read back from the gate store the platform's
 * gate API answers from (a ConfigMap on a cluster, a file locally): a `rollback` hook reads the
 * rollback gate, the confirm-* hooks the promotion gate. A gate nobody opened is closed, as the
 * gate API answers it, so the dashboard never shows a state it did not read.
 */
import type { GateStore } from '../analysis/gates/store.js';
import type { Canary } from '../api/canary.js';
import { GATE_TYPES } from './backend.js';

export async function gateStatesOf(store: GateStore, canary: Canary): Promise<Map<string, boolean>> {
  const { namespace = 'default', name } = canary.metadata;
  const hooks = ((canary.spec.analysis ?? canary.spec.canaryAnalysis)?.webhooks ?? []).filter((h) =>
    GATE_TYPES.includes(h.type ?? 'rollout'),
  );
  if (hooks.length === 0) return new Map();
  const [gate, rollback] = await Promise.all([
    store.isOpen('gate', namespace, name),
    store.isOpen('rollback', namespace, name),
  ]);
  return new Map(hooks.map((h) => [h.name, h.type === 'rollback' ? rollback : gate]));
}
