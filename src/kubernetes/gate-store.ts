/**
 * Gates on a cluster: one ConfigMap `serin-gates` per namespace, one data key per gate
 * (`gate.<canary>` or `rollback.<canary>`). State survives controller restarts and fail-over, every
 * replica sees the same gates, and a merge patch of one key never loses another gate's change.
 */
import { z } from 'zod';
import type { GateKind, GateState, GateStore } from '../analysis/gates/store.js';
import { isNotFound, type KubeClient, type KubeObject } from './client.js';
import { Resources } from './resources.js';

export const GATES_CONFIGMAP = 'serin-gates';

const Entry = z.object({ open: z.boolean(), updatedAt: z.string(), by: z.string().optional() });

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const keyOf = (kind: GateKind, name: string) => `${kind}.${name}`;

function parseEntry(namespace: string, key: string, text: string): GateState | undefined {
  const [kind, ...rest] = key.split('.');
  if ((kind !== 'gate' && kind !== 'rollback') || rest.length === 0) return undefined;
  try {
    const entry = Entry.parse(JSON.parse(text));
    return { kind, namespace, name: rest.join('.'), ...entry };
  } catch {
    return undefined; // a hand-edited value that is not a gate: ignored, never fatal
  }
}

export class ConfigMapGateStore implements GateStore {
  constructor(
    private readonly client: KubeClient,
    /** Limit `list` to one namespace when the controller is namespace-scoped. */
    private readonly namespace?: string,
  ) {}

  async isOpen(kind: GateKind, namespace: string, name: string): Promise<boolean> {
    const map = await this.client.get<ConfigMap>(Resources.configMap, namespace, GATES_CONFIGMAP);
    const text = map?.data?.[keyOf(kind, name)];
    return text !== undefined && parseEntry(namespace, keyOf(kind, name), text)?.open === true;
  }

  async set(kind: GateKind, namespace: string, name: string, open: boolean, by?: string): Promise<GateState> {
    const state: GateState = { kind, namespace, name, open, updatedAt: new Date().toISOString(), by };
    const value = JSON.stringify({ open, updatedAt: state.updatedAt, ...(by !== undefined ? { by } : {}) });
    const data = { [keyOf(kind, name)]: value };
    try {
      await this.client.patch(Resources.configMap, namespace, GATES_CONFIGMAP, { data });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.client.create<ConfigMap>(Resources.configMap, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: GATES_CONFIGMAP, namespace, labels: { 'app.kubernetes.io/managed-by': 'serin' } },
        data,
      });
    }
    return state;
  }

  /**
   * Gates of every namespace that has Canaries. Reading the Canaries' namespaces first keeps the
   * controller's RBAC to `get` on ConfigMaps (no cluster-wide ConfigMap `list`).
   */
  async list(): Promise<GateState[]> {
    const namespaces = new Set<string>();
    for (const type of [Resources.serinCanary, Resources.flaggerCanary]) {
      try {
        const canaries = await this.client.list(type, this.namespace);
        for (const c of canaries.items) namespaces.add(c.metadata.namespace ?? 'default');
      } catch (error) {
        if (!isNotFound(error)) throw error; // that group's CRD is not installed
      }
    }
    const states: GateState[] = [];
    for (const namespace of [...namespaces].sort()) {
      const map = await this.client.get<ConfigMap>(Resources.configMap, namespace, GATES_CONFIGMAP);
      for (const [key, text] of Object.entries(map?.data ?? {})) {
        const state = parseEntry(namespace, key, text);
        if (state) states.push(state);
      }
    }
    return states;
  }
}
