/**
 * Support for the controller's end-to-end suites: fixtures (Deployments, Canaries) written through
 * the real API (test API server, or the cluster KUBECONFIG names), the real controller running
 * in-process, and polling helpers. Nothing here stubs a port.
 */
import pino from 'pino';
import { KubeClient, type KubeObject } from '../../src/kubernetes/client.js';
import { Resources, type ResourceType } from '../../src/kubernetes/resources.js';
import { ControllerRuntime, type RuntimeOptions } from '../../src/kubernetes/runtime.js';
import { useCluster, type Cluster } from '../apiserver/index.js';

export { useCluster, type Cluster };

export const quietLogger = () => pino({ level: process.env.SERIN_TEST_LOG ?? 'silent' });

/** A fresh namespace per suite so suites can share a real cluster. */
export async function createNamespace(client: KubeClient, prefix: string): Promise<string> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await client.create(Resources.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

export function deployment(
  namespace: string,
  name: string,
  options: { image?: string; replicas?: number; podSpec?: Record<string, unknown> } = {},
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'app',
              image: options.image ?? 'ghcr.io/stefanprodan/podinfo:6.0.0',
              ports: [{ containerPort: 9898 }],
            },
          ],
          ...(options.podSpec ?? {}),
        },
      },
    },
  };
}

export function canary(
  namespace: string,
  name: string,
  spec: Record<string, unknown> = {},
  analysis: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'serin.dev/v1beta1',
    kind: 'Canary',
    metadata: { name, namespace },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      service: { port: 9898 },
      // Exactly one of iterations, stepWeight and stepWeights, as Flagger's CRD requires.
      analysis: {
        interval: '1s',
        threshold: 2,
        ...('iterations' in analysis || 'stepWeights' in analysis ? {} : { stepWeight: 50, maxWeight: 50 }),
        ...analysis,
      },
      ...spec,
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 40_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function getCanary(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<KubeObject & { status?: Record<string, unknown> }> {
  const c = await client.get(Resources.serinCanary, namespace, name);
  if (!c) throw new Error(`Canary ${namespace}/${name} not found`);
  return c;
}

export function waitForPhase(
  client: KubeClient,
  namespace: string,
  name: string,
  phase: string,
  timeoutMs = 40_000,
) {
  return waitFor(
    `canary ${name} in phase ${phase}`,
    async () => {
      const c = await getCanary(client, namespace, name);
      return c.status?.phase === phase ? c : undefined;
    },
    timeoutMs,
  );
}

/** Changes the target's pod template (a new revision), as `kubectl set image` would. */
export async function setImage(
  client: KubeClient,
  namespace: string,
  name: string,
  image: string,
): Promise<void> {
  await client.patch(
    Resources.deployment,
    namespace,
    name,
    {
      spec: { template: { spec: { containers: [{ name: 'app', image }] } } },
    },
    'strategic',
  );
}

export async function replicasOf(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<number | undefined> {
  const d = await client.get(Resources.deployment, namespace, name);
  return (d?.spec as { replicas?: number } | undefined)?.replicas;
}

export async function startController(
  cluster: Cluster,
  options: Partial<RuntimeOptions> = {},
): Promise<ControllerRuntime> {
  const runtime = new ControllerRuntime({
    kubeConfig: cluster.kubeConfig,
    logger: quietLogger(),
    ...options,
  });
  await runtime.start();
  return runtime;
}

/** The User-Agent of the requests a suite makes itself (the controller sends `serin-controller`). */
export const TEST_USER_AGENT = 'serin-test-suite';

export interface ControllerSuite {
  cluster: Cluster;
  client: KubeClient;
  ns: string;
  controller: ControllerRuntime;
  stop(): Promise<void>;
}

/** The usual suite setup: a cluster, a fresh namespace, and a controller watching only it. */
export async function startControllerSuite(namespacePrefix: string): Promise<ControllerSuite> {
  const cluster = await useCluster();
  const client = new KubeClient(cluster.kubeConfig);
  // The suite's own requests are told apart from the controller's (request logs, RBAC checks).
  client.userAgent = TEST_USER_AGENT;
  const ns = await createNamespace(client, namespacePrefix);
  const controller = await startController(cluster, { namespace: ns });
  return {
    cluster,
    client,
    ns,
    controller,
    stop: async () => {
      await controller.stop();
      await cluster.stop();
    },
  };
}

export async function getObject(
  client: KubeClient,
  type: ResourceType,
  namespace: string,
  name: string,
): Promise<KubeObject | undefined> {
  return client.get(type, namespace, name);
}

/** Records every version of the objects of one kind in a namespace, through a real watch. */
export function recordObjects(client: KubeClient, type: ResourceType, namespace: string) {
  const seen: KubeObject[] = [];
  const abort = new AbortController();
  const loop = (async () => {
    let resourceVersion: string | undefined;
    while (!abort.signal.aborted) {
      try {
        await client.watch(
          type,
          namespace,
          { resourceVersion },
          (event) => {
            resourceVersion = event.object.metadata.resourceVersion;
            if (event.type === 'ADDED' || event.type === 'MODIFIED') seen.push(event.object);
          },
          abort.signal,
        );
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  })();
  return {
    seen,
    specsOf: (name: string) =>
      seen.filter((o) => o.metadata.name === name).map((o) => JSON.stringify(o.spec)),
    async stop() {
      abort.abort();
      await loop;
    },
  };
}
