/** What the cluster-facing CLI commands share: connecting like kubectl and finding Canaries. */
import { readCompleteStatus } from './canary-state.js';
import { KubeClient, isNotFound, loadKubeConfig, type KubeObject } from './client.js';
import { Resources, type ResourceType } from './resources.js';

export interface ConnectionFlags {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
}

export interface Connection {
  client: KubeClient;
  /** The namespace from -n, else the kubeconfig context's, else `default`. */
  namespace: string;
}

export function connect(flags: ConnectionFlags): Connection {
  const kc = loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context });
  const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
  return { client: new KubeClient(kc), namespace: flags.namespace ?? contextNamespace ?? 'default' };
}

export type CanaryObject = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

const CANARY_TYPES: ResourceType[] = [Resources.serinCanary, Resources.flaggerCanary];

/** The Canary in Serin's group, else in Flagger's, with its complete status (companion included). */
export async function findCanary(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<{ canary: CanaryObject; type: ResourceType }> {
  for (const type of CANARY_TYPES) {
    try {
      const canary = await client.get<CanaryObject>(type, namespace, name);
      if (canary) return { canary: await readCompleteStatus(client, type, canary), type };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  throw new Error(`canary "${name}" not found in namespace "${namespace}"`);
}

/** Canaries of both groups; `namespace` undefined lists all namespaces. */
export async function listCanaries(
  client: KubeClient,
  namespace: string | undefined,
): Promise<CanaryObject[]> {
  const all: CanaryObject[] = [];
  for (const type of CANARY_TYPES) {
    try {
      const list = await client.list<CanaryObject>(type, namespace);
      all.push(
        ...list.items.map((c) => ({
          ...c,
          apiVersion: c.apiVersion ?? `${type.group}/${type.version}`,
          kind: 'Canary',
        })),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error; // that group's CRD is not installed
    }
  }
  return all.sort((a, b) =>
    `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(
      `${b.metadata.namespace ?? ''}/${b.metadata.name}`,
    ),
  );
}
